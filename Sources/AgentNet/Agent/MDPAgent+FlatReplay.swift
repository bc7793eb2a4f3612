/// Replay of an agent without memory as one batch: no tick depends on another, so the one-tick graph runs once on
/// the recorded sessions flattened to `[batch · tick, ...]` instead of once per tick of an unrolled Recurrence.
///
/// Why: a replay batch is a few sessions of many ticks (a DQN step replays 2 sessions of 32 ticks), so per-tick
/// products have 2 rows; flattened they have 64, one BLAS call per layer instead of 32. Measured on the demo's
/// 4-256-256-2 Q-network (AMD EPYC, 1 thread): a training step on 2 × 32 replayed ticks took 2.3 ms unrolled.
/// The results are the same up to float rounding, except for layers whose output depends on the batch as a whole
/// (BatchNormLayer in training mode normalises over all `batch · tick` rows, not per tick).
extension MDPAgent {
    /// `getSessions(.replay(env), experienceReplay: true)` for an agent without memory; nil when it has memory.
    func flatReplaySessions(_ env: ReplayEnvironment, sessionLength: Int?, options: LayerOptions) throws -> Sessions? {
        guard agentStates.isEmpty else { return nil }
        guard env.observations.count == observationLayers.count, env.actions.count == actionLayers.count else { return nil }
        let length = try sessionLength ?? Self.staticLength(env)
        var feed: [(Layer, Node)] = []
        var batch: Node? = nil
        for (i, (x, l)) in (zip(env.observations, observationLayers).map { ($0, $1) } + zip(env.actions, actionLayers).map { ($0, $1) }).enumerated() {
            let what = i < observationLayers.count ? "observation \(i)" : "action \(i - observationLayers.count)"
            let v = try Self.recorded(x, for: l, what), item = Array(l.outputShape.dropFirst())
            if let t = x.shape[1], t != length {
                throw AgentNetError.shape("get_sessions(experience_replay=True): the recorded sessions have \(t) ticks, session_length is \(length)")
            }
            guard item.allSatisfy({ $0 != nil }) else { return nil }
            batch = try batch ?? T.index(T.shape(v), 0)
            feed.append((l, try T.reshape(v, [-1] + item.map { $0! })))
        }
        guard let batch else { return nil }
        let outs = try getOutput(actionLayers + policyEstimators, inputs: feed, options: options)
        let sequences = try outs.map { y -> Node in
            let item = try (1..<y.rank).map { try T.index(T.shape(y), $0) }
            return try T.reshape(y, T.stackInts([batch, Node.intScalar(length)] + item))
        }
        let a = actionLayers.count
        return Sessions(envStates: [try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), Node.intScalar(length), Node.intScalar(1)])],
                        observations: env.observations, memories: [],
                        actions: Array(sequences[..<a]), policy: Array(sequences[a...]))
    }
}
