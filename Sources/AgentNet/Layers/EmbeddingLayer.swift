/// Lasagne's `EmbeddingLayer`: rows of a learned `[inputSize, outputSize]` matrix looked up by integer index,
/// `output[..., :] = W[input[...], :]`, so an input `[batch, ...]` gives `[batch, ..., outputSize]`.
public final class EmbeddingLayer: Layer {
    public let inputSize: Int
    public let outputSize: Int
    public private(set) var W: SharedValue!

    public init(inputShape: [Int?], inputSize: Int, outputSize: Int, W: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)),
                name: String? = nil) throws {
        guard inputSize > 0 else { throw AgentNetError.invalid("EmbeddingLayer: input_size must be positive, got \(inputSize)") }
        guard outputSize > 0 else { throw AgentNetError.invalid("EmbeddingLayer: output_size must be positive, got \(outputSize)") }
        self.inputSize = inputSize
        self.outputSize = outputSize
        super.init(inputShapes: [inputShape], name: name)
        self.W = try addParam(W, shape: [inputSize, outputSize], name: "W")
    }

    public override var outputShape: [Int?] { inputShapes[0] + [outputSize] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        guard inputs[0].dtype == .int32 else {
            throw AgentNetError.dtype("EmbeddingLayer: the input must be integer indices, got dtype \(inputs[0].dtype)")
        }
        return try Node.make(AdvancedIndexOp(isArray: [true], negativeIndices: false), [W.node, inputs[0]])
    }

    public override var attributes: [String] { ["input_size=\(inputSize)", "output_size=\(outputSize)"] }
}

extension LayerRegistry {
    static let embeddingLayers: [String: Maker] = [
        "EmbeddingLayer": { s in
            try EmbeddingLayer(inputShape: s.one(), inputSize: s.int("input_size"), outputSize: s.int("output_size"),
                               W: s.requiredParam("W", .normal(std: 0.01, mean: 0)), name: s.name)
        },
    ]
}
