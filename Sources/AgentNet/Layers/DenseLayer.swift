/// `InputLayer`, `DenseLayer` and `NonlinearityLayer` with Lasagne's parameters and defaults.

/// Marks where values enter a layer graph. Its output is its input variable (`[batch, ...]`, created from the
/// shape unless given), or whatever expression `getOutput`'s inputs bind to it.
public final class InputLayer: Layer {
    public let inputVar: Node

    /// An input layer with a new float32 variable of `shape`, named `"<name>.input"` (or `"input"`).
    public init(shape: [Int?], name: String? = nil) {
        inputVar = Node.input(name.map { "\($0).input" } ?? "input", shape: shape)
        super.init(inputShapes: [shape], name: name)
    }

    /// An input layer for an existing variable, whose static shape must agree with `shape`.
    public init(shape: [Int?], inputVar: Node, name: String? = nil) throws {
        guard inputVar.rank == shape.count, zip(inputVar.shape, shape).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else {
            throw AgentNetError.shape("InputLayer: input variable of shape \(formatShape(inputVar.shape)) contradicts shape \(formatShape(shape))")
        }
        self.inputVar = inputVar
        super.init(inputShapes: [shape], name: name)
    }

    public override var outputDType: DType { inputVar.dtype }
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node { inputVar }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[0] }
    public override var attributes: [String] { ["shape=\(formatShape(inputShapes[0]))"] }
}

/// Elementwise (or, for softmax, row-wise) activation functions by Lasagne's names.
public enum Nonlinearity: Sendable, Equatable {
    case linear, sigmoid, tanh, rectify, softmax, elu, softplus
    case leakyRectify(Float)

    /// A Python callable (or any host function) applied through the build-time callback.
    case host(HostObject)

    public init(name: String, leakiness: Float = 0.01) throws {
        switch name {
        case "linear", "identity": self = .linear
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "rectify", "relu": self = .rectify
        case "softmax": self = .softmax
        case "elu": self = .elu
        case "softplus": self = .softplus
        case "leaky_rectify": self = .leakyRectify(leakiness)
        default: throw AgentNetError.invalid("unknown nonlinearity '\(name)'")
        }
    }

    public func apply(_ x: Node) throws -> Node {
        switch self {
        case .linear: return x
        case .sigmoid: return try T.sigmoid(x)
        case .tanh: return try T.tanh(x)
        case .rectify: return try T.relu(x)
        case .softmax: return try T.softmax(x)
        case .elu: return try T.elu(x)
        case .softplus: return try T.softplus(x)
        case .leakyRectify(let a): return try T.where_(T.gt(x, 0), x, T.mul(x, a))
        case .host(let f):
            let out = try Host.request(.apply, key: f.key, options: .object([:]), nodes: [x])
            guard out.count == 1 else { throw AgentNetError.invalid("nonlinearity callback returned \(out.count) expressions, expected 1") }
            return out[0]
        }
    }

    public var name: String {
        switch self {
        case .leakyRectify: return "leaky_rectify"
        case .host(let f): return f.label
        default: return "\(self)"
        }
    }
}

/// `nonlinearity(dot(flatten(input), W) + b)`: input `[lead..., trailing...]` with `numLeadingAxes` lead axes,
/// `W` of shape `[prod(trailing), numUnits]`, output `[lead..., numUnits]`.
public final class DenseLayer: Layer {
    public let numUnits: Int
    public let numLeadingAxes: Int
    /// Settable so `batch_norm` can move the nonlinearity after the normalization.
    public var nonlinearity: Nonlinearity
    public private(set) var W: SharedValue!
    public private(set) var b: SharedValue?

    public init(inputShape: [Int?], numUnits: Int, W: ParamSpec = .initializer(.glorotUniform(gain: 1)),
                b: ParamSpec? = .initializer(.constant(0)), nonlinearity: Nonlinearity = .rectify,
                numLeadingAxes: Int = 1, name: String? = nil) throws {
        guard numUnits > 0 else { throw AgentNetError.invalid("DenseLayer: num_units must be positive, got \(numUnits)") }
        let rank = inputShape.count
        let lead = numLeadingAxes < 0 ? numLeadingAxes + rank : numLeadingAxes
        guard lead >= 0, lead < rank else {
            throw AgentNetError.shape("DenseLayer: num_leading_axes=\(numLeadingAxes) does not fit an input of shape \(formatShape(inputShape))")
        }
        let trailing = inputShape[lead...]
        guard trailing.allSatisfy({ $0 != nil }) else {
            throw AgentNetError.shape("DenseLayer requires a fixed input shape after the leading axes, got \(formatShape(inputShape))")
        }
        self.numUnits = numUnits
        self.numLeadingAxes = lead
        self.nonlinearity = nonlinearity
        super.init(inputShapes: [inputShape], name: name)
        self.W = try addParam(W, shape: [try checkedCount(trailing.map { $0! }), numUnits], name: "W")
        if let b { self.b = try addParam(b, shape: [numUnits], name: "b", tags: ["trainable"]) }
    }

    public override var outputShape: [Int?] { Array(inputShapes[0].prefix(numLeadingAxes)) + [numUnits] }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        Array(shapes[0].prefix(numLeadingAxes)) + [numUnits]
    }

    /// Drops the bias (`batch_norm` replaces it with the normalization's beta).
    public func removeBias() throws {
        guard let b else { return }
        if let i = params.firstIndex(where: { $0.value === b }) { try removeParam(at: i) }
        self.b = nil
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkInputs(inputs)
        var x = inputs[0]
        if x.rank > numLeadingAxes + 1 { x = try T.flatten(x, ndim: numLeadingAxes + 1) }
        var a = try T.dot(x, W.node)
        if let b { a = try T.add(a, b.node) }
        return try nonlinearity.apply(a)
    }

    public override var attributes: [String] {
        ["num_units=\(numUnits)", "nonlinearity=\(nonlinearity.name)"] + (numLeadingAxes != 1 ? ["num_leading_axes=\(numLeadingAxes)"] : [])
            + (b == nil ? ["b=None"] : [])
    }
}

/// Applies a nonlinearity; the shape is unchanged.
public final class NonlinearityLayer: Layer {
    public var nonlinearity: Nonlinearity
    public init(inputShape: [Int?], nonlinearity: Nonlinearity = .rectify, name: String? = nil) {
        self.nonlinearity = nonlinearity
        super.init(inputShapes: [inputShape], name: name)
    }
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkInputs(inputs)
        return try nonlinearity.apply(inputs[0])
    }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[0] }
    public override var attributes: [String] { ["nonlinearity=\(nonlinearity.name)"] }
}

public extension DenseLayer {
    /// A DenseLayer fed by `incoming` (the usual way to build a network in Swift).
    convenience init(_ incoming: Layer, numUnits: Int, W: ParamSpec = .initializer(.glorotUniform(gain: 1)),
                     b: ParamSpec? = .initializer(.constant(0)), nonlinearity: Nonlinearity = .rectify,
                     numLeadingAxes: Int = 1, name: String? = nil) throws {
        try self.init(inputShape: incoming.outputShape, numUnits: numUnits, W: W, b: b, nonlinearity: nonlinearity,
                      numLeadingAxes: numLeadingAxes, name: name)
        try setIncoming([incoming])
    }
}

public extension NonlinearityLayer {
    convenience init(_ incoming: Layer, nonlinearity: Nonlinearity = .rectify, name: String? = nil) throws {
        self.init(inputShape: incoming.outputShape, nonlinearity: nonlinearity, name: name)
        try setIncoming([incoming])
    }
}
