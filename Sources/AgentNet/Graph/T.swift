/// Theano-like builders: `T.add(x, 1)`, `T.sum(x, axes: [1])`, `T.dot(x, w)`. They promote dtypes as numpy does
/// (bool < int32 < float32), turn Swift numbers into constants, and compose multi-axis and derived ops from primitives.
/// The Python module `agentnet.tensor` maps one-to-one onto these.

/// Anything usable as an operand: a node or a number.
public protocol NodeConvertible { func node() -> Node }
extension Node: NodeConvertible { public func node() -> Node { self } }
extension Float: NodeConvertible { public func node() -> Node { Node.scalar(self) } }
extension Double: NodeConvertible { public func node() -> Node { Node.scalar(Float(self)) } }
extension Int: NodeConvertible { public func node() -> Node { Node.intScalar(self) } }

public enum T {
    static func rankOf(_ d: DType) -> Int { d == .bool ? 0 : (d == .int32 ? 1 : 2) }

    /// Casts two operands to their common dtype; `arith` lifts bool to int32 (numpy's `True + True == 2`).
    static func promote(_ a: Node, _ b: Node, arith: Bool) throws -> (Node, Node) {
        var d = rankOf(a.dtype) >= rankOf(b.dtype) ? a.dtype : b.dtype
        if arith && d == .bool { d = .int32 }
        return (try cast(a, d), try cast(b, d))
    }

    static func binary(_ kind: BinaryKind, _ a: NodeConvertible, _ b: NodeConvertible) throws -> Node {
        let arith = !(kind.isComparison || kind.isLogical)
        var (x, y) = try promote(a.node(), b.node(), arith: arith)
        if kind == .div || kind == .pow { (x, y) = (try cast(x, .float32), try cast(y, .float32)) }
        // A constant exponent that broadcasts to x's shape: products, sqrt or a reciprocal instead of libm pow.
        if kind == .pow, let e = y.constantValue, e.count == 1, y.rank <= x.rank, let r = try powConstant(x, e.floats[0]) {
            return r
        }
        return try Node.make(BinaryOp(kind: kind), [x, y])
    }

    static func unary(_ kind: UnaryKind, _ x: NodeConvertible) throws -> Node {
        var n = x.node()
        if !kind.keepsDtype && kind != .invert { n = try cast(n, .float32) }
        if kind.keepsDtype && kind != .invert && n.dtype == .bool { n = try cast(n, .int32) }
        return try Node.make(UnaryOp(kind: kind), [n])
    }

