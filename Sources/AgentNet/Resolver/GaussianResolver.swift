/// Beyond the seed, for continuous control: samples actions from a diagonal Gaussian policy.
///
/// `action = clip(mean + exp(logStd) · ξ, low, high)` with `ξ ~ N(0, 1)` drawn per element (the
/// reparameterisation, so the sample is differentiable in `mean` and `logStd` where it is not clipped).
/// `getOutput` with the flag `greedy: true` gives `clip(mean, low, high)`. Either bound may be absent.
///
/// Inputs: the mean `[batch, action_dim]` and the log standard deviation, of the mean's shape or broadcastable
/// to it (`[1, action_dim]`, a per-dimension parameter); output: actions `[batch, action_dim]`, float32.
public final class GaussianResolver: Layer {
    public static let defaultName = "GaussianResolver"
    public let low: Float?
    public let high: Float?
    public let seed: UInt64
    let stream: ResolverStream

    public init(meanShape: [Int?], logStdShape: [Int?], low: Float? = -1, high: Float? = 1, seed: UInt64 = 1234,
                name: String? = GaussianResolver.defaultName) throws {
        self.low = low
        self.high = high
        self.seed = seed
        stream = ResolverStream(seed: seed)
        super.init(inputShapes: [meanShape, logStdShape], name: name)
        guard meanShape.count == 2 else {
            throw AgentNetError.shape("\(label): the mean must be [batch, action_dim], got shape \(seedShape(meanShape))")
        }
        guard logStdShape.count == 2, zip(logStdShape, meanShape).allSatisfy({ $0 == 1 || $0 == nil || $1 == nil || $0 == $1 }) else {
            throw AgentNetError.shape("\(label): the log-std of shape \(seedShape(logStdShape)) must be [batch, action_dim] or broadcastable to the mean's \(seedShape(meanShape))")
        }
        if let low, let high, !(low <= high) {
            throw AgentNetError.invalid("\(label): low (\(low)) must not exceed high (\(high))")
        }
        if let low, !low.isFinite { throw AgentNetError.invalid("\(label): low must be finite or None, got \(low)") }
        if let high, !high.isFinite { throw AgentNetError.invalid("\(label): high must be finite or None, got \(high)") }
    }

    /// A resolver fed by the `mean` and `logStd` layers.
    public convenience init(mean: Layer, logStd: Layer, low: Float? = -1, high: Float? = 1, seed: UInt64 = 1234,
                            name: String? = GaussianResolver.defaultName) throws {
        try self.init(meanShape: mean.outputShape, logStdShape: logStd.outputShape, low: low, high: high, seed: seed, name: name)
        try setIncoming([mean, logStd])
    }

    public override var outputShape: [Int?] { inputShapes[0] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        guard shapes.count == 2, shapes[0].count == 2 else {
            throw AgentNetError.shape("\(label): the mean must be [batch, action_dim], got shapes \(shapes.map(seedShape))")
        }
        return shapes[0]
    }

    func clipped(_ x: Node) throws -> Node {
        var y = x
        if let low { y = try T.maximum(y, Node.scalar(low)) }
        if let high { y = try T.minimum(y, Node.scalar(high)) }
        return y
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let (mean, logStd) = (inputs[0], inputs[1])
        guard mean.dtype == .float32, logStd.dtype == .float32 else {
            throw AgentNetError.dtype("\(label): the mean and log-std must be float32, got \(mean.dtype) and \(logStd.dtype)")
        }
        if options.flags["greedy"]?.bool == true { return try clipped(mean) }
        let size: Node = mean.shape.allSatisfy({ $0 != nil }) ? Node.ints(mean.shape.map { $0! }) : try T.shape(mean)
        let xi = try Node.make(RandomOp(kind: .normal, state: stream.next(), dtype: .float32), [size, Node.scalar(0), Node.scalar(1)])
        return try clipped(T.add(mean, T.mul(T.exp(logStd), xi)))
    }

    public override var attributes: [String] {
        ["low=\(low.map { "\($0)" } ?? "None")", "high=\(high.map { "\($0)" } ?? "None")"]
    }
}
