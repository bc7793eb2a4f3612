/// A symbolic expression: an op applied to input nodes, with its dtype and static shape.
///
/// Static shapes may have unknown dimensions (`nil`), e.g. the batch axis of `T.matrix()`; a compiled
/// function specialises on concrete shapes. Nodes are immutable once built, so graphs can be shared freely.
public final class Node: CustomStringConvertible, @unchecked Sendable {
    public let op: any Op
    public let inputs: [Node]
    public let dtype: DType
    public let shape: [Int?]
    public var name: String?
    /// Creation order; also a stable identity for sorting and hashing.
    public let id: Int

    nonisolated(unsafe) static var counter = 0
    static let counterLock = Lock()

    init(op: any Op, inputs: [Node], dtype: DType, shape: [Int?], name: String? = nil) {
        self.op = op
        self.inputs = inputs
        self.dtype = dtype
        self.shape = shape
        self.name = name
        id = Node.counterLock.locked { Node.counter += 1; return Node.counter }
    }

    /// Builds `op(inputs)`, inferring dtype and static shape; throws with the op's name and the input shapes on mismatch.
    public static func make(_ op: any Op, _ inputs: [Node], name: String? = nil) throws -> Node {
        let (dtype, shape) = try op.infer(inputs)
        do { try checkStaticShape(shape) } catch let e as AgentNetError {
            throw AgentNetError(e.kind, "\(op.name): \(e.message) (inputs \(inputs.map { formatShape($0.shape) }.joined(separator: ", ")))")
        }
        return Node(op: op, inputs: inputs, dtype: dtype, shape: shape, name: name)
    }

    public var rank: Int { shape.count }

    public var description: String {
        if let name { return name }
        return "\(op.name)(" + inputs.map(\.description).joined(separator: ", ") + ")"
    }
}

extension Node: Hashable {
    public static func == (a: Node, b: Node) -> Bool { a === b }
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// A persistent value (parameter, optimizer state) that compiled functions read and update in place.
public final class SharedValue: @unchecked Sendable {
    public let name: String?
    public let dtype: DType
    /// Rank is fixed at creation, as in Theano; `set` may change the dimensions.
    public let rank: Int
    var tensor: Tensor
    /// The graph leaf that reads this value.
    public private(set) lazy var node: Node = Node(
        op: SharedOp(value: self), inputs: [], dtype: dtype, shape: Array(repeating: nil, count: rank), name: name)

    public init(_ value: Tensor, name: String? = nil) {
        tensor = value.copy()
        dtype = value.dtype
        rank = value.rank
        self.name = name
    }

    /// A copy of the current value.
    public var value: Tensor { Engine.lock.locked { tensor.copy() } }

    public var shape: [Int] { Engine.lock.locked { tensor.shape } }

    /// Replaces the value. Same shape: copied into the existing storage, so compiled plans stay valid.
    public func set(_ value: Tensor) throws {
        guard value.dtype == dtype else {
            throw AgentNetError.dtype("shared \(name ?? "value") is \(dtype); cannot set a \(value.dtype) value")
        }
        guard value.rank == rank else {
            throw AgentNetError.shape("shared \(name ?? "value") has rank \(rank); cannot set a value of shape \(formatShape(value.shape))")
        }
        Engine.lock.locked {
            if value.shape == tensor.shape {
                tensor.storage.raw.copyMemory(from: value.storage.raw, byteCount: value.count * dtype.size)
            } else {
                tensor = value.copy()
            }
        }
    }
}

/// Engine-wide state: one lock serialises compiled-function calls and shared-value access,
/// so several threads may call functions at once without racing on parameters.
public enum Engine {
    public static let lock = Lock(recursive: true)

    /// OpenBLAS starts with one thread per core; the small products RL networks use run fastest (and most
    /// predictably next to numpy's own pool) on one. `setBLASThreads` raises it for large models.
    static let configured: Bool = {
        setBLASThreads(1)
        return true
    }()
}
