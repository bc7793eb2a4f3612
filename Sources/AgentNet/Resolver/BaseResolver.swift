/// The seed's resolvers: layers that turn a policy (Q-values or action probabilities) `[batch, n_actions]` into
/// the actions an agent takes, `[batch]` int32 by default. `BaseResolver` (alias `GreedyResolver`) takes the
/// argmax; `EpsilonGreedyResolver` and `ProbabilisticResolver` draw from their own seeded generators, which
/// advance on every call of a compiled function (so each call acts anew, and the same seeds act the same).

/// Picks the best action: `argmax(policy, axis: 1)`, cast to `outputDType`.
///
/// Input: the policy `[batch, n_actions]`; output: action ids `[batch]`.
open class BaseResolver: Layer {
    public let actionDType: DType

    /// A resolver for a policy of shape `[batch, n_actions]`; any other rank is refused here.
    public init(policyShape: [Int?], outputDType: DType = .int32, name: String?, extraInputs: [[Int?]] = []) throws {
        actionDType = outputDType
        super.init(inputShapes: [policyShape] + extraInputs, name: name)
        guard policyShape.count == 2 else {
            throw AgentNetError.shape("\(label): the policy must be [batch, n_actions], got shape \(seedShape(policyShape))")
        }
        if let n = policyShape[1], n < 1 { throw AgentNetError.shape("\(label): the policy has no actions (shape \(seedShape(policyShape)))") }
    }

    public override var outputDType: DType { actionDType }
    public override var outputShape: [Int?] { [inputShapes[0][0]] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        guard let policy = shapes.first, policy.count == 2 else {
            throw AgentNetError.shape("\(label): the policy must be [batch, n_actions], got shape \(shapes.first.map(seedShape) ?? "none")")
        }
        return [policy[0]]
    }

    /// Checks the input count and that the policy is a matrix.
    func checkPolicy(_ inputs: [Node]) throws -> Node {
        guard inputs.count == inputShapes.count else {
            throw AgentNetError.invalid("\(label): expected \(inputShapes.count) inputs, got \(inputs.count)")
        }
        let policy = inputs[0]
        guard policy.rank == 2 else {
            throw AgentNetError.shape("\(label): the policy must be [batch, n_actions], got shape \(seedShape(policy.shape))")
        }
        guard policy.dtype == .float32 else { throw AgentNetError.dtype("\(label): the policy must be float32, got \(policy.dtype)") }
        return policy
    }

    /// The greedy actions `argmax(policy, axis: 1)` as `outputDType`.
    public func greedyActions(_ policy: Node) throws -> Node {
        try T.cast(T.argmax(policy, axis: 1), actionDType)
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try greedyActions(checkPolicy(inputs))
    }

    public override var attributes: [String] { actionDType == .int32 ? [] : ["output_dtype=\(actionDType)"] }
}

/// The seed's other name for the greedy resolver.
public typealias GreedyResolver = BaseResolver

/// Per-output generators derived from one seed: each output a resolver builds draws from its own `RandomState`,
/// and that state advances on every call of a compiled function using it.
final class ResolverStream {
    let seed: UInt64
    private var draws: UInt64 = 0
    private let lock = Lock()

    init(seed: UInt64) { self.seed = seed }

    func next() -> RandomState {
        lock.locked {
            defer { draws += 1 }
            return RandomState(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ draws &* 0xD6E8_FEB8_6659_FD93 &+ 0x5851_F42D)
        }
    }
}

/// The shape vector `[batch]` of a policy `[batch, n_actions]` (static when the batch is known).
func batchShape(_ policy: Node) throws -> Node {
    if let b = policy.shape[0] { return Node.ints([b]) }
    return try T.stackInts([T.index(T.shape(policy), 0)])
}

/// The number of actions of a policy `[batch, n_actions]` as a float32 scalar (static when known).
func actionCount(_ policy: Node) throws -> Node {
    if let n = policy.shape[1] { return Node.scalar(Float(n)) }
    return try T.cast(T.index(T.shape(policy), 1), .float32)
}
