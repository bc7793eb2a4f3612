/// `InputLayer`, `DenseLayer` and `NonlinearityLayer` with Lasagne's parameters and defaults.

/// Marks where values enter a layer graph; its output is whatever expression is bound to it.
public final class InputLayer: Layer {
    public init(shape: [Int?], name: String? = nil) { super.init(inputShapes: [shape], name: name) }
    public override var attributes: [String] { [] }
}

/// Elementwise (or, for softmax, row-wise) activation functions by Lasagne's names.
public enum Nonlinearity: Sendable, Equatable {
    case linear, sigmoid, tanh, rectify, softmax, elu, softplus
    case leakyRectify(Float)

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
        }
    }

    public var name: String {
        if case .leakyRectify = self { return "leaky_rectify" }
        return "\(self)"
    }
}

/// `nonlinearity(dot(flatten(input), W) + b)`: input `[lead..., trailing...]` with `numLeadingAxes` lead axes,
/// `W` of shape `[prod(trailing), numUnits]`, output `[lead..., numUnits]`.
public final class DenseLayer: Layer {
    public let numUnits: Int
    public let numLeadingAxes: Int
    public let nonlinearity: Nonlinearity
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
    }
}

/// Applies a nonlinearity; the shape is unchanged.
public final class NonlinearityLayer: Layer {
    public let nonlinearity: Nonlinearity
    public init(inputShape: [Int?], nonlinearity: Nonlinearity = .rectify, name: String? = nil) {
        self.nonlinearity = nonlinearity
        super.init(inputShapes: [inputShape], name: name)
    }
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkInputs(inputs)
        return try nonlinearity.apply(inputs[0])
    }
    public override var attributes: [String] { ["nonlinearity=\(nonlinearity.name)"] }
}
