@testable import AgentNet
import Testing

/// A handle table for the registries' `resolve` closures (what the C boundary does).
final class Objects {
    var table: [Int64: AnyObject] = [:]
    func add(_ o: AnyObject) -> Int64 { let h = Int64(table.count + 1); table[h] = o; return h }
    func resolve(_ h: Int64) throws -> AnyObject {
        guard let o = table[h] else { throw AgentNetError.invalid("no object \(h)") }
        return o
    }
}

@Suite struct MDPAgentRegistryTests {
    @Test func agentAndEnvironmentByJSONFollowTheTrace() throws {
        let objects = Objects()
        let a = try ScriptedAgent(actions: Tensor(Trace.actions, shape: [2, 5]))
        let attrs = try JSON.parse("""
            {"observation_layers": [\(objects.add(a.obs))], "agent_states": [[\(objects.add(a.tick)), \(objects.add(a.prevTick))]],
             "policy_estimators": [\(objects.add(a.q))], "action_layers": [\(objects.add(a.agent.actionLayers[0]))]}
            """)
        let agent = try AgentRegistry.make(attrs, resolve: objects.resolve)
        let env = try MDPEnvironmentRegistry.make("BooleanReasoningEnvironment", .object([:]), inputs: [], resolve: objects.resolve)
        _ = try MDPEnvironmentRegistry.call(env, "set_data_batch", .object([:]), inputs: [Node.constant(Trace.attrs), Node.constant(Trace.cats)],
                                            resolve: objects.resolve)
        let h = objects.add(env)
        let r = try AgentRegistry.call(agent, "get_sessions", try JSON.parse("{\"environment\": \(h), \"session_length\": 5}"), inputs: [],
                                       resolve: objects.resolve)
        #expect(r.reply == .object(["counts": .array([1, 1, 1, 1, 1].map { .number($0) })]))
        let nodes = r.objects.compactMap { $0 as? Node }
        let rewards = try MDPEnvironmentRegistry.call(env, "get_reward_sequences", .object([:]), inputs: [nodes[0], nodes[3]], resolve: objects.resolve)
        let v = try values([nodes[3], rewards.objects[0] as! Node])
        #expect(v[0].ints(10) == Trace.actions)
        #expect(v[1].scalars == Trace.rewards)
        let zeros = try AgentRegistry.call(agent, "zeros_like_memory", .object(["batch_size": .number(3)]), inputs: [], resolve: objects.resolve)
        #expect((zeros.objects[0] as? SharedValue)?.shape == [3])
    }

    @Test func poolMethodsByName() throws {
        let objects = Objects()
        let pool = try MDPEnvironmentRegistry.make("SessionPoolEnvironment", try JSON.parse(
            "{\"observations\": [{\"shape\": [2]}], \"actions\": [{\"shape\": [], \"dtype\": \"int32\"}]}"), inputs: [], resolve: objects.resolve)
        let names = try JSON.parse("{\"inputs\": [\"observation\", \"action\", \"rewards\"], \"max_pool_size\": 3}")
        func batch(_ n: Int, _ r: Float) throws -> [Node] {
            [Node.constant(try Tensor(zeros: [n, 4, 2])), Node.constant(try Tensor(zeros: [n, 4], dtype: .int32)),
             Node.constant(try Tensor(Array(repeating: r, count: n * 4), shape: [n, 4]))]
        }
        _ = try MDPEnvironmentRegistry.call(pool, "append_sessions", names, inputs: batch(2, 1), resolve: objects.resolve)
        let r = try MDPEnvironmentRegistry.call(pool, "append_sessions", names, inputs: batch(2, 2), resolve: objects.resolve)
        #expect(r.reply["pool_size"] == .number(3))
        let sample = try MDPEnvironmentRegistry.call(pool, "sample_session_batch", .object(["max_n_samples": .number(5)]), inputs: [],
                                                     resolve: objects.resolve)
        let seq = try MDPEnvironmentRegistry.call(sample.objects[0], "sequences", .object([:]), inputs: [], resolve: objects.resolve)
        #expect(seq.reply["rewards"] == .bool(true) && seq.reply["memories"] == .null)
        #expect(try values([seq.objects[2] as! Node])[0].shape == [3, 4])
        #expect(throws: AgentNetError.self) {
            try MDPEnvironmentRegistry.call(pool, "load_sessions", try JSON.parse("{\"inputs\": [\"observation\", \"rewards\"]}"),
                                            inputs: Array(batch(1, 0).prefix(2)), resolve: objects.resolve)
        }
        #expect(throws: AgentNetError.self) { try MDPEnvironmentRegistry.call(pool, "nope", .object([:]), inputs: [], resolve: objects.resolve) }
        #expect(throws: AgentNetError.self) {
            try MDPEnvironmentRegistry.call(pool, "pool_size", .object(["typo": .number(1)]), inputs: [], resolve: objects.resolve)
        }
    }

    @Test func environmentLayerByKindChecksShapes() throws {
        let env = try BooleanReasoningEnvironment()
        let objects = Objects()
        let h = objects.add(env)
        let layer = try LayerRegistry.make("EnvironmentLayer", .object(["environment": .number(Double(h))]), inputShapes: [[nil, 6], [nil]],
                                           name: nil, resolve: objects.resolve)
        #expect(layer.outputCount == 2)
        #expect(throws: AgentNetError.self) {
            try LayerRegistry.make("EnvironmentLayer", .object(["environment": .number(Double(h))]), inputShapes: [[nil, 5], [nil]],
                                   name: nil, resolve: objects.resolve)
        }
    }
}
