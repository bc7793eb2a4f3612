@testable import AgentNet
import AgentNetTestSupport
import Testing

/// Actions read from a fixed table `[batch, T]`: the tick counter (a memory of the agent) picks column `t`, so
/// active play takes exactly the scripted actions (a deterministic action layer, without resolvers).
final class ScriptedActions: Layer {
    let table: Node

    init(counter: Layer, table: Tensor) throws {
        self.table = Node.constant(table)
        super.init(inputShapes: [counter.outputShape], name: "script")
        try setIncoming([counter])
    }

    override var outputShape: [Int?] { [nil] }
    override var outputDType: DType { .int32 }
    override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { [shapes[0][0]] }
    override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        let rows = try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), T.index(T.shape(inputs[0]), 0), Node.intScalar(1)])
        return try Node.make(AdvancedIndexOp(isArray: [true, true]), [table, rows, T.cast(inputs[0], .int32)])
    }
}

/// The reference's BooleanReasoning trace (§4.7): batch 2, T = 5, attrs [[0,1,1],[0,1,0]], cats [[0,1],[0,1]].
enum Trace {
    static let attrs = try! Tensor([0, 1, 1, 0, 1, 0] as [Float], shape: [2, 3])
    static let cats = try! Tensor([0, 1, 0, 1] as [Float], shape: [2, 2])
    static let actions: [Int32] = [2, 3, 1, 2, 1, 4, 5, 0, 1, 2]
    static let rewards: [Float] = [1, -3, 1, -0.5, -0.5, 3, 0, 0, 0, 0]
    static let alive: [Float] = [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    /// Session 0's states before each action.
    static let states0: [Float] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0]
}

/// A scripted agent: observation `[batch, 8]`, a tick counter as memory, Q-values from a dense layer.
struct ScriptedAgent {
    let obs = InputLayer(shape: [nil, 8], name: "obs")
    let prevTick = try! InputLayer(shape: [nil], inputVar: Node.input("prev_tick", dtype: .int32, shape: [nil]), name: "prev_tick")
    let tick: CounterLayer
    let q: DenseLayer
    let agent: MDPAgent

    init(actions: Tensor, actionLayer: ((ScriptedAgent.Parts) throws -> Layer)? = nil) throws {
        tick = try CounterLayer(prevCounter: prevTick, name: "tick")
        q = try DenseLayer(obs, numUnits: 6, nonlinearity: .linear, name: "q")
        let act = try actionLayer?(Parts(tick: prevTick, q: q)) ?? ScriptedActions(counter: prevTick, table: actions)
        agent = try MDPAgent(observationLayers: [obs], agentStates: [tick: prevTick], policyEstimators: [q], actionLayers: [act])
    }

    struct Parts { let tick: Layer; let q: Layer }
}

func values(_ nodes: [Node]) throws -> [Tensor] { try evaluate(nodes) }

@Suite struct MDPAgentTests {
    @Test func activeSessionsFollowTheReferenceTrace() throws {
        let env = try BooleanReasoningEnvironment()
        try env.setDataBatch(attributes: Trace.attrs, categories: Trace.cats)
        let a = try ScriptedAgent(actions: Tensor(Trace.actions, shape: [2, 5]))
        let s = try a.agent.getSessions(.active(env), sessionLength: 5)
        let rewards = try env.rewardSequences(states: s.envStates[0], actions: s.actions[0])
        let alive = try env.whetherAlive(observations: s.observations[0])
        let v = try values([s.envStates[0], s.observations[0], s.memories[0], s.actions[0], s.policy[0], rewards, T.cast(alive, .float32)])
        #expect(v[0].shape == [2, 5, 6] && v[1].shape == [2, 5, 8] && v[2].shape == [2, 5] && v[3].shape == [2, 5] && v[4].shape == [2, 5, 6])
        #expect(v[3].ints(10) == Trace.actions)
        #expect(Array(v[0].scalars[..<30]) == Trace.states0)
        #expect(Array(v[0].scalars[..<6]) == [0, 0, 0, 0, 0, 0])                       // envStates[:, 0] = init
        #expect(Array(v[1].scalars[..<8]) == [0, 0, 0, 0, 0, 0, 0, 0])                 // observations[:, 0] = init
        #expect(Array(v[1].scalars[8..<16]) == [1, 0, 0, 0, 1, 0, 0, 0])               // obs[0][1]: X3 = 1 was polled
        #expect(v[2].ints(10) == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5])                       // memory after tick t
        #expect(v[5].scalars == Trace.rewards)
        #expect(v[6].scalars == Trace.alive)
    }

