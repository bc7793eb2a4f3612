/// Playing and replaying sessions: the agent's one-tick graph rolled into a Recurrence (reference §4.2–4.3).
extension MDPAgent {
    /// Initial values for one group of recurrent values (environment states, observations or memories): zeros, or
    /// one layer (nil for zeros) per value in order; memories may also be given by memory layer.
    public enum Initial: ExpressibleByNilLiteral {
        case zeros
        case list([Layer?])
        case byLayer(LayerDict<Layer?>)

        public init(nilLiteral: ()) { self = .zeros }

        func aligned(_ keys: [Layer], _ what: String) throws -> [Layer?] {
            switch self {
            case .zeros: return Array(repeating: nil, count: keys.count)
            case .list(let l):
                guard l.count == keys.count else { throw AgentNetError.invalid("get_sessions: got \(l.count) \(what) for \(keys.count) values") }
                return l
            case .byLayer(let d):
                for k in d.keys where !keys.contains(where: { $0 === k }) {
                    throw AgentNetError.invalid("get_sessions: \(what) names \(k.label), which is not one of the agent's values")
                }
                return keys.map { k in d[k] ?? nil }
            }
        }
    }

    /// The seed's `get_sessions` result, every sequence `[batch, tick, ...]`: environment states (for replay, the
    /// single `arange(sessionLength)`), observations, memories (in memory order), actions and policy.
    ///
    /// `updates` carry state from one call of the compiled function to the next: for a `NativeEnvironment`, the
    /// agent's memory after the last tick, `(stored memory, new value)` per memory. Pass them to the Function
    /// (`Function(inputs:outputs:updates: sessions.updates + ...)`), or every call starts from the stored memory
    /// again. Empty for graph environments and replay, whose sessions start afresh every call.
    public struct Sessions {
        public var envStates: [Node], observations: [Node], memories: [Node], actions: [Node], policy: [Node]
        public var updates: [(SharedValue, Node)] = []
    }

    /// What an agent plays: an environment it steps (active mode) or recorded sessions it replays.
    public enum Environment {
        case active(BaseEnvironment)
        case replay(ReplayEnvironment)
    }

    /// The seed's `as_recurrence`: the Recurrence whose one-tick graph is the agent followed by `env`'s step.
    /// Its states are the memories, then the environment's states, then its observations (fed back as the agent's
    /// observation layers); the environment's are delayed one tick, so tick `t` holds what the agent saw at `t`.
    /// Also returns the environment's one-tick new-state and observation layers (keys of the Recurrence).
    public func asRecurrence(_ env: BaseEnvironment, sessionLength: Int = 10, batchSize: Recurrence.BatchSize? = nil,
                             initialEnvStates: Initial = .zeros, initialObservations: Initial = .zeros, initialHidden: Initial = .zeros,
                             name: String? = "AgentRecurrence") throws -> (recurrence: Recurrence, envStates: [Layer], observations: [Layer]) {
        if env is NativeEnvironment {
            throw AgentNetError.invalid("as_recurrence: \(env.label) is played by get_sessions, which unrolls its own rollout (env steps chained tick after tick, memory zeroed on reset ticks); a Recurrence cannot express it")
        }
        try checkEnvironment(env)
        let prevStates = zip(env.stateShapes, env.stateDTypes).enumerated().map { i, sd -> Layer in
            let shape = [nil] + sd.0
            return (try? InputLayer(shape: shape, inputVar: Node.input("prev_env_state\(i)", dtype: sd.1, shape: shape), name: "prev_env_state\(i)"))!
        }
        let (newStates, newObs) = try env.asLayers(prevStateLayers: prevStates, actionLayers: actionLayers)
        let stateVariables = LayerDict<Layer>(agentStates.pairs.map { ($0.key, $0.value) }
            + zip(newStates as [Layer], prevStates).map { ($0, $1) } + zip(newObs as [Layer], observationLayers).map { ($0, $1) })
        let inits = try initialHidden.aligned(agentStates.keys, "initial_hidden")
            + initialEnvStates.aligned(newStates, "initial_env_states") + initialObservations.aligned(newObs, "initial_observations")
        let rec = try Recurrence(trackedOutputs: policyEstimators + actionLayers, stateVariables: stateVariables, stateInit: .list(inits),
                                 nSteps: sessionLength, batchSize: batchSize ?? (inits.contains { $0 != nil } ? nil : env.batchSize.map { .symbolic($0) }),
                                 delayedStates: newStates + newObs, name: name)
        return (rec, newStates, newObs)
    }

