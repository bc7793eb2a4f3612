// Native environments inside compiled functions (ARCHITECTURE §4): graph nodes that read a vector environment's
// current observations and step it, stateful like random streams.

/// One env-step tick in a graph, following the seed's EnvPool convention over Gymnasium's NEXT_STEP autoreset.
///
/// The agent chose `actions[i]` seeing the observation the previous env node of the chain gave. Then:
/// - `observations` `[numEnvs, obs]` float32: what the agent sees next. After the tick whose action ended an episode
///   (terminated or hit the time limit) this is still the final observation; the following tick (the reset tick)
///   ignores its action, resets the sub-env and gives the reset observation.
/// - `rewards` `[numEnvs]` float32: the reward for `actions[i]`; 0 on a reset tick.
/// - `isAlive` `[numEnvs]` bool (uint8): 1 when the action was applied, including the tick that terminates the episode;
///   0 on the reset tick after it.
/// - `isTruncated` `[numEnvs]` bool: 1 on the tick whose action hit the time limit (its `isAlive` is 1).
public struct EnvStep {
    /// The step itself, float32 `[numEnvs, obs + 3]`: observations, then reward, alive and truncated per row. The
    /// next tick's step takes it as its `after` input, which orders the ticks.
    public let node: Node
    public let observations: Node
    public let rewards: Node
    public let isAlive: Node
    public let isTruncated: Node
}

public enum EnvNodes {
    /// The current observations of `env`, float32 `[numEnvs, obs]`, read when the compiled function runs. It heads
    /// the chain of the env's steps in one function: the first step takes it as `after`.
    public static func observations(_ env: any Environment) -> Node {
        Node(op: EnvObserveOp(env: env), inputs: [], dtype: .float32, shape: [env.numEnvs, env.observationSize],
             name: "\(env.id).observations")
    }

    /// One tick of `env` with `actions` (int32 `[numEnvs]` for a Discrete env, float32 `[numEnvs, width]` for a Box
    /// env), run after `after`: the env's observation node or one of its earlier steps (any of its four outputs).
    ///
    /// Every env node of one env in a function must form a single chain from one observation node (checked when the
    /// function is compiled), so the ticks run in order. Nothing is differentiable through a step.
    public static func step(_ env: any Environment, actions: Node, after: Node) throws -> EnvStep {
        guard let link = chainLink(after) else {
            throw AgentNetError.invalid("env_step: `after` must be the env's observation node or one of its earlier steps, got \(after)")
        }
        let node = try Node.make(EnvStepOp(env: env), [actions, link.node], name: "\(env.id).step")
        func field(_ f: EnvStepField) throws -> Node {
            try Node.make(EnvStepFieldOp(field: f, observationSize: env.observationSize), [node])
        }
        return EnvStep(node: node, observations: try field(.observations), rewards: try field(.rewards),
                       isAlive: try field(.isAlive), isTruncated: try field(.isTruncated))
    }

    /// The env node a step may follow: `n` itself if it is an observation or step node, the step behind `n` if `n`
    /// is one of a step's outputs, else nil.
    static func chainLink(_ n: Node) -> (env: any Environment, node: Node)? {
        if let op = n.op as? EnvObserveOp { return (op.env, n) }
        if let op = n.op as? EnvStepOp { return (op.env, n) }
        if n.op is EnvStepFieldOp, let step = n.inputs.first, let op = step.op as? EnvStepOp { return (op.env, step) }
        return nil
    }

    /// Checks that in a graph (topological `order`) the env nodes of each env form one chain: at most one
    /// observation node, and no two steps after the same node. Then the plan runs the ticks in order.
    static func checkOrder(_ order: [Node]) throws {
        var heads: [ObjectIdentifier: Node] = [:]
        var followed = Set<Node>()
        for n in order {
            if let op = n.op as? EnvObserveOp {
                if heads.updateValue(n, forKey: ObjectIdentifier(op.env)) != nil {
                    throw AgentNetError.invalid(
                        "\(op.env.id): a function reads the current observations of one env through two nodes; use one "
                        + "observation node per env and function (agentnet.envs.observations(env) returns the same one)")
                }
            } else if let op = n.op as? EnvStepOp, n.inputs.count == 2 {
                guard followed.insert(n.inputs[1]).inserted else {
                    throw AgentNetError.invalid(
                        "\(op.env.id): two env steps follow the same node (\(n.inputs[1])), so their order is undefined; "
                        + "chain them: pass the previous step as `after`")
                }
            }
        }
    }
}

