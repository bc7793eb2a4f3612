/// A native vector environment (`VectorEnvironment`, next-step autoreset) as an agent's `BaseEnvironment`, so
/// `MDPAgent.getSessions` plays it inside one compiled function (ARCHITECTURE §4; `MDPAgent+Native.swift`).
///
/// It plays the part of the seed's EnvPool (reference §4.6): it holds the vector env, whose episodes continue
/// across calls, and each agent's memory for every sub-env, which continues with them. Resetting or stepping the
/// env outside the sessions does not touch that memory: zero the shared values of `Sessions.updates` then.
///
/// - Observations: one, float32 `[batch = numEnvs, observationSize]`.
/// - Actions: one, int32 `[batch]` for a Discrete env, float32 `[batch, width]` for a Box env.
/// - States (`Sessions.envStates`): `[rewards, isAlive, isTruncated]`, each `[batch, tick]` (float32, bool, bool),
///   aligned with the actions as `EnvNodes.step` gives them: `rewards[:, t]` is the reward for `actions[:, t]`,
///   `isAlive[:, t]` is 1 on the tick the terminating action is taken and 0 on the reset tick after it,
///   `isTruncated[:, t]` is 1 on the tick whose action hit the time limit.
public final class NativeEnvironment: BaseEnvironment {
    /// The vector env the sessions step; seed and reset it before the first call (sub-env `i` of seed `s` gets
    /// `s + i`, as `SyncVectorEnv`).
    public let env: any Environment
    private let memoryLock = Lock()
    private var memories: [(layers: [Weak<Layer>], values: [SharedValue])] = []

    public init(_ env: any Environment) throws {
        guard env.autoresetMode == .nextStep else {
            throw AgentNetError.invalid("\(env.id): an agent plays a native env with next-step autoreset (Gymnasium's default, the EnvPool convention), this one uses \(env.autoresetMode)")
        }
        self.env = env
        let action: ([Int?], DType)
        switch env.actionSpace {
        case .discrete: action = ([], .int32)
        case .box(_, _, let width): action = ([width], .float32)
        }
        try super.init(stateShapes: [[], [], []], observationShapes: [[env.observationSize]], actionShapes: [action.0],
                       stateDTypes: [.float32, .bool, .bool], observationDTypes: [.float32], actionDTypes: [action.1])
    }

    public override var label: String { "\(env.id) (native, \(env.numEnvs) sub-envs)" }

    public override var batchSize: Node? { Node.intScalar(env.numEnvs) }

    /// A native env has no one-tick graph of its own: its ticks are env-step nodes chained through the rollout.
    public override func actionResults(lastStates: [Node], actions: [Node], options: LayerOptions) throws -> (states: [Node], observations: [Node]) {
        throw AgentNetError.invalid("\(label) is stepped by MDPAgent.getSessions (its autoreset and memory reset are not a one-tick graph); it cannot be used as environment layers or in as_recurrence")
    }

    /// The seed's `get_reward_sequences(env_states, actions)`: the rewards `[batch, tick]` float32, which the
    /// sessions' env states already hold (`envStates[0]`).
    public func rewardSequences(states: [Node], actions: Node) throws -> Node {
        try checkStates(states, "get_reward_sequences")
        let width = actionShapes[0].count
        guard actions.rank == 2 + width, sizesAgree(actions.shape[0], states[0].shape[0]), sizesAgree(actions.shape[1], states[0].shape[1]) else {
            throw AgentNetError.shape("get_reward_sequences: \(label) expects actions [batch, tick]\(width == 0 ? "" : " + \(seedShape(actionShapes[0]))") aligned with the env states \(seedShape(states[0].shape)), got \(seedShape(actions.shape))")
        }
        return states[0]
    }

    /// The seed's `get_whether_alive`: bool `[batch, tick]`, 1 where the action was applied (the terminating one
    /// included), 0 on reset ticks (`envStates[1]`).
    public func whetherAlive(states: [Node]) throws -> Node {
        try checkStates(states, "get_whether_alive")
        return states[1]
    }

    /// The env states must be the three `[batch, tick]` sequences `getSessions` gives.
    private func checkStates(_ states: [Node], _ what: String) throws {
        let dtypes: [DType] = [.float32, .bool, .bool]
        guard states.count == 3, zip(states, dtypes).allSatisfy({ $0.rank == 2 && $0.dtype == $1 }) else {
            throw AgentNetError.invalid("\(what): \(label) expects its env states [rewards float32, is_alive bool, is_truncated bool], each [batch, tick], got \(states.map { "\($0.dtype) \(seedShape($0.shape))" })")
        }
    }

    /// `agent`'s memory of every sub-env, one shared value `[numEnvs] + memory shape` per memory (in memory
    /// order), zeros at first. It belongs to the memory layers: every `getSessions` of an agent with these memory
    /// layers on this env gets the same values, so several functions built from it continue the same memories.
    func memory(for agent: MDPAgent) throws -> [SharedValue] {
        let layers = agent.agentStates.keys
        guard !layers.isEmpty else { return [] }
        return try memoryLock.locked {
            memories.removeAll { $0.layers.contains { $0.value == nil } }
            if let m = memories.first(where: { $0.layers.count == layers.count && zip($0.layers, layers).allSatisfy { $0.value === $1 } }) {
                return m.values
            }
            let values = try agent.zerosLikeMemory(batchSize: env.numEnvs).enumerated().map { i, zeros in
                SharedValue(zeros, name: "\(env.id).memory.\(layers[i].name ?? String(i))")
            }
            memories.append((layers.map { Weak($0) }, values))
            return values
        }
    }
}

/// A reference that does not keep its object alive.
final class Weak<Object: AnyObject> {
    weak var value: Object?
    init(_ value: Object) { self.value = value }
}