    /// The seed's `as_replay_recurrence`: the Recurrence that feeds the recorded observations to the observation
    /// layers and the recorded actions in place of the action layers, and recomputes memory and policy. Memory
    /// starts from `initialHidden`, else from the environment's preceding memories, else from zeros.
    public func asReplayRecurrence(_ env: ReplayEnvironment, sessionLength: Int? = nil, initialHidden: Initial = .zeros,
                                   name: String? = "ReplayRecurrence") throws -> Recurrence {
        guard env.observations.count == observationLayers.count else {
            throw AgentNetError.invalid("get_sessions(experience_replay=True): \(env.label) records \(env.observations.count) observations, the agent has \(observationLayers.count) observation layers")
        }
        guard env.actions.count == actionLayers.count else {
            throw AgentNetError.invalid("get_sessions(experience_replay=True): \(env.label) records \(env.actions.count) actions, the agent has \(actionLayers.count) action layers")
        }
        func sequence(_ x: Node, for l: Layer, _ what: String) throws -> Layer {
            let v = try Self.recorded(x, for: l, what)
            return try InputLayer(shape: v.shape, inputVar: v, name: "recorded \(what)")
        }
        var sequences: [(Layer, Layer)] = []
        for (i, (x, l)) in zip(env.observations, observationLayers).enumerated() { sequences.append((l, try sequence(x, for: l, "observation \(i)"))) }
        for (i, (x, l)) in zip(env.actions, actionLayers).enumerated() { sequences.append((l, try sequence(x, for: l, "action \(i)"))) }
        var inits = try initialHidden.aligned(agentStates.keys, "initial_hidden")
        if case .zeros = initialHidden, let memories = env.precedingAgentMemories {
            guard memories.count == agentStates.count else {
                throw AgentNetError.invalid("get_sessions(experience_replay=True): \(env.label) has \(memories.count) preceding memories for \(agentStates.count) agent memories")
            }
            inits = try zip(memories, agentStates.keys).map { m, s in
                guard shapesAgree(m.shape, s.outputShape) else {
                    throw AgentNetError.shape("get_sessions(experience_replay=True): preceding memory of shape \(seedShape(m.shape)) does not fit memory \(s.label) of shape \(seedShape(s.outputShape))")
                }
                return try InputLayer(shape: m.shape, inputVar: T.cast(m, s.outputDType), name: "preceding memory")
            }
        }
        let length = try sessionLength ?? Self.staticLength(env)
        return try Recurrence(inputSequences: LayerDict(sequences), trackedOutputs: policyEstimators + actionLayers,
                              stateVariables: agentStates, stateInit: .list(inits), nSteps: length, name: name)
    }

    /// A recorded sequence `[batch, tick] + item` checked against the layer it replays into and cast to its dtype.
    static func recorded(_ x: Node, for l: Layer, _ what: String) throws -> Node {
        guard x.rank == l.outputShape.count + 1, shapesAgree(Array(x.shape.dropFirst(2)), Array(l.outputShape.dropFirst())) else {
            throw AgentNetError.shape("get_sessions(experience_replay=True): recorded \(what) of shape \(seedShape(x.shape)) does not fit \(l.label) of shape \(seedShape(l.outputShape)) (expected [batch, tick] + \(seedShape(Array(l.outputShape.dropFirst()))))")
        }
        return try T.cast(x, l.outputDType)
    }

    /// The recorded sessions' length when it is known statically.
    static func staticLength(_ env: ReplayEnvironment) throws -> Int {
        guard let t = (env.observations + env.actions).lazy.compactMap({ $0.shape.count > 1 ? $0.shape[1] : nil }).first else {
            throw AgentNetError.invalid("get_sessions(experience_replay=True): the length of \(env.label)'s sessions is not known when the graph is built; give session_length")
        }
        return t
    }