// MARK: - Ops

/// Reads the env's current observations. No inputs; never folded (its value changes as the env steps).
struct EnvObserveOp: Op {
    let env: any Environment
    var name: String { "env_observations" }
    var isFoldable: Bool { false }
    var attributes: String { env.id }

    func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (.float32, [env.numEnvs, env.observationSize]) }
    func shape(_ ctx: ShapeContext) throws -> [Int] { [env.numEnvs, env.observationSize] }

    func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let env = self.env, out = UnsafeMutableBufferPointer(start: output.floats, count: output.count)
        return { try env.observe(into: out) }
    }

    func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [] }
}

/// Steps the env with input 0 (actions) after input 1 (the previous env node of the chain, read for ordering only).
/// Output float32 `[numEnvs, obs + 3]`: each row holds the observation, reward, alive and truncated flags.
struct EnvStepOp: Op {
    let env: any Environment
    var name: String { "env_step" }
    var isFoldable: Bool { false }
    var attributes: String { env.id }

    func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.count == 2 else { throw AgentNetError.invalid("env_step: expected 2 inputs (actions, after), got \(inputs.count)") }
        let actions = inputs[0], n = env.numEnvs
        guard env.autoresetMode == .nextStep else {
            throw AgentNetError.invalid("\(env.id): an env stepped inside a compiled function must use next-step autoreset, "
                                        + "this one uses \(env.autoresetMode)")
        }
        switch env.actionSpace {
        case .discrete(let count):
            guard actions.dtype == .int32 else {
                throw AgentNetError.dtype("\(env.id) has a Discrete(\(count)) action space: actions must be int32 [\(n)], got \(actions.dtype)"
                                          + (actions.dtype == .float32 ? " (a continuous action? this env takes integers)" : ""))
            }
            guard actions.rank == 1, actions.shape[0] == nil || actions.shape[0] == n else {
                throw AgentNetError.shape("\(env.id): discrete actions must have shape [\(n)] (one per sub-env), got \(formatShape(actions.shape))")
            }
        case .box(_, _, let width):
            guard actions.dtype == .float32 else {
                throw AgentNetError.dtype("\(env.id) has a continuous (Box) action space: actions must be float32 [\(n), \(width)], got \(actions.dtype)")
            }
            guard actions.rank == 2, actions.shape[0] == nil || actions.shape[0] == n,
                  actions.shape[1] == nil || actions.shape[1] == width else {
                throw AgentNetError.shape("\(env.id): continuous actions must have shape [\(n), \(width)], got \(formatShape(actions.shape))")
            }
        }
        guard let link = EnvNodes.chainLink(inputs[1]) else {
            throw AgentNetError.invalid("env_step: `after` must be the env's observation node or one of its earlier steps, got \(inputs[1])")
        }
        guard link.env === env else {
            throw AgentNetError.invalid("env_step: `after` (\(inputs[1])) belongs to another env (\(link.env.id), \(link.env.numEnvs) sub-envs)")
        }
        guard link.node === inputs[1] else {
            throw AgentNetError.invalid("env_step: pass the step node itself as `after`, not one of its outputs")
        }
        return (.float32, [n, env.observationSize + 3])
    }

    func shape(_ ctx: ShapeContext) throws -> [Int] {
        let expected: [Int]
        switch env.actionSpace {
        case .discrete: expected = [env.numEnvs]
        case .box(_, _, let width): expected = [env.numEnvs, width]
        }
        guard ctx.shapes[0] == expected else {
            throw AgentNetError.shape("\(env.id): actions have shape \(formatShape(ctx.shapes[0])), expected \(formatShape(expected))")
        }
        return [env.numEnvs, env.observationSize + 3]
    }

    func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let env = self.env, n = env.numEnvs, size = env.observationSize, row = size + 3
        let actions = inputs[0]
        // Scratch the env writes into, allocated once per plan; the rows are then packed into the output.
        let scratch = try EnvStepScratch(numEnvs: n, observationSize: size, actionSpace: env.actionSpace)
        let output = output.floats
        return {
            let stepActions: Actions
            switch env.actionSpace {
            case .discrete:
                let src = actions.ints
                for i in 0..<n { scratch.discreteActions[i] = Int64(src[i]) }
                stepActions = .discrete(UnsafeBufferPointer(scratch.discreteActions))
            case .box:
                stepActions = .box(UnsafeBufferPointer(start: actions.floats, count: actions.count))
            }
            try env.step(stepActions, into: scratch.output)
            let obs = scratch.output.observations.baseAddress!, rewards = scratch.output.rewards.baseAddress!
            let stepped = scratch.output.stepped!.baseAddress!, truncated = scratch.output.truncated.baseAddress!
            FloatMode.ieee {  // the float64 rewards are rounded to float32 as numpy's astype does (no flush to zero)
                for i in 0..<n {
                    let o = output + i * row
                    o.update(from: obs + i * size, count: size)
                    o[size] = Float(rewards[i])
                    o[size + 1] = stepped[i] ? 1 : 0
                    o[size + 2] = truncated[i] ? 1 : 0
                }
            }
        }
    }

    func gradient(_ node: Node, _ g: Node) throws -> [Node?] { throw NoGradient(op: name) }
}

