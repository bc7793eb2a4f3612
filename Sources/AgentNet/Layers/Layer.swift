/// Lasagne's layer contract in the engine: a layer knows its input shapes, owns tagged parameters
/// (shared values) and builds its output from input expressions. Convolutions, recurrent cells and
/// user-defined Python layers all fit the same three members: `params`, `outputShape`, `output(for:)`.

/// A parameter with Lasagne's tags (`trainable`, `regularizable`, or a user's own).
public struct LayerParam {
    public let value: SharedValue
    public let name: String
    public var tags: Set<String>
}

/// Options that change a layer's output, e.g. `deterministic` turns dropout and noise off.
public struct LayerOptions {
    public var deterministic = false
    public init(deterministic: Bool = false) { self.deterministic = deterministic }
}

open class Layer: CustomStringConvertible {
    public let name: String?
    /// Shapes of the incoming values, `[batch, ...]` with `nil` for unknown dimensions.
    public let inputShapes: [[Int?]]
    public private(set) var params: [LayerParam] = []

    public init(inputShapes: [[Int?]], name: String?) {
        self.inputShapes = inputShapes
        self.name = name
    }

    /// The shape of `output(for:)` given `inputShapes`.
    open var outputShape: [Int?] { inputShapes[0] }

    /// The layer's expression for the given input expressions.
    open func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkInputs(inputs)
        return inputs[0]
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

    public var kind: String { String(describing: type(of: self)) }

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
