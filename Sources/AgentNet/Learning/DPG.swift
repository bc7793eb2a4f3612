/// The deterministic policy gradient critic (`agentnet.learning.dpg`), also NAF's objective: Q(s, a) regressed on
/// the n-step reference built from V(s). There is no actor objective: the actor maximises Q(s, μ(s)), which the
/// user builds by applying the critic to the policy's actions.
public enum DPG {
    /// The reference and Q(s, a) before the loss; see `elementwiseObjectiveCritic`.
    public static func criticTerms(actionQvalues: Node, stateValues: Node, rewards: Node, isAlive: Node? = nil,
                                   nSteps: NSteps = .fixed(1), gamma: NodeConvertible = 0.99, cropLast: Bool = true,
                                   stateValuesAfterEnd: Node? = nil, forceEndAtLastTick: Bool = false,
                                   considerReferenceConstant: Bool = true, isTruncated: Node? = nil) throws -> TDTerms {
        let fn = "dpg.get_elementwise_objective_critic"
        try checkMatrices(fn, [(actionQvalues, "action_qvalues"), (stateValues, "state_values"), (rewards, "rewards"),
                               (isAlive, "is_alive"), (isTruncated, "is_truncated")])
        let qa = try T.cast(actionQvalues, .float32)
        var ref = try Generic.nStepValueReference(stateValues, rewards, isAlive: isAlive, nSteps: nSteps, gamma: gamma, cropLast: cropLast,
                                                  stateValuesAfterEnd: stateValuesAfterEnd, endAtTMax: forceEndAtLastTick,
                                                  isTruncated: isTruncated)
        if considerReferenceConstant { ref = try T.stopGradient(ref) }
        if cropLast { ref = try Generic.replacingLastTick(ref, with: qa) }
        return TDTerms(reference: ref, predicted: qa, isAlive: isAlive)
    }

    /// `[B,T]` loss `loss_function(reference, Q(s,a)) · is_alive`, or the reference with `returnReference`.
    /// `actionQvalues`, `stateValues`, `rewards`, `isAlive` are `[B,T]`; `stateValuesAfterEnd [B,1]`.
    public static func elementwiseObjectiveCritic(actionQvalues: Node, stateValues: Node, rewards: Node, isAlive: Node? = nil,
                                                  nSteps: NSteps = .fixed(1), gamma: NodeConvertible = 0.99, cropLast: Bool = true,
                                                  stateValuesAfterEnd: Node? = nil, forceEndAtLastTick: Bool = false,
                                                  considerReferenceConstant: Bool = true, returnReference: Bool = false,
                                                  lossFunction: LossFunction = Objectives.squaredError, isTruncated: Node? = nil) throws -> Node {
        let t = try criticTerms(actionQvalues: actionQvalues, stateValues: stateValues, rewards: rewards, isAlive: isAlive, nSteps: nSteps,
                                gamma: gamma, cropLast: cropLast, stateValuesAfterEnd: stateValuesAfterEnd,
                                forceEndAtLastTick: forceEndAtLastTick, considerReferenceConstant: considerReferenceConstant,
                                isTruncated: isTruncated)
        return returnReference ? t.reference : try t.loss(lossFunction)
    }
}
