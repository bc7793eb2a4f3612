/// Lasagne's `BatchNormLayer`: `(input - mean) * inv_std * gamma + beta` over `axes` (default all but the second:
/// per-unit or per-channel statistics). The parameters have the shape of the remaining axes.
///
/// Training outputs normalize with the batch statistics; deterministic ones with the running averages `mean` and
/// `inv_std`. The engine has no hidden default updates (Theano's mechanism in Lasagne), so an output that updates
/// the averages records `updates` — `mean <- (1 - alpha)·mean + alpha·batch_mean`, likewise `inv_std` — for the
/// caller to add to its training function.
public final class BatchNormLayer: Layer, LayerWithUpdates {
    public let axes: [Int]
    public let epsilon: Float
    public let alpha: Double
    public private(set) var beta: SharedValue?
    public private(set) var gamma: SharedValue?
    public private(set) var mean: SharedValue!
    public private(set) var invStd: SharedValue!
    public private(set) var updates: [(SharedValue, Node)] = [] { didSet { updatesVersion += 1 } }
    public private(set) var updatesVersion = 0
    private let pattern: [Int]

    public init(inputShape: [Int?], axes: [Int]? = nil, epsilon: Double = 1e-4, alpha: Double = 0.1,
                beta: ParamSpec? = .initializer(.constant(0)), gamma: ParamSpec? = .initializer(.constant(1)),
                mean: ParamSpec = .initializer(.constant(0)), invStd: ParamSpec = .initializer(.constant(1)), name: String? = nil) throws {
        let rank = inputShape.count
        let axes = axes ?? ([0] + Array(Swift.min(2, rank)..<rank)).filter { $0 < rank }
        for a in axes where a < 0 || a >= rank {
            throw AgentNetError.shape("BatchNormLayer: axis \(a) is out of range for input shape \(formatShape(inputShape))")
        }
        guard Set(axes).count == axes.count else { throw AgentNetError.invalid("BatchNormLayer: axes contain duplicates: \(axes)") }
        guard epsilon >= 0 else { throw AgentNetError.invalid("BatchNormLayer: epsilon must be non-negative, got \(epsilon)") }
        guard alpha >= 0, alpha <= 1 else { throw AgentNetError.invalid("BatchNormLayer: alpha must be in [0, 1], got \(alpha)") }
        let kept = (0..<rank).filter { !axes.contains($0) }
        guard kept.allSatisfy({ inputShape[$0] != nil }) else {
            throw AgentNetError.shape("BatchNormLayer needs specified input sizes for all axes not normalized over (input shape \(formatShape(inputShape)), axes \(axes))")
        }
        var next = 0
        self.pattern = (0..<rank).map { axes.contains($0) ? -1 : { next += 1; return next - 1 }() }
        self.axes = axes
        self.epsilon = Float(epsilon)
        self.alpha = alpha
        super.init(inputShapes: [inputShape], name: name)
        let shape = kept.map { inputShape[$0]! }
        if let beta { self.beta = try addParam(beta, shape: shape, name: "beta", tags: ["trainable"]) }
        if let gamma { self.gamma = try addParam(gamma, shape: shape, name: "gamma", tags: ["trainable", "regularizable"]) }
        self.mean = try addParam(mean, shape: shape, name: "mean", tags: [])
        self.invStd = try addParam(invStd, shape: shape, name: "inv_std", tags: [])
    }

    /// Reads Lasagne's `batch_norm_use_averages` / `batch_norm_update_averages` from the options' flags (absent or
    /// null: the defaults below).
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        func flag(_ key: String) throws -> Bool? {
            guard let v = options.flags[key], !v.isNull else { return nil }
            guard let b = v.bool else { throw AgentNetError.invalid("\(label): \(key) must be a boolean or None, got \(v.serialized)") }
            return b
        }
        return try output(for: inputs, deterministic: options.deterministic, useAverages: flag("batch_norm_use_averages"),
                          updateAverages: flag("batch_norm_update_averages"))
    }

    /// `useAverages` defaults to `deterministic`, `updateAverages` to its negation (Lasagne's
    /// `batch_norm_use_averages` and `batch_norm_update_averages`).
    public func output(for inputs: [Node], deterministic: Bool, useAverages: Bool? = nil, updateAverages: Bool? = nil) throws -> Node {
        try checkRanks(inputs)
        let x = inputs[0]
        let batchMean = try T.mean(x, axes: axes)
        let batchInvStd = try T.div(Float(1), T.sqrt(T.add(T.variance(x, axes: axes), epsilon)))
        let (m, s) = (useAverages ?? deterministic) ? (mean.node, invStd.node) : (batchMean, batchInvStd)
        if updateAverages ?? !deterministic {
            let keep = Float(1 - alpha), new = Float(alpha)
            updates = [(mean, try T.add(T.mul(keep, mean.node), T.mul(new, batchMean))),
                       (invStd, try T.add(T.mul(keep, invStd.node), T.mul(new, batchInvStd)))]
        }
        var y = try T.mul(T.sub(x, T.dimshuffle(m, pattern)), T.dimshuffle(s, pattern))
        if let gamma { y = try T.mul(y, T.dimshuffle(gamma.node, pattern)) }
        if let beta { y = try T.add(y, T.dimshuffle(beta.node, pattern)) }
        return y
    }

    public override var attributes: [String] { ["axes=\(axes)"] }
}

extension LayerRegistry {
    static let batchNormLayers: [String: Maker] = [
        "BatchNormLayer": { s in
            let axes: [Int]? = s.attrs["axes"]?.string == "auto" ? nil : try s.ints("axes")
            return try BatchNormLayer(inputShape: s.one(), axes: axes, epsilon: s.double("epsilon", 1e-4), alpha: s.double("alpha", 0.1),
                                      beta: s.param("beta", .constant(0)), gamma: s.param("gamma", .constant(1)),
                                      mean: s.requiredParam("mean", .constant(0)), invStd: s.requiredParam("inv_std", .constant(1)), name: s.name)
        },
    ]
}

extension BatchNormLayer: UpdateRestoring {
    func restoreUpdates(_ updates: [(SharedValue, Node)], version: Int) {
        self.updates = updates
        updatesVersion = version
    }
}
