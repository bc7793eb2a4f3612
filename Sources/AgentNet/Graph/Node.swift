/// A symbolic expression: an op applied to input nodes, with its dtype and static shape.
///
/// Static shapes may have unknown dimensions (`nil`), e.g. the batch axis of `T.matrix()`; a compiled
/// function specialises on concrete shapes. Nodes are immutable once built, so graphs can be shared freely.
public final class Node: CustomStringConvertible, @unchecked Sendable {
    public let op: any Op
    public let inputs: [Node]
    public let dtype: DType
    public let shape: [Int?]
    /// Display name; settable from any thread (`agn_node_set_name`) while others print the graph.
    public var name: String? {
        get { Node.nameLock.locked { storedName } }
        set { Node.nameLock.locked { storedName = newValue } }
    }
    private var storedName: String?
    /// Creation order; also a stable identity for sorting and hashing.
    public let id: Int

    nonisolated(unsafe) private static var counter = 0
    private static let counterLock = Lock()
    private static let nameLock = Lock()

    /// The next creation id, shared by nodes and shared values (thread-safe).
    static func nextID() -> Int { counterLock.locked { counter += 1; return counter } }

    init(op: any Op, inputs: [Node], dtype: DType, shape: [Int?], name: String? = nil) {
        self.op = op
        self.inputs = inputs
        self.dtype = dtype
        self.shape = shape
        storedName = name
        id = Node.nextID()
    }

    /// Builds `op(inputs)`, inferring dtype and static shape; throws with the op's name and the input shapes on mismatch.
    public static func make(_ op: any Op, _ inputs: [Node], name: String? = nil) throws -> Node {
        if name == nil, let slice = op as? SliceOp, let parts = try slice.partsOfConcatenation(inputs[0]) { return parts }
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