/// The buffers one step node's kernel hands to `Environment.step`, owned by the kernel for the plan's lifetime.
final class EnvStepScratch: @unchecked Sendable {
    let discreteActions: UnsafeMutableBufferPointer<Int64>
    let output: StepOutput

    init(numEnvs n: Int, observationSize: Int, actionSpace: ActionSpace) throws {
        _ = try byteCount([n, observationSize + 4], .float32)
        discreteActions = .allocate(capacity: n)
        discreteActions.initialize(repeating: 0)
        func zeros<T>(_ count: Int, _ value: T) -> UnsafeMutableBufferPointer<T> {
            let b = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
            b.initialize(repeating: value)
            return b
        }
        output = StepOutput(observations: zeros(n * observationSize, Float(0)), rewards: zeros(n, Double(0)),
                            terminated: zeros(n, false), truncated: zeros(n, false), stepped: zeros(n, false))
    }

    deinit {
        discreteActions.deallocate()
        output.observations.deallocate()
        output.rewards.deallocate()
        output.terminated.deallocate()
        output.truncated.deallocate()
        output.stepped?.deallocate()
    }
}

enum EnvStepField: Int { case observations, rewards, isAlive, isTruncated }

/// One field of a step's packed rows: observations float32 `[n, obs]`, rewards float32 `[n]`, or a flag as bool `[n]`.
struct EnvStepFieldOp: Op {
    let field: EnvStepField
    let observationSize: Int
    var name: String {
        switch field {
        case .observations: return "env_observations_after"
        case .rewards: return "env_rewards"
        case .isAlive: return "env_is_alive"
        case .isTruncated: return "env_is_truncated"
        }
    }
    var isFoldable: Bool { false }

    func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.count == 1, inputs[0].op is EnvStepOp else { throw AgentNetError.invalid("\(name): input must be an env step node") }
        let n = inputs[0].shape[0]
        switch field {
        case .observations: return (.float32, [n, observationSize])
        case .rewards: return (.float32, [n])
        case .isAlive, .isTruncated: return (.bool, [n])
        }
    }

    func shape(_ ctx: ShapeContext) throws -> [Int] {
        let n = ctx.shapes[0][0]
        return field == .observations ? [n, observationSize] : [n]
    }

    func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let src = inputs[0].floats, n = inputs[0].shape[0], size = observationSize, row = size + 3
        switch field {
        case .observations:
            let out = output.floats
            return { for i in 0..<n { (out + i * size).update(from: src + i * row, count: size) } }
        case .rewards:
            let out = output.floats
            return { for i in 0..<n { out[i] = src[i * row + size] } }
        case .isAlive, .isTruncated:
            let out = output.bytes, column = size + (field == .isAlive ? 1 : 2)
            return { for i in 0..<n { out[i] = src[i * row + column] != 0 ? 1 : 0 } }
        }
    }

    func gradient(_ node: Node, _ g: Node) throws -> [Node?] { throw NoGradient(op: "env_step") }
}
