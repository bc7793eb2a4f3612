/// Lasagne's `BiasLayer` (`input + b`) and `ScaleLayer` (`input * scales`): one learned value per position of the
/// axes not in `sharedAxes`, broadcast over the shared ones (default: all axes but the second, one per channel).

/// The non-shared axes' sizes (the parameter's shape) and the dimshuffle pattern that broadcasts it to the input.
struct SharedAxes {
    let axes: [Int]
    let paramShape: [Int]
    let pattern: [Int]

    init(_ kind: String, _ what: String, inputShape: [Int?], axes: [Int]?, needsSizes: Bool = true) throws {
        let rank = inputShape.count
        let axes = axes ?? ([0] + Array(Swift.min(2, rank)..<rank)).filter { $0 < rank }
        for a in axes where a < 0 || a >= rank {
            throw AgentNetError.shape("\(kind): shared axis \(a) is out of range for input shape \(formatShape(inputShape))")
        }
        let kept = (0..<rank).filter { !axes.contains($0) }
        guard !needsSizes || kept.allSatisfy({ inputShape[$0] != nil }) else {
            throw AgentNetError.shape("\(kind) needs specified input sizes for all axes that \(what) are not shared over (input shape \(formatShape(inputShape)), shared_axes \(axes))")
        }
        var next = 0
        self.axes = axes
        self.paramShape = kept.map { inputShape[$0] ?? 0 }
        self.pattern = (0..<rank).map { axes.contains($0) ? -1 : { next += 1; return next - 1 }() }
    }

    static func parse(_ s: LayerSpec) throws -> [Int]? {
        guard let v = s.attrs["shared_axes"], v.string != "auto" else { return nil }
        return try s.ints("shared_axes") ?? []
    }
}

/// `input + b`; without `b` the layer is the identity.
public final class BiasLayer: Layer {
    let shared: SharedAxes
    public private(set) var b: SharedValue?

    public init(inputShape: [Int?], b: ParamSpec? = .initializer(.constant(0)), sharedAxes: [Int]? = nil, name: String? = nil) throws {
        self.shared = try SharedAxes("BiasLayer", "biases", inputShape: inputShape, axes: sharedAxes, needsSizes: b != nil)
        super.init(inputShapes: [inputShape], name: name)
        if let b { self.b = try addParam(b, shape: shared.paramShape, name: "b", tags: ["trainable"]) }
    }

    public var sharedAxes: [Int] { shared.axes }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        guard let b else { return inputs[0] }
        return try T.add(inputs[0], T.dimshuffle(b.node, shared.pattern))
    }

    public override var attributes: [String] { ["shared_axes=\(shared.axes)"] + (b == nil ? ["b=None"] : []) }
}

/// `input * scales`.
public final class ScaleLayer: Layer {
    let shared: SharedAxes
    public private(set) var scales: SharedValue!

    public init(inputShape: [Int?], scales: ParamSpec = .initializer(.constant(1)), sharedAxes: [Int]? = nil, name: String? = nil) throws {
        self.shared = try SharedAxes("ScaleLayer", "scales", inputShape: inputShape, axes: sharedAxes)
        super.init(inputShapes: [inputShape], name: name)
        self.scales = try addParam(scales, shape: shared.paramShape, name: "scales", tags: ["trainable"])
    }

    public var sharedAxes: [Int] { shared.axes }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.mul(inputs[0], T.dimshuffle(scales.node, shared.pattern))
    }

    public override var attributes: [String] { ["shared_axes=\(shared.axes)"] }
}

extension LayerRegistry {
    static let biasScaleLayers: [String: Maker] = [
        "BiasLayer": { s in
            try BiasLayer(inputShape: s.one(), b: s.param("b", .constant(0)), sharedAxes: SharedAxes.parse(s), name: s.name)
        },
        "ScaleLayer": { s in
            try ScaleLayer(inputShape: s.one(), scales: s.requiredParam("scales", .constant(1)), sharedAxes: SharedAxes.parse(s), name: s.name)
        },
    ]
}