    // MARK: Elementwise
    public static func add(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.add, a, b) }
    public static func sub(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.sub, a, b) }
    public static func mul(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.mul, a, b) }
    public static func div(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.div, a, b) }
    public static func pow(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.pow, a, b) }
    public static func maximum(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.maximum, a, b) }
    public static func minimum(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.minimum, a, b) }
    public static func mod(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.mod, a, b) }
    public static func floordiv(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.floordiv, a, b) }
    public static func eq(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.eq, a, b) }
    public static func neq(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.neq, a, b) }
    public static func lt(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.lt, a, b) }
    public static func le(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.le, a, b) }
    public static func gt(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.gt, a, b) }
    public static func ge(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.ge, a, b) }
    public static func and(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.and, a, b) }
    public static func or(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.or, a, b) }
    public static func xor(_ a: NodeConvertible, _ b: NodeConvertible) throws -> Node { try binary(.xor, a, b) }

    public static func neg(_ x: NodeConvertible) throws -> Node { try unary(.neg, x) }
    public static func abs(_ x: NodeConvertible) throws -> Node { try unary(.abs, x) }
    public static func sign(_ x: NodeConvertible) throws -> Node { try unary(.sign, x) }
    public static func square(_ x: NodeConvertible) throws -> Node { try unary(.square, x) }
    public static func relu(_ x: NodeConvertible) throws -> Node { try unary(.relu, x) }
    public static func invert(_ x: NodeConvertible) throws -> Node { try unary(.invert, x) }
    public static func exp(_ x: NodeConvertible) throws -> Node { try unary(.exp, x) }
    public static func log(_ x: NodeConvertible) throws -> Node { try unary(.log, x) }
    public static func log1p(_ x: NodeConvertible) throws -> Node { try unary(.log1p, x) }
    public static func sqrt(_ x: NodeConvertible) throws -> Node { try unary(.sqrt, x) }
    public static func tanh(_ x: NodeConvertible) throws -> Node { try unary(.tanh, x) }
    public static func sigmoid(_ x: NodeConvertible) throws -> Node { try unary(.sigmoid, x) }
    public static func softplus(_ x: NodeConvertible) throws -> Node { try unary(.softplus, x) }
    public static func elu(_ x: NodeConvertible) throws -> Node { try unary(.elu, x) }
    public static func sin(_ x: NodeConvertible) throws -> Node { try unary(.sin, x) }
    public static func cos(_ x: NodeConvertible) throws -> Node { try unary(.cos, x) }

    public static func where_(_ c: NodeConvertible, _ a: NodeConvertible, _ b: NodeConvertible) throws -> Node {
        let (x, y) = try promote(a.node(), b.node(), arith: false)
        return try Node.make(WhereOp(), [try cast(c.node(), .bool), x, y])
    }

    public static func cast(_ x: NodeConvertible, _ to: DType) throws -> Node {
        let n = x.node()
        if n.dtype == to { return n }
        if let c = n.constantValue, c.count == 1 {
            let v = c.scalars[0]
            switch to {
            case .float32: return Node.scalar(v).reshapedConstant(c.shape)
            case .int32: return Node.constant(try Tensor([saturatingInt32(v)], shape: c.shape))
            case .bool: break
            }
        }
        return try Node.make(CastOp(to: to), [n])
    }

    /// `clip(x, lo, hi)`; the gradient flows where `lo <= x <= hi` (Theano's convention).
    public static func clip(_ x: NodeConvertible, _ lo: NodeConvertible, _ hi: NodeConvertible) throws -> Node {
        let n = x.node()
        return try where_(lt(n, lo), lo, where_(gt(n, hi), hi, n))
    }

    // MARK: Shapes
    public static func shape(_ x: Node) throws -> Node { try Node.make(ShapeOp(), [x]) }
    public static func index(_ v: Node, _ i: Int) throws -> Node { try Node.make(SliceOp(items: [.index(i)]), [v]) }

    public static func reshape(_ x: Node, _ shape: NodeConvertible) throws -> Node {
        try Node.make(ReshapeOp(), [x, try cast(shape.node(), .int32)])
    }
    public static func reshape(_ x: Node, _ dims: [Int]) throws -> Node {
        guard dims.count <= maxRank else {
            throw AgentNetError.shape("reshape: target shape \(formatShape(dims)) has rank \(dims.count); the most the engine supports is \(maxRank)")
        }
        for d in dims where d < -1 || d > Int(Int32.max) {
            throw AgentNetError.shape("reshape: dimension \(d) of target shape \(formatShape(dims)) is out of range (-1 or 0...\(Int32.max))")
        }
        return try reshape(x, Node.ints(dims))
    }

    /// Checks a caller count that becomes a dimension: `0...Int32.max`, and the product with `dim` (a static
    /// dimension it multiplies, if known) too, since shapes are int32 vectors.
    static func checkedDimension(_ op: String, _ what: String, _ v: Int, times dim: Int? = nil) throws {
        guard v >= 0 else { throw AgentNetError.invalid("\(op): \(what) \(v) is negative") }
        let (p, overflow) = v.multipliedReportingOverflow(by: dim ?? 1)
        guard v <= Int(Int32.max), !overflow, p <= Int(Int32.max) else {
            throw AgentNetError.invalid("\(op): \(what) \(v) makes a dimension of \(overflow ? "more than 2^63" : String(p)), above the limit \(Int32.max)")
        }
    }

    public static func dimshuffle(_ x: Node, _ pattern: [Int]) throws -> Node {
        if pattern == Array(0..<x.rank) { return x }
        return try Node.make(DimshuffleOp(pattern: pattern), [x])
    }
    public static func expandDims(_ x: Node, _ axis: Int) throws -> Node {
        var p = Array(0..<x.rank)
        p.insert(-1, at: axis)
        return try dimshuffle(x, p)
    }
    public static func transpose(_ x: Node, _ axes: [Int]? = nil) throws -> Node {
        try dimshuffle(x, axes ?? Array((0..<x.rank).reversed()))
    }
    /// Theano's `flatten(x, ndim)`: keeps the first `ndim - 1` axes and merges the rest.
    public static func flatten(_ x: Node, ndim: Int = 1) throws -> Node {
        guard ndim >= 1, ndim <= Swift.max(x.rank, 1) else { throw AgentNetError.invalid("flatten: ndim \(ndim) is out of range for rank \(x.rank)") }
        let s = try shape(x)
        let lead = try (0..<(ndim - 1)).map { try index(s, $0) }
        return try reshape(x, stackInts(lead + [Node.intScalar(-1)]))
    }
    /// Stacks int scalar nodes into a vector (for shapes built from pieces of other shapes).
    public static func stackInts(_ parts: [Node]) throws -> Node {
        try concatenate(parts.map { try reshape(cast($0, .int32), [1]) }, axis: 0)
    }

    public static func broadcastLike(_ x: Node, _ like: Node) throws -> Node { try Node.make(BroadcastLikeOp(), [x, like]) }
    public static func broadcastTo(_ x: Node, _ shape: Node) throws -> Node { try Node.make(BroadcastLikeOp(toShape: true), [x, shape]) }
    public static func sumLike(_ g: Node, _ like: Node) throws -> Node {
        if g.shape == like.shape && !g.shape.contains(where: { $0 == nil }) { return g }
        return try Node.make(SumLikeOp(), [g, like])
    }

    public static func alloc(_ value: NodeConvertible, _ shape: Node) throws -> Node {
        try Node.make(AllocOp(), [value.node(), try cast(shape, .int32)])
    }
    public static func zerosLike(_ x: Node) throws -> Node { try alloc(cast(0, x.dtype), shape(x)) }
    public static func onesLike(_ x: Node) throws -> Node { try alloc(cast(1, x.dtype), shape(x)) }

    public static func concatenate(_ xs: [Node], axis: Int = 0) throws -> Node {
        guard let first = xs.first else { throw AgentNetError.invalid("concatenate: need at least one input") }
        let a = try normAxis(axis, first.rank)
        let d = xs.map(\.dtype).max { rankOf($0) < rankOf($1) }!
        return try Node.make(ConcatOp(axis: a), xs.map { try cast($0, d) })
    }
    public static func stack(_ xs: [Node], axis: Int = 0) throws -> Node {
        guard let first = xs.first else { throw AgentNetError.invalid("stack: need at least one input") }
        let a = try normAxis(axis, first.rank + 1)
        return try concatenate(xs.map { try expandDims($0, a) }, axis: a)
    }

    /// numpy's `repeat(x, n, axis)` for a scalar count.
    public static func repeat_(_ x: Node, _ n: Int, axis: Int) throws -> Node {
        guard x.rank > 0 else { throw AgentNetError.shape("repeat: axis \(axis) is out of range for a scalar (rank 0)") }
        let a = try normAxis(axis, x.rank)
        try checkedDimension("repeat", "repeats", n, times: x.shape[a])
        let s = try shape(x)
        let dims = try (0..<x.rank).map { try index(s, $0) }
        var target = dims
        target.insert(Node.intScalar(n), at: a + 1)
        let b = try broadcastTo(expandDims(x, a + 1), stackInts(target))
        var merged = dims
        merged[a] = try mul(dims[a], n)
        return try reshape(b, stackInts(merged))
    }

    /// numpy's `tile(x, reps)`.
    public static func tile(_ x: Node, _ reps: [Int]) throws -> Node {
        let k = Swift.max(reps.count, x.rank)
        guard 2 * k <= maxRank else {
            throw AgentNetError.shape("tile: \(k) axes need an intermediate of rank \(2 * k); the most the engine supports is \(maxRank)")
        }
        let reps = Array(repeating: 1, count: k - reps.count) + reps
        let known = Array(repeating: Optional(1), count: k - x.rank) + x.shape
        for (r, d) in zip(reps, known) { try checkedDimension("tile", "reps entry", r, times: d) }
        var y = x
        for _ in 0..<(k - x.rank) { y = try expandDims(y, 0) }
        let s = try shape(y)
        let dims = try (0..<k).map { try index(s, $0) }
        let pattern = (0..<k).flatMap { [-1, $0] }
        let target = try stackInts((0..<k).flatMap { [Node.intScalar(reps[$0]), dims[$0]] })
        let b = try broadcastTo(dimshuffle(y, pattern), target)
        return try reshape(b, stackInts((0..<k).map { try mul(dims[$0], reps[$0]) }))
    }

    public static func normAxis(_ axis: Int, _ rank: Int) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < Swift.max(rank, 1) || (rank == 0 && a == 0) else {
            throw AgentNetError.shape("axis \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    // MARK: Reductions
    /// Reduces over `axes` (all axes when nil), highest axis first so lower axis numbers stay valid.
    public static func reduce(_ kind: ReduceKind, _ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node {
        var n = x.node()
        if kind == .sum || kind == .prod, n.dtype == .bool { n = try cast(n, .int32) }
        if n.rank == 0 { return kind == .mean ? try cast(n, .float32) : n }
        let list = try (axes ?? Array(0..<n.rank)).map { try normAxis($0, n.rank) }
        guard Set(list).count == list.count else { throw AgentNetError.invalid("\(kind.rawValue): duplicate axes \(list)") }
        for a in list.sorted(by: >) { n = try Node.make(ReduceOp(kind: kind, axis: a, keepdims: keepdims), [n]) }
        return n
    }
    public static func sum(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node { try reduce(.sum, x, axes: axes, keepdims: keepdims) }
    public static func mean(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node { try reduce(.mean, x, axes: axes, keepdims: keepdims) }
    public static func max(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node { try reduce(.max, x, axes: axes, keepdims: keepdims) }
    public static func min(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node { try reduce(.min, x, axes: axes, keepdims: keepdims) }
    public static func prod(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node { try reduce(.prod, x, axes: axes, keepdims: keepdims) }

    public static func variance(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node {
        let n = try cast(x.node(), .float32)
        return try mean(square(sub(n, mean(n, axes: axes, keepdims: true))), axes: axes, keepdims: keepdims)
    }
    public static func std(_ x: NodeConvertible, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node {
        try sqrt(variance(x, axes: axes, keepdims: keepdims))
    }

    /// `argmax` along one axis, or over the flattened tensor when `axis` is nil.
    public static func argmax(_ x: Node, axis: Int? = nil, keepdims: Bool = false) throws -> Node { try arg(true, x, axis, keepdims) }
    public static func argmin(_ x: Node, axis: Int? = nil, keepdims: Bool = false) throws -> Node { try arg(false, x, axis, keepdims) }
    static func arg(_ isMax: Bool, _ x: Node, _ axis: Int?, _ keepdims: Bool) throws -> Node {
        guard let axis else { return try Node.make(ArgReduceOp(isMax: isMax, axis: 0, keepdims: false), [reshape(x, [-1])]) }
        return try Node.make(ArgReduceOp(isMax: isMax, axis: normAxis(axis, x.rank), keepdims: keepdims), [x])
    }

    // MARK: Products, softmax
    /// numpy-style `dot`: vectors are promoted to matrices and the added axis removed afterwards.
    public static func dot(_ a: Node, _ b: Node) throws -> Node {
        let a2 = a.rank == 1 ? try expandDims(a, 0) : a
        let b2 = b.rank == 1 ? try expandDims(b, 1) : b
        guard b2.rank == 2 else { throw AgentNetError.shape("dot: the second operand must be a vector or a matrix, got shape \(formatShape(b.shape)); use batched_dot") }
        var out = try Node.make(MatMulOp(transA: false, transB: false, batched: false), [try cast(a2, .float32), try cast(b2, .float32)])
        if b.rank == 1 { out = try dimshuffle(out, Array(0..<(out.rank - 1))) }
        if a.rank == 1 { out = try dimshuffle(out, Array(1..<out.rank)) }
        return out
    }
    public static func batchedDot(_ a: Node, _ b: Node) throws -> Node {
        try Node.make(MatMulOp(transA: false, transB: false, batched: true), [a, b])
    }

    public static func softmax(_ x: Node, axis: Int = -1) throws -> Node {
        let a = try normAxis(axis, x.rank)
        let e = try exp(sub(x, stopGradient(max(x, axes: [a], keepdims: true))))
        return try div(e, sum(e, axes: [a], keepdims: true))
    }
    public static func logSoftmax(_ x: Node, axis: Int = -1) throws -> Node {
        let a = try normAxis(axis, x.rank)
        let shifted = try sub(x, stopGradient(max(x, axes: [a], keepdims: true)))
        return try sub(shifted, log(sum(exp(shifted), axes: [a], keepdims: true)))
    }
    public static func logsumexp(_ x: Node, axes: [Int]? = nil, keepdims: Bool = false) throws -> Node {
        let m = try stopGradient(max(x, axes: axes, keepdims: true))
        let r = try add(m, log(sum(exp(sub(x, m)), axes: axes, keepdims: true)))
        if keepdims { return r }
        let list = try (axes ?? Array(0..<x.rank)).map { try normAxis($0, x.rank) }
        return try dimshuffle(r, (0..<x.rank).filter { !list.contains($0) })
    }

    // MARK: Gradient control
    public static func stopGradient(_ x: Node) throws -> Node { try Node.make(StopGradientOp(), [x]) }
    public static func gradClip(_ x: Node, _ lower: Float, _ upper: Float) throws -> Node {
        try Node.make(GradClipOp(lower: lower, upper: upper), [x])
    }
}

extension Node {
    func reshapedConstant(_ shape: [Int]) -> Node {
        guard let c = constantValue, shape != c.shape else { return self }
        let t = Tensor(small: .float32, shape: shape)
        for (i, v) in c.scalars.prefix(t.count).enumerated() { t.floats[i] = v }
        return Node.constant(t)
    }
}
