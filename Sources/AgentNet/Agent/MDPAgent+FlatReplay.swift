/// Replay of an agent without memory as one batch: no tick depends on another, so the one-tick graph runs once on
/// the recorded sessions flattened to `[batch · tick, ...]` instead of once per tick of an unrolled Recurrence.
///
/// Why: a replay batch is a few sessions of many ticks (a DQN step replays 2 sessions of 32 ticks), so per-tick
/// products have 2 rows; flattened they have 64, one BLAS call per layer instead of 32. Measured on the demo's
/// 4-256-256-2 Q-network (AMD EPYC, 1 thread): a training step on 2 × 32 replayed ticks took 2.3 ms unrolled.
/// The session runs in three parts (first tick, middle ticks, last tick), so objectives that drop the first or the
/// last tick leave that part uncomputed.
/// The results are the same up to float rounding, except for layers whose output depends on the batch as a whole
/// (BatchNormLayer in training mode normalises over the `batch · ticks` rows of each part, not per tick).
extension MDPAgent {
    /// `getSessions(.replay(env), experienceReplay: true)` for an agent without memory; nil when it has memory.
    func flatReplaySessions(_ env: ReplayEnvironment, sessionLength: Int?, options: LayerOptions) throws -> Sessions? {
        guard agentStates.isEmpty else { return nil }
        guard env.observations.count == observationLayers.count, env.actions.count == actionLayers.count else { return nil }
        let length = try sessionLength ?? Self.staticLength(env)
        var recorded: [(Layer, Node, [Int])] = []
        var batch: Node? = nil
        for (i, (x, l)) in (zip(env.observations, observationLayers).map { ($0, $1) } + zip(env.actions, actionLayers).map { ($0, $1) }).enumerated() {
            let what = i < observationLayers.count ? "observation \(i)" : "action \(i - observationLayers.count)"
            let v = try Self.recorded(x, for: l, what), item = Array(l.outputShape.dropFirst())
            if let t = x.shape[1], t != length {
                throw AgentNetError.shape("get_sessions(experience_replay=True): the recorded sessions have \(t) ticks, session_length is \(length)")
            }
            guard item.allSatisfy({ $0 != nil }) else { return nil }
            batch = try batch ?? T.index(T.shape(v), 0)
            recorded.append((l, v, item.map { $0! }))
        }
        guard let batch else { return nil }
        // One pass per part of the session: the first tick, the middle ones, the last tick. The parts are
        // concatenated along the tick axis, so an objective that slices the first or last tick away (Q-learning
        // with cropLast, against a target network) leaves that part uncomputed (SliceOp.partsOfConcatenation).
        let spans = length <= 1 ? [(0, length)] : [(0, 1), (1, length - 1), (length - 1, length)].filter { $0.1 > $0.0 }
        var pieces: [[Node]] = []
        for (start, stop) in spans {
            let feed = try recorded.map { l, v, item -> (Layer, Node) in
                (l, try T.reshape(Generic.ticks(v, start, stop), [-1] + item))
            }
            let outs = try getOutput(actionLayers + policyEstimators, inputs: feed, options: options)
            pieces.append(try outs.map { y -> Node in
                let item = try (1..<y.rank).map { k in try y.shape[k].map { Node.intScalar($0) } ?? T.index(T.shape(y), k) }
                return try T.reshape(y, T.stackInts([batch, Node.intScalar(stop - start)] + item))
            })
        }
        let sequences = try pieces[0].indices.map { k in
            pieces.count == 1 ? pieces[0][k] : try T.concatenate(pieces.map { $0[k] }, axis: 1)
        }
        let a = actionLayers.count
        return Sessions(envStates: [try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), Node.intScalar(length), Node.intScalar(1)])],
                        observations: env.observations, memories: [],
                        actions: Array(sequences[..<a]), policy: Array(sequences[a...]))
    }
}
