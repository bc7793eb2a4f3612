/// The seed's `EpsilonGreedyResolver`: per batch row, the greedy action with probability `1 - ε`, otherwise an
/// action drawn uniformly over **all** actions (the best one included), so `P(best) = 1 - ε + ε / n`.
/// Example: ε = 0.3 and 4 actions give 0.775 / 0.075 / 0.075 / 0.075. There is no greedy flag: set ε to 0.

/// Where ε comes from: a fixed number, a shared value (the seed's default, settable between calls), or an
/// expression given as the layer's second input.
public enum ResolverEpsilon {
    case constant(Float)
    case shared(SharedValue)
    case input
}

/// Input: the policy `[batch, n_actions]` (and ε, a scalar, when `epsilon` is `.input`); output: action ids `[batch]`.
public final class EpsilonGreedyResolver: BaseResolver {
    public static let defaultName = "EpsilonGreedyResolver"
    public let epsilon: ResolverEpsilon
    public let seed: UInt64
    let stream: ResolverStream

    /// `epsilon` defaults to a new shared value 0.1 named `"e-greedy.epsilon"`, as in the seed.
    public init(policyShape: [Int?], epsilon: ResolverEpsilon? = nil, seed: UInt64 = 1234, outputDType: DType = .int32,
                name: String? = EpsilonGreedyResolver.defaultName) throws {
        let eps = epsilon ?? .shared(SharedValue(Tensor(scalar: 0.1), name: "e-greedy.epsilon"))
        switch eps {
        case .constant(let v):
            guard v >= 0, v <= 1 else { throw AgentNetError.invalid("EpsilonGreedyResolver: epsilon must be in [0, 1], got \(v)") }
        case .shared(let s):
            guard s.rank == 0, s.dtype == .float32 else {
                throw AgentNetError.invalid("EpsilonGreedyResolver: epsilon must be a float32 scalar shared value, got \(s.dtype) of rank \(s.rank)")
            }
        case .input: break
        }
        self.epsilon = eps
        self.seed = seed
        stream = ResolverStream(seed: seed)
        if case .input = eps {
            try super.init(policyShape: policyShape, outputDType: outputDType, name: name, extraInputs: [[]])
        } else {
            try super.init(policyShape: policyShape, outputDType: outputDType, name: name)
        }
    }

    /// A resolver fed by `incoming`.
    public convenience init(_ incoming: Layer, epsilon: ResolverEpsilon? = nil, seed: UInt64 = 1234,
                            name: String? = EpsilonGreedyResolver.defaultName) throws {
        try self.init(policyShape: incoming.outputShape, epsilon: epsilon, seed: seed, name: name)
        try setIncoming([incoming])
    }

    /// The shared value behind ε, when there is one (`.epsilon.set_value` in the seed).
    public var epsilonValue: SharedValue? {
        if case .shared(let s) = epsilon { return s }
        return nil
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        let policy = try checkPolicy(inputs)
        let eps: Node
        switch epsilon {
        case .constant(let v): eps = Node.scalar(v)
        case .shared(let s): eps = s.node
        case .input:
            guard inputs[1].rank == 0 else { throw AgentNetError.shape("\(label): epsilon must be a scalar, got shape \(seedShape(inputs[1].shape))") }
            eps = try T.cast(inputs[1], .float32)
        }
        let size = try batchShape(policy)
        // Two generators per output: the coin per row and the random action per row.
        let u = try Node.make(RandomOp(kind: .uniform, state: stream.next(), dtype: .float32), [size, Node.scalar(0), Node.scalar(1)])
        let random = try Node.make(RandomOp(kind: .choice, state: stream.next(), dtype: .int32),
                                   [size, actionCount(policy), Node.scalar(0)])
        let isOptimal = try T.ge(u, eps)
        return try T.cast(T.where_(isOptimal, T.argmax(policy, axis: 1), random), actionDType)
    }

    public override var attributes: [String] {
        switch epsilon {
        case .constant(let v): return ["epsilon=\(v)"] + super.attributes
        case .shared(let s): return ["epsilon=\(s.name ?? "shared")"] + super.attributes
        case .input: return ["epsilon=<input>"] + super.attributes
        }
    }
}
