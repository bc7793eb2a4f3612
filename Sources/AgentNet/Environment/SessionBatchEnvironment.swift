/// What experience replay needs from an environment (`MDPAgent.getSessions(experienceReplay: true)`): recorded
/// sessions as expressions `[batch, tick, ...]`. The agent observes the recorded observations and is made to take
/// the recorded actions; memory, policy and Q-values are what the agent thinks *now* about the replay.
public protocol ReplayEnvironment: AnyObject {
    var label: String { get }
    /// One `[batch, tick] + shape` per agent observation.
    var observations: [Node] { get }
    /// One `[batch, tick] + shape` per agent action layer.
    var actions: [Node] { get }
    /// `[batch, tick]` float32, or nil.
    var rewards: Node? { get }
    /// `[batch, tick]` bool, or nil (always alive).
    var isAlive: Node? { get }
    /// `[batch, tick]` bool: 1 on the tick whose action hit the time limit; nil if not recorded.
    var isTruncated: Node? { get }
    /// The agent's memory before the first tick, `[batch] + shape` per memory (in `agentStates` order), or nil.
    var precedingAgentMemories: [Node]? { get }
}

/// The seed's `SessionBatchEnvironment`: a replay environment over given expressions (no storage of its own).
/// `SessionPoolEnvironment.selectSessionBatch` and `sampleSessionBatch` make these.
public final class SessionBatchEnvironment: ReplayEnvironment {
    public let observations: [Node]
    public let actions: [Node]
    public let rewards: Node?
    public let isAlive: Node?
    public let isTruncated: Node?
    public let precedingAgentMemories: [Node]?
    public var label: String { "SessionBatchEnvironment" }

    /// - Parameters: `singleObservationShapes` (and `singleActionShapes`, nil for all scalar actions) are the
    ///   per-tick item shapes; each sequence must have rank `shape.count + 2` and agree with them.
    public init(observations: [Node], singleObservationShapes: [[Int?]], actions: [Node] = [], singleActionShapes: [[Int?]]? = nil,
                rewards: Node? = nil, isAlive: Node? = nil, isTruncated: Node? = nil, precedingAgentMemories: [Node]? = nil) throws {
        let what = "SessionBatchEnvironment"
        func check(_ seqs: [Node], _ shapes: [[Int?]], _ kind: String) throws {
            guard seqs.count == shapes.count else {
                throw AgentNetError.invalid("\(what): got \(seqs.count) \(kind) sequences and \(shapes.count) single \(kind) shapes")
            }
            for (i, (x, s)) in zip(seqs, shapes).enumerated() where x.rank != s.count + 2 || !shapesAgree(Array(x.shape.dropFirst(2)), s) {
                throw AgentNetError.shape("\(what): \(kind) \(i) has shape \(seedShape(x.shape)); expected [batch, tick] + \(seedShape(s))")
            }
        }
        guard !observations.isEmpty else { throw AgentNetError.invalid("\(what) needs at least one observation sequence") }
        try check(observations, singleObservationShapes, "observation")
        try check(actions, singleActionShapes ?? Array(repeating: [], count: actions.count), "action")
        for (x, name) in [(rewards, "rewards"), (isAlive, "is_alive"), (isTruncated, "is_truncated")] where x != nil && x!.rank != 2 {
            throw AgentNetError.shape("\(what): \(name) must be [batch, tick], got \(seedShape(x!.shape))")
        }
        for (i, m) in (precedingAgentMemories ?? []).enumerated() where m.rank < 1 {
            throw AgentNetError.shape("\(what): preceding agent memory \(i) must be [batch, ...], got a scalar")
        }
        (self.observations, self.actions, self.rewards) = (observations, actions, rewards)
        (self.isAlive, self.isTruncated, self.precedingAgentMemories) = (isAlive, isTruncated, precedingAgentMemories)
    }
}
