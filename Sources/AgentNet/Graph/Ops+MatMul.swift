/// Matrix products through `sgemm` (OpenBLAS's `cblas_sgemm`, Platform/BLAS.swift).
///
/// Plain mode: each operand is viewed as 2-D by flattening its leading axes (`[..., K]` → `[M, K]`), so `dot` of a
/// `[batch, tick, features]` tensor with a `[features, units]` matrix is one gemm. Output shape:
/// `(transA ? [a.last] : a.leading) + (transB ? b.leading : [b.last])`.
/// Batched mode: `[B, M, K] × [B, K, N] → [B, M, N]`, one gemm per batch entry.
public struct MatMulOp: Op {
    public let transA: Bool, transB: Bool, batched: Bool
    public var name: String { batched ? "batched_dot" : "dot" }
    public var attributes: String { (transA ? "Aᵀ" : "A") + (transB ? "Bᵀ" : "B") }

    func dims(_ a: [Int?], _ b: [Int?]) -> (out: [Int?], k1: Int?, k2: Int?) {
        if batched {
            let m = transA ? a[2] : a[1], k1 = transA ? a[1] : a[2]
            let k2 = transB ? b[2] : b[1], n = transB ? b[1] : b[2]
            return ([a[0] ?? b[0], m, n], k1, k2)
        }
        func prod(_ s: ArraySlice<Int?>) -> Int? { s.reduce(Optional(1)) { acc, d in acc.flatMap { a in d.map { a * $0 } } } }
        let lead: [Int?] = transA ? [a.last!] : Array(a.dropLast())
        let trail: [Int?] = transB ? Array(b.dropLast()) : [b.last!]
        let k1 = transA ? prod(a.dropLast()[...]) : a.last!
        let k2 = transB ? b.last! : prod(b.dropLast()[...])
        return (lead + trail, k1, k2)
    }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let a = inputs[0], b = inputs[1]
        guard a.dtype == .float32, b.dtype == .float32 else {
            throw AgentNetError.dtype("\(name): operands must be float32, got \(a.dtype) and \(b.dtype)")
        }
        if batched {
            guard a.rank == 3, b.rank == 3 else {
                throw AgentNetError.shape("batched_dot: expected two rank-3 operands, got \(formatShape(a.shape)) and \(formatShape(b.shape))")
            }
        } else {
            guard a.rank >= 1, b.rank >= 1 else { throw AgentNetError.shape("dot: scalar operand") }
        }
        let (out, k1, k2) = dims(a.shape, b.shape)
        if let k1, let k2, k1 != k2 {
            throw AgentNetError.shape("\(name): shapes \(formatShape(a.shape)) and \(formatShape(b.shape)) are not aligned (\(k1) != \(k2))")
        }
        if batched, let b1 = a.shape[0], let b2 = b.shape[0], b1 != b2 {
            throw AgentNetError.shape("batched_dot: batch sizes differ in \(formatShape(a.shape)) and \(formatShape(b.shape))")
        }
        return (.float32, out)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let a = ctx.shapes[0], b = ctx.shapes[1]
        let (out, k1, k2) = dims(a.map { $0 }, b.map { $0 })
        guard k1 == k2, !batched || a[0] == b[0] else {
            throw AgentNetError.shape("\(name): shapes \(formatShape(a)) and \(formatShape(b)) are not aligned")
        }
        return out.map { $0! }
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { try kernel(inputs, output, beta: 0) }

    /// `output = rowBias + op(a)·op(b)` for a bias of `n` floats broadcast over the rows: the rows are filled with
    /// the bias and the gemm accumulates (beta = 1), one pass fewer than a separate broadcast add.
    func kernel(_ inputs: [Tensor], _ output: Tensor, rowBias: Tensor) throws -> Kernel {
        let gemm = try kernel(inputs, output, beta: 1)
        let n = output.shape.last ?? 1, rows = output.count / Swift.max(n, 1)
        let c = output.floats, bias = UnsafePointer(rowBias.floats)
        return {
            for r in 0..<rows { (c + r * n).update(from: bias, count: n) }
            try gemm()
        }
    }

    /// `output = beta·output + op(a)·op(b)`: beta 1 accumulates into the buffer (plan-time fusion of
    /// `add(x, dot(a, b))`, PlanFusion.swift), beta 0 overwrites it.
    func kernel(_ inputs: [Tensor], _ output: Tensor, beta: Float) throws -> Kernel {
        let a = inputs[0], b = inputs[1]
        let batches = batched ? a.shape[0] : 1
        // 2-D views (rows, cols) of each operand as stored in memory.
        func view(_ s: [Int]) -> (Int, Int) {
            batched ? (s[1], s[2]) : (s.dropLast().reduce(1, *), s.last!)
        }
        let (ar, ac) = view(a.shape), (br, bc) = view(b.shape)
        let m = try blasSize(transA ? ac : ar, name), k = try blasSize(transA ? ar : ac, name), n = try blasSize(transB ? br : bc, name)
        let pa = a.floats, pb = b.floats, pc = output.floats
        let sa = ar * ac, sb = br * bc, sc = Int(m) * Int(n)
        let lda = try blasSize(max(ac, 1), name), ldb = try blasSize(max(bc, 1), name), ldc = max(n, 1)
        return {
            if m == 0 || n == 0 { return }
            if k == 0 { if beta == 0 { pc.update(repeating: 0, count: sc * batches) }; return }
            for i in 0..<batches {
                sgemm(transA, transB, m, n, k, 1, pa + i * sa, lda, pb + i * sb, ldb, beta, pc + i * sc, ldc)
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let a = node.inputs[0], b = node.inputs[1]
        func mm(_ x: Node, _ y: Node, _ tx: Bool, _ ty: Bool) throws -> Node {
            try Node.make(MatMulOp(transA: tx, transB: ty, batched: batched), [x, y])
        }
        let da = transA ? try mm(b, g, transB, true) : try mm(g, b, false, !transB)
        let db = transB ? try mm(g, a, true, transA) : try mm(a, g, !transA, false)
        if batched { return [da, db] }
        return [try T.reshape(da, T.shape(a)), try T.reshape(db, T.shape(b))]
    }
}