    @Test func replayUsesTheRecordedActions() throws {
        let env = try BooleanReasoningEnvironment()
        try env.setDataBatch(attributes: Trace.attrs, categories: Trace.cats)
        let a = try ScriptedAgent(actions: Tensor(Trace.actions, shape: [2, 5]))
        let s = try a.agent.getSessions(.active(env), sessionLength: 5)
        let played = try values([s.observations[0], s.actions[0], s.policy[0]])
        let batch = try SessionBatchEnvironment(observations: [Node.constant(played[0])], singleObservationShapes: [[8]],
                                                actions: [Node.constant(played[1])])
        // The replaying agent's own action layer would pick action 0 everywhere.
        let zeros = try Tensor(zeros: [2, 5], dtype: .int32)
        let replayer = try MDPAgent(observationLayers: [a.obs], agentStates: [a.tick: a.prevTick], policyEstimators: [a.q],
                                    actionLayers: [ScriptedActions(counter: a.prevTick, table: zeros)])
        let r = try replayer.getSessions(.replay(batch), experienceReplay: true)
        let v = try values([r.envStates[0], r.actions[0], r.policy[0], r.memories[0]])
        #expect(v[0].ints(5) == [0, 1, 2, 3, 4])
        #expect(v[1].ints(10) == Trace.actions)
        #expect(Check.maxDiff(v[2].scalars, played[2].scalars) == 0)
        #expect(v[3].ints(10) == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5])
    }

    @Test func poolAppendSampleSelect() throws {
        let pool = try SessionPoolEnvironment(observations: [([8], .float32)], actions: [([], .int32)], agentMemories: [([], .int32)])
        #expect(pool.poolSize == 0)
        #expect(throws: AgentNetError.self) { try values([pool.sampleSessionBatch(maxNSamples: 2).rewards!]) }
        func sessions(_ n: Int, _ first: Float) throws -> SessionPoolEnvironment.Sessions {
            let r = try Tensor((0..<(n * 3)).map { first + Float($0 / 3) }, shape: [n, 3])
            return .init(observations: [try Tensor(zeros: [n, 3, 8])], actions: [try Tensor(zeros: [n, 3], dtype: .int32)], rewards: r)
        }
        try pool.appendSessions(sessions(3, 0))
        try pool.appendSessions(sessions(2, 10), maxPoolSize: 4)
        #expect(pool.poolSize == 4)
        #expect(pool.rewardValues.value.scalars == [1, 1, 1, 2, 2, 2, 10, 10, 10, 11, 11, 11])
        #expect(pool.isAliveValues.value.shape == [4, 3] && pool.isTruncatedValues.value.shape == [4, 3])
        let picked = try values([pool.selectSessionBatch(Node.constant(Tensor([3, 0] as [Int32], shape: [2]))).rewards!])[0]
        #expect(picked.scalars == [11, 11, 11, 1, 1, 1])
        let sample = try pool.sampleSessionBatch(maxNSamples: 10)
        let f = try Function(inputs: [], outputs: [sample.rewards!])
        let drawn = try f([])[0]
        #expect(drawn.shape == [4, 3])                                 // without replacement: min(10, pool size)
        #expect(Set(stride(from: 0, to: 12, by: 3).map { drawn.scalars[$0] }) == [1, 2, 10, 11])
        let withReplacement = try values([pool.sampleSessionBatch(maxNSamples: 7, replace: true).rewards!])[0]
        #expect(withReplacement.shape == [7, 3])
        #expect(throws: AgentNetError.self) { try pool.appendSessions(.init(observations: [Tensor(zeros: [1, 3, 5])], actions: [Tensor(zeros: [1, 3], dtype: .int32)], rewards: Tensor(zeros: [1, 3]))) }
        #expect(throws: AgentNetError.self) { try pool.appendSessions(sessions(1, 0), maxPoolSize: 0) }
    }

