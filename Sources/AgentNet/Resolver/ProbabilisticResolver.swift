/// The seed's `ProbabilisticResolver`: samples each row's action from the policy by inverse CDF.
///
/// `p = policy / Σ policy` per row (unless `assumeNormalized`; the policy must be non-negative), `u ~ U[0, 1)` per
/// row, and `action = Σ_{k < n−1} [u > cumsum(p)_k]`. The last cumulative sum is left out, so float rounding that
/// makes it fall short of 1 cannot give the id `n`. Example: p = [.1, .2, .3, .4] gives frequencies
/// .1 / .2 / .3 / .4. `getOutput` with the flag `greedy: true` gives `argmax(policy)` instead.
///
/// Input: the policy `[batch, n_actions]`; output: action ids `[batch]`.
public final class ProbabilisticResolver: BaseResolver {
    public static let defaultName = "ProbabilisticResolver"
    public let assumeNormalized: Bool
    public let seed: UInt64
    let stream: ResolverStream

    public init(policyShape: [Int?], assumeNormalized: Bool = false, seed: UInt64 = 1234, outputDType: DType = .int32,
                name: String? = ProbabilisticResolver.defaultName) throws {
        self.assumeNormalized = assumeNormalized
        self.seed = seed
        stream = ResolverStream(seed: seed)
        try super.init(policyShape: policyShape, outputDType: outputDType, name: name)
    }

    /// A resolver fed by `incoming`.
    public convenience init(_ incoming: Layer, assumeNormalized: Bool = false, seed: UInt64 = 1234,
                            name: String? = ProbabilisticResolver.defaultName) throws {
        try self.init(policyShape: incoming.outputShape, assumeNormalized: assumeNormalized, seed: seed, name: name)
        try setIncoming([incoming])
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        let policy = try checkPolicy(inputs)
        if options.flags["greedy"]?.bool == true { return try greedyActions(policy) }
        let p = assumeNormalized ? policy : try T.div(policy, T.sum(policy, axes: [1], keepdims: true))
        let cdf = try Node.make(CumsumOp(axis: 1, reverse: false), [p])
        let head = try Node.make(SliceOp(items: [fullSlice, .range(start: nil, stop: -1, step: 1)]), [cdf])
        let size = try T.stackInts([T.index(T.shape(policy), 0), Node.intScalar(1)])
        let u = try Node.make(RandomOp(kind: .uniform, state: stream.next(), dtype: .float32), [size, Node.scalar(0), Node.scalar(1)])
        return try T.cast(T.sum(T.cast(T.gt(u, head), .int32), axes: [1]), actionDType)
    }

    public override var attributes: [String] { (assumeNormalized ? ["assume_normalized=True"] : []) + super.attributes }
}
