/// n-step on-policy SARSA (`agentnet.learning.sarsa`): as Q-learning, but the bootstrap value is the target
/// Q-value of the action actually taken next, `Q_target(s_{t+n}, a_{t+n})`.
public enum SARSA {
    /// The reference and Q(s, a) before the loss; see `elementwiseObjective`.
    public static func terms(qvalues: Node, actions: Node, rewards: Node, isAlive: Node? = nil, qvaluesTarget: Node? = nil,
                             nSteps: NSteps = .fixed(1), gamma: NodeConvertible = 0.99, cropLast: Bool = true,
                             stateValuesTargetAfterEnd: Node? = nil, considerReferenceConstant: Bool = true,
                             forceEndAtLastTick: Bool = false, isTruncated: Node? = nil) throws -> TDTerms {
        let fn = "sarsa.get_elementwise_objective"
        for (q, what) in [(qvalues, "qvalues"), (qvaluesTarget ?? qvalues, "qvalues_target")] where q.rank != 3 {
            throw AgentNetError.shape("\(fn): \(what) must be [batch, tick, action], got \(formatShape(q.shape))")
        }
        try checkMatrices(fn, [(actions, "actions"), (rewards, "rewards"), (isAlive, "is_alive"), (isTruncated, "is_truncated")])
        let target = try Generic.valuesForActions(qvaluesTarget ?? qvalues, actions)
        return try QLearning.terms(qvalues: qvalues, actions: actions, rewards: rewards, isAlive: isAlive, stateValuesTarget: target,
                                   nSteps: nSteps, gamma: gamma, cropLast: cropLast, stateValuesTargetAfterEnd: stateValuesTargetAfterEnd,
                                   considerReferenceConstant: considerReferenceConstant, forceEndAtLastTick: forceEndAtLastTick,
                                   isTruncated: isTruncated)
    }

    /// `[B,T]` loss `loss_function(reference, Q(s,a)) · is_alive`, or the reference with `returnReference`.
    public static func elementwiseObjective(qvalues: Node, actions: Node, rewards: Node, isAlive: Node? = nil, qvaluesTarget: Node? = nil,
                                            nSteps: NSteps = .fixed(1), gamma: NodeConvertible = 0.99, cropLast: Bool = true,
                                            stateValuesTargetAfterEnd: Node? = nil, considerReferenceConstant: Bool = true,
                                            forceEndAtLastTick: Bool = false, returnReference: Bool = false,
                                            lossFunction: LossFunction = Objectives.squaredError, isTruncated: Node? = nil) throws -> Node {
        let t = try terms(qvalues: qvalues, actions: actions, rewards: rewards, isAlive: isAlive, qvaluesTarget: qvaluesTarget,
                          nSteps: nSteps, gamma: gamma, cropLast: cropLast, stateValuesTargetAfterEnd: stateValuesTargetAfterEnd,
                          considerReferenceConstant: considerReferenceConstant, forceEndAtLastTick: forceEndAtLastTick, isTruncated: isTruncated)
        return returnReference ? t.reference : try t.loss(lossFunction)
    }
}
