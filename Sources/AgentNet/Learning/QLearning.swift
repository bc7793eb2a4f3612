/// n-step Q-learning (`agentnet.learning.qlearning`): Q(s_t, a_t) regressed on
/// `r_t + γ·r_{t+1} + … + γ^n·max_a Q_target(s_{t+n}, a)`, per tick.
public enum QLearning {
    /// The reference and Q(s, a) before the loss; see `elementwiseObjective`.
    public static func terms(qvalues: Node, actions: Node, rewards: Node, isAlive: Node? = nil, qvaluesTarget: Node? = nil,
                             stateValuesTarget: Node? = nil, nSteps: NSteps = .fixed(1), gamma: NodeConvertible = 0.99,
                             cropLast: Bool = true, stateValuesTargetAfterEnd: Node? = nil, considerReferenceConstant: Bool = true,
                             forceEndAtLastTick: Bool = false, isTruncated: Node? = nil) throws -> TDTerms {
        let fn = "qlearning.get_elementwise_objective"
        guard qvalues.rank == 3 else { throw AgentNetError.shape("\(fn): qvalues must be [batch, tick, action], got \(formatShape(qvalues.shape))") }
        try checkMatrices(fn, [(actions, "actions"), (rewards, "rewards"), (isAlive, "is_alive"), (isTruncated, "is_truncated")])
        guard qvaluesTarget == nil || stateValuesTarget == nil else {
            throw AgentNetError.invalid("\(fn): give qvalues_target or state_values_target, not both")
        }
        if let q = qvaluesTarget, q.rank != 3 {
            throw AgentNetError.shape("\(fn): qvalues_target must be [batch, tick, action], got \(formatShape(q.shape))")
        }
        // With cropLast and at least two ticks, every piece is built from tick slices: the loss reads Q(s, a) without
        // the last tick and the target values without the first (the reference never reads V[0] then), so when
        // the values come in per-tick parts (replay of a memoryless agent) the unread parts are never computed.
        let split = cropLast && (qvalues.shape[1] ?? 0) >= 2
        let target: Node
        if let v = stateValuesTarget {
            target = try stateValueMatrix(v, "state_values_target", fn)
        } else if split {
            let next = try T.max(T.cast(Generic.ticks(qvaluesTarget ?? qvalues, 1, nil), .float32), axes: [2])
            target = try T.concatenate([Generic.zeroTick(like: next), next], axis: 1)
        } else {
            target = try T.max(T.cast(qvaluesTarget ?? qvalues, .float32), axes: [2])
        }
        let qa = split
            ? try T.concatenate([Generic.valuesForActions(Generic.ticks(qvalues, nil, -1), Generic.ticks(actions, nil, -1)),
                                 Generic.valuesForActions(Generic.ticks(qvalues, -1, nil), Generic.ticks(actions, -1, nil))], axis: 1)
            : try Generic.valuesForActions(qvalues, actions)
        var ref = try Generic.nStepValueReference(target, rewards, isAlive: isAlive, nSteps: nSteps, gamma: gamma, cropLast: cropLast,
                                                  stateValuesAfterEnd: stateValuesTargetAfterEnd, endAtTMax: forceEndAtLastTick,
                                                  isTruncated: isTruncated)
        if considerReferenceConstant { ref = try T.stopGradient(ref) }
        if cropLast { ref = try Generic.replacingLastTick(ref, with: qa) }
        return TDTerms(reference: ref, predicted: qa, isAlive: isAlive, lossCroppedAtLastTick: split)
    }

    /// `[B,T]` loss `loss_function(reference, Q(s,a)) · is_alive`, or the reference itself with `returnReference`.
    /// With `cropLast` the last tick's reference is Q(s, a) itself (zero loss there). Parameters are the seed's:
    /// `qvalues [B,T,A]`, `actions/rewards/isAlive [B,T]`, `qvaluesTarget [B,T,A]` or `stateValuesTarget [B,T]`
    /// (double Q-learning, expected SARSA…), `stateValuesTargetAfterEnd [B,1]`, plus `isTruncated [B,T]`.
    public static func elementwiseObjective(qvalues: Node, actions: Node, rewards: Node, isAlive: Node? = nil, qvaluesTarget: Node? = nil,
                                            stateValuesTarget: Node? = nil, nSteps: NSteps = .fixed(1), gamma: NodeConvertible = 0.99,
                                            cropLast: Bool = true, stateValuesTargetAfterEnd: Node? = nil, considerReferenceConstant: Bool = true,
                                            forceEndAtLastTick: Bool = false, returnReference: Bool = false,
                                            lossFunction: LossFunction = Objectives.squaredError, isTruncated: Node? = nil) throws -> Node {
        let t = try terms(qvalues: qvalues, actions: actions, rewards: rewards, isAlive: isAlive, qvaluesTarget: qvaluesTarget,
                          stateValuesTarget: stateValuesTarget, nSteps: nSteps, gamma: gamma, cropLast: cropLast,
                          stateValuesTargetAfterEnd: stateValuesTargetAfterEnd, considerReferenceConstant: considerReferenceConstant,
                          forceEndAtLastTick: forceEndAtLastTick, isTruncated: isTruncated)
        return returnReference ? t.reference : try t.loss(lossFunction)
    }
}
