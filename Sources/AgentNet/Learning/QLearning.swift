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
        let target = try stateValuesTarget.map { try stateValueMatrix($0, "state_values_target", fn) }
            ?? T.max(T.cast(qvaluesTarget ?? qvalues, .float32), axes: [2])
        let qa = try Generic.valuesForActions(qvalues, actions)
        var ref = try Generic.nStepValueReference(target, rewards, isAlive: isAlive, nSteps: nSteps, gamma: gamma, cropLast: cropLast,
                                                  stateValuesAfterEnd: stateValuesTargetAfterEnd, endAtTMax: forceEndAtLastTick,
                                                  isTruncated: isTruncated)
        if considerReferenceConstant { ref = try T.stopGradient(ref) }
        if cropLast { ref = try Generic.replacingLastTick(ref, with: qa) }
        return TDTerms(reference: ref, predicted: qa, isAlive: isAlive)
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
