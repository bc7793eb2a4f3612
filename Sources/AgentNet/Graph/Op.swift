/// A compiled kernel: runs one node with its buffers bound at plan time.
public typealias Kernel = () throws -> Void

/// What an op sees when a plan is built: the concrete shapes of its inputs and, for inputs listed in
/// `staticInputs` (shape arguments such as a reshape target), their values.
public struct ShapeContext {
    public let node: Node
    public let shapes: [[Int]]
    public let values: [Tensor?]

    /// The value of a static input as integers (e.g. a target shape).
    public func ints(_ i: Int) throws -> [Int] {
        guard let v = values[i] else {
            throw AgentNetError.invalid("\(node.op.name): input \(i) must be computable from shapes and constants when the function is compiled")
        }
        switch v.dtype {
        case .int32: return (0..<v.count).map { Int(v.ints[$0]) }
        case .bool: return (0..<v.count).map { Int(v.bytes[$0]) }
        case .float32:
            return try (0..<v.count).map {
                let f = v.floats[$0]
                guard f.isFinite, f == f.rounded(), abs(f) < 9.0e15 else { throw AgentNetError.invalid("\(node.op.name): expected integers, got \(f)") }
                return Int(f)
            }
        }
    }

    public func scalar(_ i: Int) throws -> Double {
        guard let v = values[i], v.count == 1 else {
            throw AgentNetError.invalid("\(node.op.name): input \(i) must be a scalar known when the function is compiled")
        }
        return Double(v.scalars[0])
    }
}

/// An operation in the symbolic graph: forward rule (shape inference + kernel) and gradient rule side by side.
public protocol Op {
    /// The name users see in reprs and error messages (`add`, `dot`, `reshape`...).
    var name: String { get }
    /// Output dtype and static shape (unknown dimensions as `nil`); throws on incompatible inputs.
    func infer(_ inputs: [Node]) throws -> (DType, [Int?])
    /// Inputs whose values must be known at compile time (shape arguments).
    var staticInputs: [Int] { get }
    /// Concrete output shape for concrete input shapes.
    func shape(_ ctx: ShapeContext) throws -> [Int]
    /// True when the output is input 0's buffer seen with another shape (reshape, dimshuffle...): no copy, no kernel.
    var aliasesInput: Bool { get }
    /// True when, for these concrete input shapes and output shape, the output can share input 0's buffer
    /// (default `aliasesInput`; `sum_like` of an unbroadcast gradient is the gradient itself).
    func aliases(_ shapes: [[Int]], _ out: [Int]) -> Bool
    /// False for ops whose value changes between calls (random draws), which must never be folded into constants.
    var isFoldable: Bool { get }
    /// Builds the kernel that computes `output` from `inputs`; buffers are fixed for the plan's lifetime.
    func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel
    /// Gradients with respect to each input given the gradient `g` of the output (`nil`: no gradient flows there).
    func gradient(_ node: Node, _ g: Node) throws -> [Node?]
    /// Attributes for reprs (e.g. `axis=1`).
    var attributes: String { get }
}

public extension Op {
    var staticInputs: [Int] { [] }
    var aliasesInput: Bool { false }
    func aliases(_ shapes: [[Int]], _ out: [Int]) -> Bool { aliasesInput }
    var isFoldable: Bool { true }
    var attributes: String { "" }
    func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        throw NoGradient(op: name)
    }
}

/// Thrown by ops without a gradient rule (argmax, comparisons, integer ops).
public struct NoGradient: Error { public let op: String }

// MARK: - Leaves

/// A function argument (`T.matrix("x")`).
public struct InputOp: Op {
    public var name: String { "input" }
    public let dtype: DType
    public let staticShape: [Int?]
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (dtype, staticShape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        throw AgentNetError.invalid("input \(ctx.node) has no value: pass it in the function's inputs")
    }
    public var isFoldable: Bool { false }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { {} }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [] }
}

/// Reads a shared value.
public struct SharedOp: Op {
    public let value: SharedValue
    public var name: String { "shared" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (value.dtype, Array(repeating: nil, count: value.rank)) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { value.tensor.shape }
    public var isFoldable: Bool { false }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { {} }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [] }
}

/// A constant folded into the graph.
public struct ConstantOp: Op {
    public let value: Tensor
    public var name: String { "constant" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (value.dtype, value.shape.map { Optional($0) }) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { value.shape }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let v = value
        return { output.storage.raw.copyMemory(from: v.storage.raw, byteCount: v.count * v.dtype.size) }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [] }
    public var attributes: String { value.count == 1 ? "\(value.scalars[0])" : formatShape(value.shape) }
}

public extension Node {
    /// A symbolic input with a name, dtype and static shape (`nil` for unknown dimensions).
    static func input(_ name: String?, dtype: DType = .float32, shape: [Int?]) -> Node {
        Node(op: InputOp(dtype: dtype, staticShape: shape), inputs: [], dtype: dtype, shape: shape, name: name)
    }

    static func constant(_ value: Tensor) -> Node {
        Node(op: ConstantOp(value: value), inputs: [], dtype: value.dtype, shape: value.shape.map { Optional($0) })
    }

    static func scalar(_ v: Float) -> Node { constant(Tensor(scalar: v)) }

    /// An int32 scalar constant. For engine-made values (axis numbers, -1); caller numbers are range-checked first
    /// (`T.checkedDimension`), so the truncation never changes a value.
    static func intScalar(_ v: Int) -> Node { ints([v], shape: []) }

    /// An int32 vector constant (shape literals); values are range-checked by the callers that take them from users.
    static func ints(_ v: [Int]) -> Node { ints(v, shape: [v.count]) }

    private static func ints(_ v: [Int], shape: [Int]) -> Node {
        let t = Tensor(small: .int32, shape: shape)
        for (i, x) in v.enumerated() { t.ints[i] = Int32(truncatingIfNeeded: x) }
        return constant(t)
    }

    var isInput: Bool { op is InputOp }
    var sharedValue: SharedValue? { (op as? SharedOp)?.value }
    var constantValue: Tensor? { (op as? ConstantOp)?.value }
}