    @Test func poolUpdatesGrowInsideACompiledFunction() throws {
        let pool = try SessionPoolEnvironment(observations: [([2], .float32)], actions: [([], .int32)], agentMemories: [])
        let obs = Node.input("obs", shape: [nil, 4, 2]), act = Node.input("act", dtype: .int32, shape: [nil, 4]), rew = Node.input("rew", shape: [nil, 4])
        let load = try Function(inputs: [obs, act, rew], outputs: [], updates: pool.sessionUpdates(observations: [obs], actions: [act], rewards: rew))
        let append = try Function(inputs: [obs, act, rew], outputs: [], updates: pool.appendUpdates(observations: [obs], actions: [act], rewards: rew, maxPoolSize: 5))
        func batch(_ n: Int, _ r: Float) throws -> [Tensor] {
            [try Tensor(zeros: [n, 4, 2]), try Tensor(zeros: [n, 4], dtype: .int32), try Tensor(Array(repeating: r, count: n * 4), shape: [n, 4])]
        }
        _ = try load(batch(2, 1))
        #expect(pool.poolSize == 2)
        _ = try append(batch(2, 2))
        _ = try append(batch(2, 3))
        #expect(pool.poolSize == 5)
        #expect(stride(from: 0, to: 20, by: 4).map { pool.rewardValues.value.scalars[$0] } == [1, 2, 2, 3, 3])
        #expect(pool.isAliveValues.value.shape == [5, 4])
    }

    @Test func mismatchedObservationShapesAreRejected() throws {
        let env = try BooleanReasoningEnvironment()
        let obs = InputLayer(shape: [nil, 3], name: "obs")
        let prev = try InputLayer(shape: [nil], inputVar: Node.input("t", dtype: .int32, shape: [nil]))
        let agent = try MDPAgent(observationLayers: [obs], agentStates: [try CounterLayer(prevCounter: prev): prev],
                                 actionLayers: [ScriptedActions(counter: prev, table: Tensor(zeros: [10, 5], dtype: .int32))])
        let e = #expect(throws: AgentNetError.self) { try agent.getSessions(.active(env), sessionLength: 5) }
        #expect(e?.message.contains("observation layer InputLayer 'obs' has shape (None, 3)") == true)
        let batch = try SessionBatchEnvironment(observations: [Node.constant(Tensor(zeros: [2, 5, 8]))], singleObservationShapes: [[8]],
                                                actions: [Node.constant(Tensor(zeros: [2, 5], dtype: .int32))])
        #expect(throws: AgentNetError.self) { try agent.getSessions(.replay(batch), experienceReplay: true) }
        #expect(throws: AgentNetError.self) { try agent.getSessions(.replay(batch), experienceReplay: false) }
    }

    @Test func reactFunctionContinuesMemory() throws {
        let a = try ScriptedAgent(actions: Tensor(Trace.actions, shape: [2, 5]))
        let react = try a.agent.reactFunction()
        var memory = try a.agent.zerosLikeMemory(batchSize: 2)[0]
        var taken: [[Int32]] = []
        for _ in 0..<3 {
            let out = try react([try Tensor(zeros: [2, 8]), memory])
            taken.append(out[0].ints(2))
            memory = out[1]
        }
        #expect(taken == [[2, 4], [3, 5], [1, 0]])
        #expect(memory.ints(2) == [3, 3])
    }
}

extension Tensor {
    func ints(_ n: Int) -> [Int32] { (0..<n).map { self.ints[$0] } }
}
