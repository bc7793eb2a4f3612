/// Multi-output layers (the seed's `agentnet.utils.layers.DictLayer`): a layer with named outputs, and
/// `layer[key]`, an ordinary one-output layer standing for one of them.

/// A layer with several outputs, each with its own shape and dtype (`DictLayer`, `Recurrence`); `ElementLayer`
/// stands for one of them.
public protocol MultiOutputLayer: Layer {
    var outputShapes: [[Int?]] { get }
    var outputDTypes: [DType] { get }
}

/// Named outputs, by default the inputs passed through one per key. GateLayer channels and attention's `attn` and
/// `probs` are multi-output layers of this kind (a Recurrence's sequences are its own `MultiOutputLayer`).
public final class DictLayer: Layer, MultiOutputLayer {
    public let keys: [String]
    public let outputShapes: [[Int?]]
    public let outputDTypes: [DType]

    public init(incoming: [Layer?], inputShapes: [[Int?]], keys: [String], outputShapes: [[Int?]],
                outputDTypes: [DType]? = nil, name: String? = nil) throws {
        guard !keys.isEmpty else { throw AgentNetError.invalid("DictLayer: keys are empty; a DictLayer needs at least one output") }
        guard Set(keys).count == keys.count else { throw AgentNetError.invalid("DictLayer: keys \(keys) repeat") }
        guard outputShapes.count == keys.count else {
            throw AgentNetError.invalid("DictLayer: got \(outputShapes.count) output shapes for \(keys.count) keys")
        }
        let dtypes = outputDTypes ?? Array(repeating: .float32, count: keys.count)
        guard dtypes.count == keys.count else { throw AgentNetError.invalid("DictLayer: got \(dtypes.count) output dtypes for \(keys.count) keys") }
        guard inputShapes.count == keys.count else {
            throw AgentNetError.invalid("DictLayer: the outputs are the inputs, one per key, but there are \(inputShapes.count) inputs and \(keys.count) keys")
        }
        (self.keys, self.outputShapes, self.outputDTypes) = (keys, outputShapes, dtypes)
        super.init(inputShapes: inputShapes, name: name)
        try setIncoming(incoming)
    }

    public convenience init(_ outputs: [String: Layer], order keys: [String], name: String? = nil) throws {
        let layers = try keys.map { k -> Layer in
            guard let l = outputs[k] else { throw AgentNetError.invalid("DictLayer: no layer for key '\(k)'") }
            return l
        }
        try self.init(incoming: layers, inputShapes: layers.map(\.outputShape), keys: keys,
                      outputShapes: layers.map(\.outputShape), outputDTypes: layers.map(\.outputDType), name: name)
    }

    public override var outputShape: [Int?] { outputShapes[0] }
    public override var outputCount: Int { keys.count }
    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] { inputs }

    /// The one-output layer for `key`.
    public subscript(key: String) -> ElementLayer {
        get throws {
            guard let i = keys.firstIndex(of: key) else {
                throw AgentNetError.invalid("DictLayer\(name.map { " '\($0)'" } ?? "") has no output '\(key)'; its outputs are \(keys)")
            }
            return try ElementLayer(self, index: i)
        }
    }

    public override var attributes: [String] { keys.map { "'\($0)'" } }
}

/// Output `index` of a multi-output layer, usable as an ordinary layer.
public final class ElementLayer: Layer {
    public let index: Int
    private let shape: [Int?]
    private let dtype: DType

    /// `shape`/`dtype` describe the chosen output (a host layer's multi-output shapes are known to the host).
    public init(_ source: Layer, index: Int, shape: [Int?]? = nil, dtype: DType? = nil, name: String? = nil) throws {
        guard index >= 0, index < source.outputCount else {
            throw AgentNetError.invalid("\(source.label) has \(source.outputCount) outputs; index \(index) is out of range")
        }
        let multi = source as? MultiOutputLayer
        self.index = index
        self.shape = shape ?? multi?.outputShapes[index] ?? source.outputShape
        self.dtype = dtype ?? multi?.outputDTypes[index] ?? source.outputDType
        super.init(inputShapes: [source.outputShape], name: name)
        try setIncoming([source])
    }

    public override var outputShape: [Int?] { shape }
    public override var outputDType: DType { dtype }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shape }
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node { inputs[0] }
    public override var attributes: [String] { ["index=\(index)"] }
}
