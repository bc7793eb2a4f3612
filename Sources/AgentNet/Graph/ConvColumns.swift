/// Plan-time sharing of a convolution's im2col columns with the filter gradient of the same input.
///
/// `conv2d(x, w)` and `conv2d_filter_grad(x, g)` (its weight gradient) both expand x into the same `[K, B·P]`
/// columns (`K = C·kh·kw`, `P = oh·ow`). When the plan runs the forward product first, the forward keeps its
/// columns in a buffer of the whole batch and the filter gradient reads them instead of splitting and expanding x
/// again. Only for columns up to `ConvColumns.limit` floats: larger ones (the Atari stack's first 8×8/4 layer,
/// 13 MB) cost more in memory traffic (written back from cache, read again later) than the expansion saves, which
/// measured ~1 ms slower there; the 4×4/2 and 3×3/1 layers (5 and 3.6 MB) gain ~0.5 ms together
/// (benchmarks/bench_recurrent.py).
final class ConvColumns: @unchecked Sendable {
    /// Most floats kept per convolution (8 MB).
    static let limit = 1 << 21
    let buffer: ScratchBuffer
    let B, K, P, kh, kw, chunk: Int

    init(_ d: ConvDims) throws {
        (B, K, P, kh, kw, chunk) = (d.B, d.K, d.P, d.kh, d.kw, d.chunk)
        buffer = try ScratchBuffer(d.K * d.B * d.P)
    }

    /// True when `d` expands the same input into the same columns (callers pair the same x and parameters).
    func fits(_ d: ConvDims) -> Bool {
        d.B == B && d.K == K && d.P == P && d.kh == kh && d.kw == kw && d.chunk == chunk
    }

    /// The `[K, n·P]` columns of the chunk of batch items starting at `b0`.
    @inline(__always)
    func columns(at b0: Int) -> UnsafeMutablePointer<Float> { buffer.p + b0 * K * P }
}

/// Which filter gradients read which convolution's kept columns, and the buffers once kernels are built.
struct ConvColumnSharing {
    /// Filter-gradient node → the earliest convolution of the same input and parameters that precedes it.
    let source: [Node: Node]
    let keeps: Set<Node>
    var kept: [Node: ConvColumns] = [:]

    init(_ order: [Node]) {
        var convs: [Node: [Node]] = [:]
        var source: [Node: Node] = [:]
        for node in order {
            if node.op is Conv2DOp {
                convs[node.inputs[0], default: []].append(node)
            } else if let fg = node.op as? Conv2DFilterGradOp,
                      let c = convs[node.inputs[0]]?.first(where: { ($0.op as! Conv2DOp).params == fg.params }) {
                source[node] = c
            }
        }
        self.source = source
        keeps = Set(source.values)
    }

    /// The kernel of a convolution that keeps its columns or of a filter gradient that reads them; nil when
    /// `node` is neither (the caller builds its ordinary kernel).
    mutating func kernel(_ node: Node, _ ins: [Tensor], _ out: Tensor, bias: Tensor? = nil) throws -> Kernel? {
        if let conv = node.op as? Conv2DOp, keeps.contains(node) {
            let d = try conv.params.dims(ins[0].shape, ins[1].shape, conv.name)
            guard !d.shifted, d.K * d.B * d.P <= ConvColumns.limit else { return nil }
            let c = try ConvColumns(d)
            kept[node] = c
            return try conv.kernel(ins, out, bias: bias, columns: c)
        }
        if let fg = node.op as? Conv2DFilterGradOp, let conv = source[node], let c = kept[conv] {
            return try fg.kernel(ins, out, columns: c)
        }
        return nil
    }
}
