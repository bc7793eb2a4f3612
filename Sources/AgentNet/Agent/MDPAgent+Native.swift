/// Playing a native vector environment inside one compiled function (ARCHITECTURE §4, reference §4.2 and §4.6).
///
/// The rollout is unrolled here rather than through a `Recurrence`: each tick's env step must follow the previous
/// one (`EnvNodes.step(after:)`), and the memory of a sub-env whose episode was reset is zeroed in between, neither
/// of which a one-tick graph expresses. Tick `t`, for every sub-env at once:
///
///     (actions[t], memory', policy[t]) = agent(observations[t], memory[t-1])
///     step = env.step(actions[t])                    rewards[t], isAlive[t], isTruncated[t]
///     memory[t] = isAlive[t] ? memory' : 0           a reset tick starts the next episode from zero memory
///     observations[t+1] = step.observations          the final observation until the reset tick, then the reset one
///
/// `observations[0]` is the env's current observation when the function runs and `memory[-1]` the memory stored
/// by the previous call, so the sessions continue across calls. The memory after the last tick goes back to the
/// store through `Sessions.updates`, which the caller passes to the Function.
extension MDPAgent {
    func nativeSessions(_ native: NativeEnvironment, sessionLength: Int, batchSize: Recurrence.BatchSize?,
                        initials: [(Initial, String)], options: LayerOptions) throws -> Sessions {
        let env = native.env, n = env.numEnvs
        guard sessionLength >= 1 else {
            throw AgentNetError.invalid("get_sessions: session_length must be positive, got \(sessionLength)")
        }
        for (initial, what) in initials {
            guard case .zeros = initial else {
                throw AgentNetError.invalid("get_sessions: \(native.label) continues its episodes and the agent's memory from the previous call, so \(what) cannot be given")
            }
        }
        switch batchSize {
        case .fixed(let b) where b != n:
            throw AgentNetError.invalid("get_sessions: batch_size \(b) differs from \(native.label)'s \(n) sub-envs (leave it out)")
        case .symbolic:
            throw AgentNetError.invalid("get_sessions: the batch of \(native.label) is its \(n) sub-envs; a symbolic batch_size cannot be given")
        default: break
        }
        try checkEnvironment(native)
        try checkNativeLayers(native)
        let store = try native.memory(for: self)
        let inner = try Recurrence.innerOptions(options, label: "get_sessions")
        let observationLayer = observationLayers[0]
        let (m, a) = (agentStates.count, actionLayers.count)

        let first = EnvNodes.observations(env)
        var seen = first, after = first
        var memory = store.map(\.node)
        var observations: [Node] = [], actions: [Node] = [], rewards: [Node] = [], alive: [Node] = [], truncated: [Node] = []
        var memories = [[Node]](repeating: [], count: m), policy = [[Node]](repeating: [], count: policyEstimators.count)
        for _ in 0..<sessionLength {
            let feed = Array(zip(agentStates.values, memory)) + [(observationLayer, try T.cast(seen, observationLayer.outputDType))]
            let outs = try getOutput(actionLayers + agentStates.keys + policyEstimators, inputs: feed, options: inner)
            let action = try nativeAction(outs[0], native)
            let step = try EnvNodes.step(env, actions: action, after: after)
            memory = try zip(outs[a..<(a + m)], agentStates.keys).map { x, s in
                let value = try T.cast(x, s.outputDType)
                return try T.where_(Recurrence.broadcast(step.isAlive, like: value), value, T.zerosLike(value))
            }
            observations.append(seen)
            actions.append(action)
            rewards.append(step.rewards)
            alive.append(step.isAlive)
            truncated.append(step.isTruncated)
            for i in 0..<m { memories[i].append(memory[i]) }
            for (i, p) in outs[(a + m)...].enumerated() { policy[i].append(p) }
            (seen, after) = (step.observations, step.node)
        }
        func sequence(_ ticks: [Node]) throws -> Node { try T.stack(ticks, axis: 1) }
        return Sessions(envStates: [try sequence(rewards), try sequence(alive), try sequence(truncated)],
                        observations: [try sequence(observations)], memories: try memories.map(sequence),
                        actions: [try sequence(actions)], policy: try policy.map(sequence),
                        updates: Array(zip(store, memory)))
    }

    /// The agent's layers must fit the native env: one observation layer `[batch, observationSize]`, memories of
    /// known size, and the batch (where a layer fixes it) equal to the number of sub-envs.
    private func checkNativeLayers(_ native: NativeEnvironment) throws {
        let n = native.env.numEnvs
        for l in observationLayers + agentStates.values + agentStates.keys {
            if let b = l.outputShape.first ?? nil, b != n {
                throw AgentNetError.shape("get_sessions: \(l.label) has batch \(b), but \(native.label) plays \(n) sub-envs at once")
            }
        }
        for s in agentStates.keys where s.outputShape.dropFirst().contains(where: { $0 == nil }) {
            throw AgentNetError.shape("get_sessions: memory \(s.label) of shape \(seedShape(s.outputShape)) has an unknown dimension; the memory \(native.label) keeps between calls needs a known shape")
        }
        let action = actionLayers[0]
        switch native.env.actionSpace {
        case .discrete(let count):
            guard action.outputDType != .float32 else {
                throw AgentNetError.dtype("get_sessions: \(native.label) has a Discrete(\(count)) action space, but the action layer \(action.label) gives float32 actions (a continuous action layer?); use a discrete resolver giving int32 [batch]")
            }
            guard action.outputShape.count == 1 else {
                throw AgentNetError.shape("get_sessions: \(native.label) takes one integer action per sub-env, [batch]; the action layer \(action.label) gives \(seedShape(action.outputShape))")
            }
        case .box(_, _, let width):
            guard action.outputDType == .float32 else {
                throw AgentNetError.dtype("get_sessions: \(native.label) has a continuous (Box) action space of width \(width), but the action layer \(action.label) gives \(action.outputDType) actions (a discrete resolver?); use a continuous action layer giving float32 [batch, \(width)]")
            }
            guard action.outputShape.count == 2, sizesAgree(action.outputShape[1], width) else {
                throw AgentNetError.shape("get_sessions: \(native.label) takes float32 actions [batch, \(width)]; the action layer \(action.label) gives \(seedShape(action.outputShape))")
            }
        }
    }

    /// The action layer's output as the env step takes it (a bool or int32 discrete action as int32).
    private func nativeAction(_ x: Node, _ native: NativeEnvironment) throws -> Node {
        guard case .discrete = native.env.actionSpace else { return x }
        return try T.cast(x, .int32)
    }
}
