/// Lasagne's layer contract in the engine: a layer knows its incoming layers and their shapes, owns tagged
/// parameters and builds its output from input expressions. Convolutions, recurrent cells and user-defined
/// Python layers (through `CallbackLayer`) all fit the same members: `params`, `outputShape`, `output(for:)`.
/// The graph walks over layers (`getOutput`, `getAllParams`...) are free functions in `LayerGraph.swift`.

/// A parameter with Lasagne's tags (`trainable`, `regularizable`, or a user's own). `value` is the shared value
/// behind it; a parameter given as an expression (tied through some computation) has none.
public struct LayerParam {
    public let node: Node
    public let value: SharedValue?
    public let name: String
    public var tags: Set<String>

    public init(value: SharedValue, name: String, tags: Set<String>) {
        (self.node, self.value, self.name, self.tags) = (value.node, value, name, tags)
    }

    public init(expression: Node, name: String, tags: Set<String>) {
        (self.node, self.value, self.name, self.tags) = (expression, nil, name, tags)
    }
}

/// Options that change a layer's output: `deterministic` turns dropout and noise off; `flags` holds every
/// option given to `getOutput` (a JSON object), including ones only a user's layer understands (`hard_attention`).
public struct LayerOptions {
    public var deterministic = false
    public var flags: JSON

    public init(deterministic: Bool = false) {
        self.deterministic = deterministic
        flags = .object(["deterministic": .bool(deterministic)])
    }

    /// Options from `getOutput`'s JSON object; `deterministic` defaults to false.
    public init(json: JSON) throws {
        guard case .object = json else { throw AgentNetError.invalid("get_output options must be a JSON object, got \(json.serialized)") }
        deterministic = json["deterministic"]?.bool ?? false
        flags = json
    }
}

open class Layer: CustomStringConvertible {
    public let name: String?
    /// Shapes of the incoming values, `[batch, ...]` with `nil` for unknown dimensions.
    public let inputShapes: [[Int?]]
    /// The layers feeding this one, one per input shape; `nil` where only a shape was given (a free-floating
    /// input whose expression `getOutput` must be given).
    public private(set) var incoming: [Layer?]
    public private(set) var params: [LayerParam] = []
    /// The key of the Python object this layer stands for (0 for a layer built in Swift), so graph walks can
    /// name layers back to Python.
    public var hostKey: Int64 = 0

    public init(inputShapes: [[Int?]], name: String?) {
        self.inputShapes = inputShapes
        self.name = name
        incoming = Array(repeating: nil, count: inputShapes.count)
    }

    /// A layer fed by `incoming`, its input shapes taken from their output shapes.
    public convenience init(incoming: [Layer], name: String?) {
        self.init(inputShapes: incoming.map(\.outputShape), name: name)
        self.incoming = incoming
    }

    /// Connects the incoming layers (one per input shape, `nil` for free-floating inputs).
    public func setIncoming(_ layers: [Layer?]) throws {
        guard layers.count == inputShapes.count else {
            throw AgentNetError.invalid("\(label): expected \(inputShapes.count) incoming layers, got \(layers.count)")
        }
        var seen = Set<ObjectIdentifier>()
        func reaches(_ l: Layer) -> Bool {
            if l === self { return true }
            guard seen.insert(ObjectIdentifier(l)).inserted else { return false }
            return l.incoming.contains { $0.map(reaches) ?? false }
        }
        if layers.contains(where: { $0.map(reaches) ?? false }) {
            throw AgentNetError.invalid("\(label): connecting these incoming layers would make a cycle")
        }
        incoming = layers
    }

    /// The shape of `output(for:)` given `inputShapes`.
    open var outputShape: [Int?] { inputShapes[0] }

    /// The dtype of the output (float32 unless the layer says otherwise, e.g. an int input).
    open var outputDType: DType { .float32 }

    /// Number of outputs: 1, or the number of keys of a multi-output layer (`DictLayer`).
    open var outputCount: Int { 1 }

