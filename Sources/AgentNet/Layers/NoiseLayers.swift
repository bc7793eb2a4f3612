/// Lasagne's noise layers: `DropoutLayer` and `GaussianNoiseLayer`. Both are the identity when
/// `options.deterministic`. Each layer owns a seed; every output it builds draws from its own generator,
/// derived from the seed and the number of outputs built so far (as `agentnet.tensor.random.RandomStreams` derives
/// one per draw), so a network built twice from the same seeds gives the same noise, and each call of a compiled
/// function draws fresh values. The rate (`p`, `sigma`) is a number, or a second input when it is symbolic.

/// Per-draw generators derived from one seed.
final class NoiseStream {
    let seed: UInt64
    private var draws: UInt64 = 0

    init(seed: UInt64) { self.seed = seed }

    /// The generator of the next draw (the same derivation as Python's `RandomStreams`).
    func next() -> RandomState {
        defer { draws += 1 }
        return RandomState(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ draws &* 0xBF58_476D_1CE4_E5B9 &+ 1)
    }
}

/// How a rate is given: a constant, or a scalar expression passed as the layer's second input.
public enum NoiseRate: Equatable, Sendable {
    case constant(Double)
    case input
}

/// The shape vector of `x` with the given axes replaced by 1 (static entries where known).
private func maskShape(_ x: Node, ones: Set<Int>) throws -> Node {
    if ones.isEmpty, x.shape.allSatisfy({ $0 != nil }) { return Node.ints(x.shape.map { $0! }) }
    let s = try T.shape(x)
    return try T.stackInts((0..<x.rank).map { a in
        if ones.contains(a) { return Node.intScalar(1) }
        if let n = x.shape[a] { return Node.intScalar(n) }
        return try T.index(s, a)
    })
}

/// Sets each value to zero with probability `p`, scaling the rest by `1 / (1 - p)` when `rescale`; one mask value
/// is shared along `sharedAxes`.
public final class DropoutLayer: Layer {
    public let p: NoiseRate
    public let rescale: Bool
    public let sharedAxes: [Int]
    let stream: NoiseStream

    public init(inputShape: [Int?], p: NoiseRate = .constant(0.5), rescale: Bool = true, sharedAxes: [Int] = [], seed: UInt64,
                name: String? = nil) throws {
        if case .constant(let v) = p, !(v >= 0 && v < 1) { throw AgentNetError.invalid("DropoutLayer: p must be in [0, 1), got \(v)") }
        let rank = inputShape.count
        for a in sharedAxes where a < -rank || a >= rank {
            throw AgentNetError.shape("DropoutLayer: shared axis \(a) is out of range for input shape \(formatShape(inputShape))")
        }
        self.p = p
        self.rescale = rescale
        self.sharedAxes = sharedAxes.map { $0 < 0 ? $0 + rank : $0 }
        self.stream = NoiseStream(seed: seed)
        super.init(inputShapes: p == .input ? [inputShape, []] : [inputShape], name: name)
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        var x = inputs[0]
        if options.deterministic || p == .constant(0) { return x }
        let retain: Node
        switch p {
        case .constant(let v): retain = Node.scalar(Float(1 - v))
        case .input: retain = try T.sub(Float(1), T.cast(inputs[1], .float32))
        }
        if rescale { x = try T.div(x, retain) }
        let mask = try Node.make(RandomOp(kind: .binomial, state: stream.next(), dtype: x.dtype),
                                 [maskShape(x, ones: Set(sharedAxes)), Node.scalar(1), retain])
        return try T.mul(x, mask)
    }

    public override var attributes: [String] {
        ["p=\(p)"] + (rescale ? [] : ["rescale=False"]) + (sharedAxes.isEmpty ? [] : ["shared_axes=\(sharedAxes)"])
    }
}

/// Adds zero-mean Gaussian noise of standard deviation `sigma`.
public final class GaussianNoiseLayer: Layer {
    public let sigma: NoiseRate
    let stream: NoiseStream

    public init(inputShape: [Int?], sigma: NoiseRate = .constant(0.1), seed: UInt64, name: String? = nil) throws {
        if case .constant(let v) = sigma, !(v >= 0) { throw AgentNetError.invalid("GaussianNoiseLayer: sigma must be non-negative, got \(v)") }
        self.sigma = sigma
        self.stream = NoiseStream(seed: seed)
        super.init(inputShapes: sigma == .input ? [inputShape, []] : [inputShape], name: name)
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let x = inputs[0]
        if options.deterministic || sigma == .constant(0) { return x }
        let noise = try Node.make(RandomOp(kind: .normal, state: stream.next(), dtype: .float32),
                                  [maskShape(x, ones: []), Node.scalar(0), Node.scalar(1)])
        switch sigma {
        case .constant(let v): return try T.add(x, T.mul(noise, Float(v)))
        case .input: return try T.add(x, T.mul(noise, inputs[1]))
        }
    }

    public override var attributes: [String] { ["sigma=\(sigma)"] }
}

extension LayerRegistry {
    static func rate(_ s: LayerSpec, _ key: String, _ dflt: Double) throws -> NoiseRate {
        if s.attrs[key]?.string == "input" { return .input }
        return .constant(try s.double(key, dflt))
    }

    static func seed(_ s: LayerSpec) throws -> UInt64 {
        let v = try s.double("seed")
        guard v >= 0, v < 18_446_744_073_709_551_616, v == v.rounded() else { throw AgentNetError.invalid("\(s.kind): seed must be a non-negative integer, got \(v)") }
        return UInt64(v)
    }

    static let noiseLayers: [String: Maker] = [
        "DropoutLayer": { s in
            try DropoutLayer(inputShape: s.inputShapes.first ?? [], p: rate(s, "p", 0.5), rescale: s.bool("rescale", true),
                             sharedAxes: s.ints("shared_axes") ?? [], seed: seed(s), name: s.name)
        },
        "GaussianNoiseLayer": { s in
            try GaussianNoiseLayer(inputShape: s.inputShapes.first ?? [], sigma: rate(s, "sigma", 0.1), seed: seed(s), name: s.name)
        },
    ]
}
