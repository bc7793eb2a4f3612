// C exports for an agent playing a native env inside a compiled function (include/agentnet.h, "Agents on native
// environments"). No rollout logic here: look up the handles, call `NativeEnvironment` / `MDPAgent.getSessions`.
import AgentNet

/// The native env `env` (an `agn_env_create` handle, next-step autoreset) as a `BaseEnvironment` handle an agent
/// plays with `get_sessions`. It keeps each agent's memory of the sub-envs, so make one per env.
@_cdecl("agn_native_environment_create")
public func agn_native_environment_create(_ env: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        o.pointee = Handles.register(try NativeEnvironment(environment(env)))
    }
}

/// `MDPAgent(observation_layers, {memory_layers[i]: prev_memory_layers[i]}, policy_layers, action_layers)
/// .get_sessions(native_env, session_length, **options)`. Writes to `out` (capacity `out_cap`, count to `n_out`):
/// rewards, is_alive, is_truncated, the observations, the memories, the actions, the policy sequences (node
/// handles, `[batch, tick, ...]`), then per memory a (shared value, new value node) pair: the updates the
/// function must apply to continue the memory on its next call.
@_cdecl("agn_native_sessions")
public func agn_native_sessions(_ env: Int64, _ observationLayers: UnsafePointer<Int64>?, _ nObservations: Int64,
                                _ memoryLayers: UnsafePointer<Int64>?, _ prevMemoryLayers: UnsafePointer<Int64>?, _ nMemories: Int64,
                                _ policyLayers: UnsafePointer<Int64>?, _ nPolicy: Int64,
                                _ actionLayers: UnsafePointer<Int64>?, _ nActions: Int64,
                                _ sessionLength: Int64, _ options: UnsafePointer<CChar>?,
                                _ out: UnsafeMutablePointer<Int64>?, _ outCap: Int64, _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let native = try Handles.get(env, as: NativeEnvironment.self, "native environment (agn_native_environment_create)")
        let o = try AgentNetC.out(out, "out"), n = try AgentNetC.out(nOut, "n_out"), cap = try count(outCap, "out_cap")
        let memories = try layers(memoryLayers, nMemories, "memory layers"), prevs = try layers(prevMemoryLayers, nMemories, "previous-memory layers")
        let agent = try MDPAgent(observationLayers: layers(observationLayers, nObservations, "observation layers"),
                                 agentStates: LayerDict(Array(zip(memories, prevs))),
                                 policyEstimators: layers(policyLayers, nPolicy, "policy layers"),
                                 actionLayers: layers(actionLayers, nActions, "action layers"))
        guard sessionLength >= 1, sessionLength <= 1 << 20 else {
            throw AgentNetError(.invalidArgument, "session_length must be in 1...\(1 << 20), got \(sessionLength)")
        }
        let s = try agent.getSessions(.active(native), sessionLength: Int(sessionLength),
                                      options: LayerOptions(json: attributes(options, "options")))
        let objects: [AnyObject] = s.envStates + s.observations + s.memories + s.actions + s.policy
            + s.updates.flatMap { [$0.0 as AnyObject, $0.1] }
        guard objects.count <= cap else {
            throw AgentNetError(.invalidArgument, "out holds \(cap) handles; the sessions have \(objects.count)")
        }
        for (i, x) in objects.enumerated() { o[i] = Handles.register(x) }
        n.pointee = Int64(objects.count)
    }
}