    /// The same layer for other input shapes, when it was made by `LayerRegistry` from kind + attributes: the
    /// default `outputShape(for:)` asks it (so every registry kind answers `get_output_shape` with other shapes).
    public var remake: (([[Int?]]) throws -> Layer)?

    /// The output shape for other input shapes (`get_output_shape` with `input_shapes`). Layers whose shape
    /// depends only on `inputShapes` the usual way override this; the default uses `remake`, and without it
    /// accepts only the declared shapes.
    open func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        if shapes != inputShapes, let remake { return try remake(shapes).outputShape }
        guard shapes == inputShapes else {
            throw AgentNetError.invalid("\(label) cannot compute its output shape for other input shapes \(shapes.map { formatShape($0) })")
        }
        return outputShape
    }

    /// The layer's expression for the given input expressions.
    open func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkInputs(inputs)
        return inputs[0]
    }

    /// Every output (in key order for a multi-output layer); one-output layers return `[output(for:)]`.
    open func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        [try output(for: inputs, options: options)]
    }

    /// Attributes for the repr (`num_units=64`).
    open var attributes: [String] { [] }

    /// Registers a parameter, checking its shape; `name` is prefixed with the layer's name as Lasagne does.
    @discardableResult
    public func addParam(_ spec: ParamSpec, shape: [Int], name: String, tags: Set<String> = ["trainable", "regularizable"]) throws -> SharedValue {
        let full = self.name.map { "\($0).\(name)" } ?? name
        let value: SharedValue
        switch spec {
        case .shared(let s):
            guard s.shape == shape, s.dtype == .float32 else {
                throw AgentNetError.shape("\(kind): parameter \(name) must have shape \(formatShape(shape)), got \(formatShape(s.shape))")
            }
            value = s
        case .initializer(let i):
            value = SharedValue(try i.sample(shape), name: full)
        }
        params.append(LayerParam(value: value, name: full, tags: tags))
        return value
    }

    /// Registers an already-made parameter (a Python layer's `add_param`, or its `params` dict edited).
    public func appendParam(_ param: LayerParam) { params.append(param) }

    /// Removes parameter `index` (Lasagne users `del layer.params[p]`, e.g. `batch_norm` dropping a bias).
    public func removeParam(at index: Int) throws {
        guard index >= 0, index < params.count else {
            throw AgentNetError.invalid("\(label) has \(params.count) parameters; index \(index) is out of range")
        }
        params.remove(at: index)
    }

    /// Replaces the tags of parameter `index`.
    public func setParamTags(at index: Int, _ tags: Set<String>) throws {
        guard index >= 0, index < params.count else {
            throw AgentNetError.invalid("\(label) has \(params.count) parameters; index \(index) is out of range")
        }
        params[index].tags = tags
    }

    public var kind: String { String(describing: type(of: self)) }

    /// `DenseLayer 'dense'` or `DenseLayer`, for messages.
    public var label: String { name.map { "\(kind) '\($0)'" } ?? kind }

    public var description: String {
        "\(kind)(\(attributes.joined(separator: ", "))) \(formatShape(outputShape))"
    }

    /// Checks that the expressions given to `output(for:)` fit the declared input shapes.
    public func checkInputs(_ inputs: [Node]) throws {
        guard inputs.count == inputShapes.count else {
            throw AgentNetError.invalid("\(kind): expected \(inputShapes.count) inputs, got \(inputs.count)")
        }
        for (x, s) in zip(inputs, inputShapes) {
            guard x.rank == s.count, zip(x.shape, s).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else {
                throw AgentNetError.shape("\(kind): input of shape \(formatShape(x.shape)) does not fit the declared \(formatShape(s))")
            }
        }
    }
}

/// How a parameter is given: an existing shared value (weights tied or loaded) or an initializer.
public enum ParamSpec {
    case shared(SharedValue)
    case initializer(Initializer)
}
