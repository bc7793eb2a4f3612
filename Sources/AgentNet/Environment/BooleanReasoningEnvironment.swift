/// The seed's tutorial environment as a graph (`agentnet.experiments.boolean_reasoning.BooleanReasoningEnvironment`),
/// stepped inside the agent's unrolled Recurrence. (`BooleanReasoning.swift` is the same game as a native vector
/// environment with Gymnasium's API; this one is the seed's: a state of "taken" flags and data held in a shared
/// value.)
///
/// Hidden factors X1, X2, X3 ~ Bernoulli(0.5) per session, categories Y1 = X1, Y2 = 1 − X1; `jointData` is
/// `[batch, 6] = [X | Y | 0]`. Six actions: poll X1, X2, X3, Y1, Y2, or end the session (5).
/// - State `[batch, 6]`: 1 where the action was already taken; the last element is the "ended" flag.
/// - Step: unless ended, `state[action] = 1`; observation `[batch, 8] = [jointData[b, action], ended', one_hot(action, 6)]`.
/// - Reward (judged on the state before the action): 0 once ended; −0.5 for a repeated action; 0 for ending;
///   `6v − 3` (±3) for a category; `2v − 1` (±1) for an attribute.
/// - Alive: `observation[:, :, 1] == 0`, so a session is alive on the tick its end action is taken.
/// The best policy (poll X1, answer the matching Y, end) earns 3 on average.
public final class BooleanReasoningEnvironment: BaseEnvironment {
    public static let actionCount = 6
    static let endAction = 5
    /// `[batch, 6]` float32: `[X1, X2, X3, Y1, Y2, 0]` per session.
    public let jointData: SharedValue
    let rng: RandomState

    public init(seed: UInt64 = 1337, batchSize: Int = 10) throws {
        jointData = SharedValue(try Tensor(zeros: [0, Self.actionCount]), name: "boolean_reasoning.joint_data")
        rng = RandomState(seed: seed)
        try super.init(stateShapes: [[Self.actionCount]], observationShapes: [[Self.actionCount + 2]], actionShapes: [[]])
        try generateNewDataBatch(batchSize: batchSize)
    }

    public override var label: String { "BooleanReasoningEnvironment" }

    /// The number of sessions in the loaded data.
    public override var batchSize: Node? { try? T.index(T.shape(jointData.node), 0) }

    /// The seed's `generate_new_data_batch`: `batchSize` new sessions with X ~ Bernoulli(0.5).
    public func generateNewDataBatch(batchSize: Int = 10) throws {
        guard batchSize >= 1, batchSize <= 1 << 24 else {
            throw AgentNetError.invalid("generate_new_data_batch: batch_size must be in 1...16777216, got \(batchSize)")
        }
        let x = rng.drawing { (0..<(batchSize * 3)).map { _ in Int32(rng.next() >> 63) } }
        try setDataBatch(attributes: Tensor(x, shape: [batchSize, 3]), categories: Tensor(
            (0..<batchSize).flatMap { [x[$0 * 3], 1 - x[$0 * 3]] }, shape: [batchSize, 2]))
    }

    /// The seed's `set_data_batch(attrs [batch, 3], cats [batch, 2])`: loads given sessions (values 0 or 1).
    public func setDataBatch(attributes: Tensor, categories: Tensor) throws {
        guard attributes.rank == 2, attributes.shape[1] == 3, categories.rank == 2, categories.shape[1] == 2,
              attributes.shape[0] == categories.shape[0], attributes.shape[0] >= 1 else {
            throw AgentNetError.shape("set_data_batch: attrs must be [batch, 3] and cats [batch, 2] with the same batch >= 1, got \(formatShape(attributes.shape)) and \(formatShape(categories.shape))")
        }
        let b = attributes.shape[0], x = attributes.scalars, y = categories.scalars
        let joint = try Tensor(zeros: [b, Self.actionCount])
        for i in 0..<b {
            for k in 0..<3 { joint.floats[i * 6 + k] = x[i * 3 + k] }
            for k in 0..<2 { joint.floats[i * 6 + 3 + k] = y[i * 2 + k] }
        }
        try jointData.set(joint)
    }

