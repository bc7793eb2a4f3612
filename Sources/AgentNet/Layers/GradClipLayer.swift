/// The seed's `clip_grads`: a layer whose output is its input and whose gradient is clipped.

/// The identity forward; backward, the gradient reaching the input is clipped to `[-clippingBound, clippingBound]`
/// elementwise (`T.gradClip`). Keeps exploding gradients of a recurrent state from reaching the layers below.
public final class GradClipLayer: Layer {
    public let clippingBound: Float

    public init(inputShape: [Int?], clippingBound: Double, name: String? = nil) throws {
        guard clippingBound > 0 else { throw AgentNetError.invalid("clip_grads: clipping_bound must be positive, got \(clippingBound)") }
        self.clippingBound = Float(clippingBound)
        super.init(inputShapes: [inputShape], name: name)
    }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[0] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.gradClip(inputs[0], -clippingBound, clippingBound)
    }

    public override var attributes: [String] { ["clipping_bound=\(clippingBound)"] }
}

/// `layer` with its gradient clipped to `[-clippingBound, clippingBound]`, named `"<name>.clipgrads"` after it.
public func clipGrads(_ layer: Layer, clippingBound: Double) throws -> GradClipLayer {
    let clipped = try GradClipLayer(inputShape: layer.outputShape, clippingBound: clippingBound, name: layer.name.map { "\($0).clipgrads" })
    try clipped.setIncoming([layer])
    return clipped
}

extension LayerRegistry {
    static let gradClipLayers: [String: Maker] = [
        "GradClipLayer": { s in try GradClipLayer(inputShape: s.one(), clippingBound: s.double("clipping_bound"), name: s.name) },
    ]
}
