/// REINFORCE (`agentnet.learning.reinforce`): `-log π(a|s) · (G - baseline)` per tick, with the discounted return
/// `G` of the rest of the session held constant.
public enum Reinforce {
    /// `[B,T]` loss. `G` is the whole-session reference of zero values ending at the last tick; with the default
    /// `cropLast` the last tick's reward is dropped from every return (the seed's behaviour). `baseline`: nil for
    /// zeros, else `[B,T]` (or broadcastable). `policy [B,T,A]` (or `[B,T]` chosen-action probabilities).
    public static func elementwiseObjective(policy: Node, actions: Node, rewards: Node, isAlive: Node? = nil, baseline: Node? = nil,
                                            gamma: NodeConvertible = 0.99, cropLast: Bool = true, treatPolicyAsLogpolicy: Bool = false,
                                            isTruncated: Node? = nil) throws -> Node {
        let fn = "reinforce.get_elementwise_objective"
        guard policy.rank == 2 || policy.rank == 3 else {
            throw AgentNetError.shape("\(fn): policy must be [batch, tick, action] or [batch, tick], got \(formatShape(policy.shape))")
        }
        try checkMatrices(fn, [(actions, "actions"), (rewards, "rewards"), (isAlive, "is_alive"), (isTruncated, "is_truncated")])
        let r = try T.cast(rewards, .float32)
        let returns = try Generic.nStepValueReference(T.zerosLike(r), r, isAlive: isAlive, nSteps: .whole, gamma: gamma, cropLast: cropLast,
                                                      endAtTMax: true, isTruncated: isTruncated)
        let p = try T.cast(policy, .float32)
        let logPolicy = treatPolicyAsLogpolicy ? p : try T.log(p)
        let logPolicyTaken = policy.rank == 3 ? try Generic.valuesForActions(logPolicy, actions) : logPolicy
        let advantage = try T.stopGradient(baseline.map { try T.sub(returns, T.cast($0, .float32)) } ?? returns)
        return try masked(T.neg(T.mul(logPolicyTaken, advantage)), isAlive)
    }
}
