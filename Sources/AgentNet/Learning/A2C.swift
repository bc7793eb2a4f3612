/// Advantage actor-critic (`agentnet.learning.a2c`): the actor loss `-log π(a|s) · A(s,a)` with the advantage
/// `A = ref_n(V) - V` held constant, plus the critic loss `loss_function(ref_n(V_target), V)`, per tick.
/// No entropy term (users add their own).
public enum A2C {
    /// The advantage's lookahead: the critic's (`'same'`, the default) or its own.
    public enum AdvantageSteps { case same, steps(NSteps) }

    /// The actor loss `[B,T]` and the critic's terms before its loss.
    public static func terms(policy: Node, stateValues: Node, actions: Node, rewards: Node, isAlive: Node? = nil,
                             stateValuesTarget: Node? = nil, nSteps: NSteps = .fixed(1), nStepsAdvantage: AdvantageSteps = .same,
                             gamma: NodeConvertible = 0.99, cropLast: Bool = true, stateValuesTargetAfterEnd: Node? = nil,
                             stateValuesAfterEnd: Node? = nil, considerValueReferenceConstant: Bool = true,
                             forceEndAtLastTick: Bool = false, treatPolicyAsLogpolicy: Bool = false,
                             isTruncated: Node? = nil) throws -> (actor: Node, critic: TDTerms) {
        let fn = "a2c.get_elementwise_objective"
        guard policy.rank == 2 || policy.rank == 3 else {
            throw AgentNetError.shape("\(fn): policy must be [batch, tick, action] or [batch, tick], got \(formatShape(policy.shape))")
        }
        try checkMatrices(fn, [(actions, "actions"), (rewards, "rewards"), (isAlive, "is_alive"), (isTruncated, "is_truncated")])
        let v = try T.cast(stateValueMatrix(stateValues, "state_values", fn), .float32)
        let target = try stateValuesTarget.map { try T.cast(stateValueMatrix($0, "state_values_target", fn), .float32) } ?? v
        var refCritic = try Generic.nStepValueReference(target, rewards, isAlive: isAlive, nSteps: nSteps, gamma: gamma, cropLast: cropLast,
                                                        stateValuesAfterEnd: stateValuesTargetAfterEnd, endAtTMax: forceEndAtLastTick,
                                                        isTruncated: isTruncated)
        if considerValueReferenceConstant { refCritic = try T.stopGradient(refCritic) }

        let p = try T.cast(policy, .float32)
        let logPolicy = treatPolicyAsLogpolicy ? p : try T.log(p)
        let logPolicyTaken = policy.rank == 3 ? try Generic.valuesForActions(logPolicy, actions) : logPolicy
        let advantageSteps: NSteps
        switch nStepsAdvantage { case .same: advantageSteps = nSteps; case .steps(let n): advantageSteps = n }
        // The advantage uses the current V (not the target) and its own value after the end.
        let refActor = try Generic.nStepValueReference(v, rewards, isAlive: isAlive, nSteps: advantageSteps, gamma: gamma, cropLast: cropLast,
                                                       stateValuesAfterEnd: stateValuesAfterEnd, endAtTMax: forceEndAtLastTick,
                                                       isTruncated: isTruncated)
        let advantage = try T.stopGradient(T.sub(refActor, v))
        let actor = try masked(T.neg(T.mul(logPolicyTaken, advantage)), isAlive)
        return (actor, TDTerms(reference: refCritic, predicted: v, isAlive: isAlive))
    }

    /// `(actor, critic)` losses `[B,T]` (the seed's `return_separate=True`).
    public static func elementwiseObjectives(policy: Node, stateValues: Node, actions: Node, rewards: Node, isAlive: Node? = nil,
                                             stateValuesTarget: Node? = nil, nSteps: NSteps = .fixed(1), nStepsAdvantage: AdvantageSteps = .same,
                                             gamma: NodeConvertible = 0.99, cropLast: Bool = true, stateValuesTargetAfterEnd: Node? = nil,
                                             stateValuesAfterEnd: Node? = nil, considerValueReferenceConstant: Bool = true,
                                             forceEndAtLastTick: Bool = false, treatPolicyAsLogpolicy: Bool = false,
                                             lossFunction: LossFunction = Objectives.squaredError, isTruncated: Node? = nil) throws -> (actor: Node, critic: Node) {
        let t = try terms(policy: policy, stateValues: stateValues, actions: actions, rewards: rewards, isAlive: isAlive,
                          stateValuesTarget: stateValuesTarget, nSteps: nSteps, nStepsAdvantage: nStepsAdvantage, gamma: gamma,
                          cropLast: cropLast, stateValuesTargetAfterEnd: stateValuesTargetAfterEnd, stateValuesAfterEnd: stateValuesAfterEnd,
                          considerValueReferenceConstant: considerValueReferenceConstant, forceEndAtLastTick: forceEndAtLastTick,
                          treatPolicyAsLogpolicy: treatPolicyAsLogpolicy, isTruncated: isTruncated)
        return (t.actor, try t.critic.loss(lossFunction))
    }

    /// `actor + critic`, `[B,T]` (the seed's default `return_separate=False`).
    public static func elementwiseObjective(policy: Node, stateValues: Node, actions: Node, rewards: Node, isAlive: Node? = nil,
                                            stateValuesTarget: Node? = nil, nSteps: NSteps = .fixed(1), nStepsAdvantage: AdvantageSteps = .same,
                                            gamma: NodeConvertible = 0.99, cropLast: Bool = true, stateValuesTargetAfterEnd: Node? = nil,
                                            stateValuesAfterEnd: Node? = nil, considerValueReferenceConstant: Bool = true,
                                            forceEndAtLastTick: Bool = false, treatPolicyAsLogpolicy: Bool = false,
                                            lossFunction: LossFunction = Objectives.squaredError, isTruncated: Node? = nil) throws -> Node {
        let (actor, critic) = try elementwiseObjectives(
            policy: policy, stateValues: stateValues, actions: actions, rewards: rewards, isAlive: isAlive, stateValuesTarget: stateValuesTarget,
            nSteps: nSteps, nStepsAdvantage: nStepsAdvantage, gamma: gamma, cropLast: cropLast,
            stateValuesTargetAfterEnd: stateValuesTargetAfterEnd, stateValuesAfterEnd: stateValuesAfterEnd,
            considerValueReferenceConstant: considerValueReferenceConstant, forceEndAtLastTick: forceEndAtLastTick,
            treatPolicyAsLogpolicy: treatPolicyAsLogpolicy, lossFunction: lossFunction, isTruncated: isTruncated)
        return try T.add(actor, critic)
    }
}