    /// `one_hot(actions, 6)` as float32, `[...] -> [..., 6]`.
    static func oneHot(_ actions: Node) throws -> Node {
        try Node.make(OneHotOp(depth: actionCount), [T.cast(actions, .int32)])
    }

    public override func actionResults(lastStates: [Node], actions: [Node], options: LayerOptions) throws -> (states: [Node], observations: [Node]) {
        let state = lastStates[0], chosen = try Self.oneHot(actions[0])             // [batch, 6]
        let ended = try T.gt(Node.make(SliceOp(items: [fullSlice, .range(start: 5, stop: 6, step: 1)]), [state]), 0.5)  // [batch, 1]
        let newState = try T.where_(ended, state, T.maximum(state, chosen))
        let terminated = try Node.make(SliceOp(items: [fullSlice, .range(start: 5, stop: 6, step: 1)]), [newState])
        let value = try T.sum(T.mul(jointData.node, chosen), axes: [1], keepdims: true)  // jointData[b, action]
        return ([newState], [try T.concatenate([value, terminated, chosen], axis: 1)])
    }

    /// The seed's `get_reward_sequences(env_states, actions)`: rewards `[batch, tick]` for the states before each
    /// action `[batch, tick, 6]` and the actions `[batch, tick]`. Session `b` is judged on the loaded data's row
    /// `batchIds[b]` (int `[batch]`; nil: row `b`), as the seed's per-session `get_reward(..., batch_id)`.
    public func rewardSequences(states: Node, actions: Node, batchIds: Node? = nil) throws -> Node {
        guard states.rank == 3, states.shape[2] == Self.actionCount || states.shape[2] == nil, actions.rank == 2 else {
            throw AgentNetError.shape("get_reward_sequences: expected states [batch, tick, 6] and actions [batch, tick], got \(formatShape(states.shape)) and \(formatShape(actions.shape))")
        }
        let chosen = try Self.oneHot(actions)                                      // [batch, tick, 6]
        let ended = try T.gt(Node.make(SliceOp(items: [fullSlice, fullSlice, .index(5)]), [states]), 0.5)
        let repeated = try T.gt(T.sum(T.mul(states, chosen), axes: [2]), 0.5)
        var data = jointData.node
        if let ids = batchIds {
            guard ids.rank == 1, ids.dtype != .float32 else {
                throw AgentNetError.invalid("get_reward: batch_id must be an int vector [batch], got \(ids.dtype) of shape \(formatShape(ids.shape))")
            }
            data = try Node.make(AdvancedIndexOp(isArray: [true], negativeIndices: false), [data, T.cast(ids, .int32)])
        }
        let value = try T.sum(T.mul(T.dimshuffle(data, [0, -1, 1]), chosen), axes: [2])
        let a = try T.cast(actions, .int32)
        let polled = try T.where_(T.ge(a, 3), T.sub(T.mul(value, 6), 3), T.sub(T.mul(value, 2), 1))
        let fresh = try T.where_(T.eq(a, Self.endAction), T.zerosLike(value), polled)
        return try T.where_(ended, T.zerosLike(value), T.where_(repeated, T.add(T.zerosLike(value), -0.5), fresh))
    }

    /// The seed's `get_whether_alive(observation_sequences)`: `observations[:, :, 1] == 0` (bool `[batch, tick]`).
    public func whetherAlive(observations: Node) throws -> Node {
        guard observations.rank == 3, observations.shape[2] == Self.actionCount + 2 || observations.shape[2] == nil else {
            throw AgentNetError.shape("get_whether_alive: expected observations [batch, tick, 8], got \(formatShape(observations.shape))")
        }
        return try T.eq(Node.make(SliceOp(items: [fullSlice, fullSlice, .index(1)]), [observations]), 0)
    }
}
