/// The seed's `agentnet.agent.MDPAgent` (alias `Agent`): a one-tick agent graph — observations → memory → policy
/// → actions — that plays an environment or replays recorded sessions by rolling itself into a `Recurrence`.
///
///     let obs = InputLayer(shape: [nil, 8]), prevH = InputLayer(shape: [nil, 64])
///     let h = try RNNCell(prevState: prevH, inputs: [obs]), q = try DenseLayer(h, numUnits: 6, nonlinearity: .linear)
///     let agent = try MDPAgent(observationLayers: [obs], agentStates: [h: prevH], policyEstimators: [q], actionLayers: [greedy])
///     let s = try agent.getSessions(env, sessionLength: 10)      // [batch, tick, ...] sequences
///
/// Time synchronisation (`getSessions`): at tick `t` the agent sees `observations[:, t]` and its memory after tick
/// `t − 1`, and produces `policy[:, t]`, `actions[:, t]` and `memory[:, t]` (the memory after processing tick `t`).
/// `envStates[:, t]` is the environment's state before action `t`; `envStates[:, 0]` and `observations[:, 0]` are
/// the initial values (zeros by default). The state and observation after the last action are discarded.
public final class MDPAgent {
    /// Agent inputs, one per environment observation: InputLayers `[batch] + shape`.
    public let observationLayers: [Layer]
    /// `{new memory: previous-memory InputLayer}`, in memory order.
    public let agentStates: LayerDict<Layer>
    /// Whatever the user wants recorded per tick: Q-values, action probabilities, state values...
    public let policyEstimators: [Layer]
    /// What is fed to the environment as the actions (resolvers), one per environment action.
    public let actionLayers: [Layer]

    public init(observationLayers: [Layer], agentStates: LayerDict<Layer> = [:], policyEstimators: [Layer] = [], actionLayers: [Layer]) throws {
        guard !observationLayers.isEmpty else { throw AgentNetError.invalid("MDPAgent needs at least one observation layer") }
        guard !actionLayers.isEmpty else { throw AgentNetError.invalid("MDPAgent needs at least one action layer") }
        for l in observationLayers + agentStates.values where !(l is InputLayer) {
            throw AgentNetError.invalid("MDPAgent: \(l.label) must be an InputLayer (observations and previous memories are fed at every tick)")
        }
        for (new, prev) in agentStates where !shapesAgree(new.outputShape, prev.outputShape) {
            throw AgentNetError.shape("MDPAgent: memory \(new.label) has shape \(seedShape(new.outputShape)) but its previous-state input \(prev.label) has \(seedShape(prev.outputShape))")
        }
        for l in agentStates.keys + policyEstimators + actionLayers where l.outputCount != 1 {
            throw AgentNetError.invalid("MDPAgent: \(l.label) has \(l.outputCount) outputs; pass one of them")
        }
        (self.observationLayers, self.agentStates, self.policyEstimators, self.actionLayers) = (observationLayers, agentStates, policyEstimators, actionLayers)
    }

    /// Every layer that matters to the agent: memories, policy and actions (what `getAllParams` walks).
    public var outputLayers: [Layer] { agentStates.keys + policyEstimators + actionLayers }

    /// The seed's `get_all_params`: every parameter of the agent's layers, once, optionally filtered by tags.
    public func allParams(tags: [String: Bool] = [:]) throws -> [LayerParam] { try getAllParams(outputLayers, tags: tags) }

    /// The seed's `get_zeros_like_memory`: zero memories for `batchSize` sessions, in memory order.
    public func zerosLikeMemory(batchSize: Int = 1) throws -> [Tensor] {
        guard batchSize >= 1 else { throw AgentNetError.invalid("get_zeros_like_memory: batch_size must be positive, got \(batchSize)") }
        return try agentStates.keys.map { m in
            let dims = try m.outputShape.dropFirst().map { d -> Int in
                guard let d else { throw AgentNetError.shape("get_zeros_like_memory: memory \(m.label) has an unknown dimension in \(seedShape(m.outputShape))") }
                return d
            }
            return try Tensor(zeros: [batchSize] + dims, dtype: m.outputDType)
        }
    }

    /// The seed's `get_agent_reaction`: one tick of the agent for the previous memories (in memory order) and the
    /// current observations (in observation order): `(actions, new memories, outputs)`, the outputs being the
    /// policy estimators then the actions (the seed's tracked outputs).
    public func agentReaction(prevStates: [Node], currentObservations: [Node], options: LayerOptions = LayerOptions()) throws
        -> (actions: [Node], newStates: [Node], outputs: [Node]) {
        guard prevStates.count == agentStates.count else {
            throw AgentNetError.invalid("get_agent_reaction: got \(prevStates.count) previous memories for \(agentStates.count) memories")
        }
        guard currentObservations.count == observationLayers.count else {
            throw AgentNetError.invalid("get_agent_reaction: got \(currentObservations.count) observations for \(observationLayers.count) observation layers")
        }
        for (x, l) in zip(currentObservations + prevStates, observationLayers + agentStates.values) where x.rank != l.outputShape.count || !shapesAgree(x.shape, l.outputShape) {
            throw AgentNetError.shape("get_agent_reaction: \(l.label) takes \(seedShape(l.outputShape)), got \(seedShape(x.shape))")
        }
        let feed = Array(zip(agentStates.values, prevStates)) + Array(zip(observationLayers, currentObservations))
        let (a, m) = (actionLayers.count, agentStates.count)
        let outs = try getOutput(actionLayers + agentStates.keys + policyEstimators, inputs: feed, options: options)
        let states = try zip(outs[a..<(a + m)], agentStates.keys).map { x, s in try T.cast(x, s.outputDType) }
        let actions = Array(outs.prefix(a))
        return (actions, states, Array(outs[(a + m)...]) + actions)
    }

    /// The seed's `get_react_function`: a compiled function of (observations..., memories...) returning
    /// (actions..., new memories...), one tick for a batch. Feeding the returned memories back continues them.
    public func reactFunction(options: LayerOptions = LayerOptions()) throws -> Function {
        func input(_ l: Layer, _ name: String) -> Node { Node.input(name, dtype: l.outputDType, shape: l.outputShape) }
        let obs = observationLayers.enumerated().map { input($1, "observation\($0)") }
        let mem = agentStates.values.enumerated().map { input($1, "memory\($0)") }
        let (actions, states, _) = try agentReaction(prevStates: mem, currentObservations: obs, options: options)
        return try Function(inputs: obs + mem, outputs: actions + states)
    }
}