    /// The seed's `get_sessions`: plays `env` for `sessionLength` ticks (active mode), or replays its recorded
    /// sessions (`experienceReplay`, which needs a ReplayEnvironment). Replay returns `[arange(sessionLength)]` as
    /// the environment states and the recorded observations. A `NativeEnvironment` is played inside the compiled
    /// function, continuing its episodes and the agent's memory across calls (`MDPAgent+Native.swift`; pass
    /// `Sessions.updates` to the Function); its env states are `[rewards, isAlive, isTruncated]`.
    public func getSessions(_ env: Environment, sessionLength: Int? = nil, batchSize: Recurrence.BatchSize? = nil,
                            initialEnvStates: Initial = .zeros, initialObservations: Initial = .zeros, initialHidden: Initial = .zeros,
                            experienceReplay: Bool = false, options: LayerOptions = LayerOptions()) throws -> Sessions {
        switch (env, experienceReplay) {
        case (.replay(let replay), true):
            if case .zeros = initialHidden, let flat = try flatReplaySessions(replay, sessionLength: sessionLength, options: options) {
                return flat
            }
            let rec = try asReplayRecurrence(replay, sessionLength: sessionLength, initialHidden: initialHidden)
            let outs = try getOutput(try rec[agentStates.keys + actionLayers + policyEstimators], options: options)
            let (m, a) = (agentStates.count, actionLayers.count)
            return Sessions(envStates: [try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), Node.intScalar(rec.nSteps), Node.intScalar(1)])],
                            observations: replay.observations, memories: Array(outs[..<m]),
                            actions: Array(outs[m..<(m + a)]), policy: Array(outs[(m + a)...]))
        case (.active(let native as NativeEnvironment), false):
            return try nativeSessions(native, sessionLength: sessionLength ?? 10, batchSize: batchSize,
                                      initials: [(initialEnvStates, "initial_env_states"), (initialObservations, "initial_observations"),
                                                 (initialHidden, "initial_hidden")], options: options)
        case (.active(let active), false):
            let (rec, states, obs) = try asRecurrence(active, sessionLength: sessionLength ?? 10, batchSize: batchSize,
                                                      initialEnvStates: initialEnvStates, initialObservations: initialObservations,
                                                      initialHidden: initialHidden)
            let keys = states + obs + agentStates.keys + actionLayers + policyEstimators
            let outs = try getOutput(try rec[keys], options: options)
            var i = 0
            func take(_ n: Int) -> [Node] { defer { i += n }; return Array(outs[i..<(i + n)]) }
            return Sessions(envStates: take(states.count), observations: take(obs.count), memories: take(agentStates.count),
                            actions: take(actionLayers.count), policy: take(policyEstimators.count))
        case (.active(let e), true):
            throw AgentNetError.invalid("get_sessions(experience_replay=True) replays recorded sessions, and \(e.label) records none; use a SessionPoolEnvironment or SessionBatchEnvironment")
        case (.replay(let e), false):
            throw AgentNetError.invalid("\(e.label) only replays recorded sessions (it has no dynamics to play); call get_sessions(..., experience_replay=True)")
        }
    }

    /// The environment's observations and actions must fit the agent's layers.
    func checkEnvironment(_ env: BaseEnvironment) throws {
        guard env.observationShapes.count == observationLayers.count else {
            throw AgentNetError.invalid("\(env.label) has \(env.observationShapes.count) observations, the agent has \(observationLayers.count) observation layers")
        }
        for (i, (s, l)) in zip(env.observationShapes, observationLayers).enumerated() where !shapesAgree([nil] + s, l.outputShape) {
            throw AgentNetError.shape("the agent's observation layer \(l.label) has shape \(seedShape(l.outputShape)), but \(env.label)'s observation \(i) is [batch] + \(seedShape(s))")
        }
        guard env.actionShapes.count == actionLayers.count else {
            throw AgentNetError.invalid("\(env.label) takes \(env.actionShapes.count) actions, the agent has \(actionLayers.count) action layers")
        }
    }
}
