/// Build-time callbacks into the host language (Python): a user's own layer, `ExpressionLayer`, a Python
/// nonlinearity, and later a Python environment, are engine objects that ask the host for their piece of graph
/// while the engine builds one. The host answers with engine nodes; nothing calls back while a compiled
/// function runs, because callbacks happen only in graph building (`getOutput`, shape queries).

/// What the engine asks the host for. The host looks up its object by `key` and answers.
public enum HostRequestKind: Int32, Sendable {
    /// A layer's outputs for input expressions (`get_output_for`); options JSON = getOutput's options.
    case output = 1
    /// A layer's output shape for input shapes; JSON `{"input_shapes": [[...]]}`, reply JSON `[shape, ...]`.
    case outputShape = 2
    /// A callable applied to expressions (a Python nonlinearity); replies with expressions.
    case apply = 3
    /// The engine no longer holds the object (sent from the holder's deinit; no reply).
    case release = 4
}

/// The host side of the callbacks: installed once by the binding (Python's ctypes callback, or a Swift test).
public protocol HostHandler: AnyObject {
    /// Answers `kind` for the host object `key`: expressions, plus a JSON reply for shape requests.
    func handle(_ kind: HostRequestKind, key: Int64, options: JSON, nodes: [Node]) throws -> (nodes: [Node], json: JSON)
}

public enum Host {
    nonisolated(unsafe) public static var handler: HostHandler?

    static func handlerOrThrow() throws -> HostHandler {
        guard let h = handler else { throw AgentNetError(.runtime, "no host callback is installed to build a host-defined layer") }
        return h
    }

    /// Expressions from the host for `key`.
    public static func request(_ kind: HostRequestKind, key: Int64, options: JSON, nodes: [Node]) throws -> [Node] {
        try handlerOrThrow().handle(kind, key: key, options: options, nodes: nodes).nodes
    }

    /// A JSON answer from the host for `key`.
    public static func query(_ kind: HostRequestKind, key: Int64, options: JSON) throws -> JSON {
        try handlerOrThrow().handle(kind, key: key, options: options, nodes: []).json
    }
}

/// A host object the engine holds (a Python callable): the host is told when the engine lets go of it.
public final class HostObject: @unchecked Sendable, Equatable {
    public let key: Int64
    public let label: String

    public init(key: Int64, label: String) { (self.key, self.label) = (key, label) }

    deinit { _ = try? Host.handler?.handle(.release, key: key, options: .null, nodes: []) }

    public static func == (a: HostObject, b: HostObject) -> Bool { a === b }
}

/// A layer implemented in the host (a Python `Layer` subclass): the engine knows its incoming layers, shapes
/// and parameters, and asks the host for its outputs (`get_output_for`) while it builds a graph. The host
/// object is referenced weakly by key: if it is gone, building fails with a message naming the layer.
public final class CallbackLayer: Layer {
    public let hostKind: String
    private let declaredOutputShape: [Int?]
    private let declaredDType: DType
    private let declaredOutputCount: Int

    /// `outputShape`/`outputDType` are the host layer's at creation; `outputCount` > 1 for a multi-output layer.
    public init(key: Int64, kind: String, inputShapes: [[Int?]], outputShape: [Int?], outputDType: DType = .float32,
                outputCount: Int = 1, name: String?) throws {
        guard outputCount >= 1 else { throw AgentNetError.invalid("CallbackLayer: output count must be positive, got \(outputCount)") }
        hostKind = kind
        declaredOutputShape = outputShape
        declaredDType = outputDType
        declaredOutputCount = outputCount
        super.init(inputShapes: inputShapes, name: name)
        hostKey = key
    }

    public override var outputShape: [Int?] { declaredOutputShape }
    public override var outputDType: DType { declaredDType }
    public override var outputCount: Int { declaredOutputCount }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        let shapesJSON = JSON.array(shapes.map { .array($0.map { $0.map { .number(Double($0)) } ?? .null }) })
        let reply = try Host.query(.outputShape, key: hostKey, options: .object(["input_shapes": shapesJSON]))
        guard let dims = reply.array?.first?.array, dims.count <= 8 else {
            throw AgentNetError.invalid("\(label): the host returned a malformed output shape \(reply.serialized)")
        }
        return try dims.map { d -> Int? in
            if d.isNull { return nil }
            guard let v = d.int, v >= 0 else { throw AgentNetError.shape("\(label): invalid output dimension \(d.serialized)") }
            return v
        }
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        let out = try Host.request(.output, key: hostKey, options: options.flags, nodes: inputs)
        guard out.count == declaredOutputCount else {
            throw AgentNetError.invalid("\(label): get_output_for returned \(out.count) expressions, expected \(declaredOutputCount)")
        }
        return out
    }

    public override var description: String { "\(hostKind)(host) \(formatShape(outputShape))" }
}
