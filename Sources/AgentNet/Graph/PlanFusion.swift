/// Plan-time fusions of `add(x, dot(a, b))` into one accumulating gemm (`C = x + a·b`, beta = 1, written into x's
/// buffer). Gradients of a weight used at every tick of an unrolled recurrence are sums of one product per tick;
/// each `add` pass over the sum (e.g. `[128, 384]` for the GRU's U, 20 per call) read and wrote the whole matrix
/// once more, while the gemm can accumulate in its output write for free (benchmarks/bench_recurrent.py).
///
/// Structural candidates are found once (`AccumulateFusion.candidates`); whether one applies is decided while
/// buffers are assigned, where it must be true that x was computed already, is a buffer the plan owns (not an
/// input, shared value or constant), has the add as its last reader, is not read between the product and the add,
/// and is not an operand of the product itself. When x is instead a row bias broadcast over the product
/// (`dot(x, W) + b`, every dense layer and the GRU's input projection), the output rows are filled with the bias
/// and the gemm accumulates onto them: one pass over the output fewer.
struct AccumulateCandidate {
    /// The add that disappears (its result is x's buffer after the product accumulated into it).
    let sum: Node
    /// The operand accumulated into.
    let target: Node
}

enum AccumulateFusion {
    /// Products whose only consumer (through single-use reshape-like views) is a float32 `add`: the other operand
    /// is accumulated into (same shape) or is a row bias the gemm starts from (`[n]` or `[1, …, 1, n]`).
    static func candidates(_ order: [Node], roots: [Node], aliasing: Set<Node>) -> [Node: AccumulateCandidate] {
        var uses: [Node: Int] = [:]
        for node in order {
            // Readers of a shape only (`sum_like`'s template, shape ops folded at plan time) don't count.
            if node.op is ShapeOp { continue }
            for (k, input) in node.inputs.enumerated() where !(node.op is SumLikeOp && k == 1) { uses[input, default: 0] += 1 }
        }
        for r in roots { uses[r, default: 0] += 1 }
        var found: [Node: AccumulateCandidate] = [:]
        for node in order {
            guard let op = node.op as? BinaryOp, op.kind == .add, node.dtype == .float32, node.inputs.count == 2 else { continue }
            for (m, x) in [(node.inputs[1], node.inputs[0]), (node.inputs[0], node.inputs[1])] where m !== x {
                // Walk from the add's operand down through views to a product.
                var p = m
                while aliasing.contains(p), uses[p] == 1, p.inputs.count >= 1 { p = p.inputs[0] }
                guard uses[p] == 1, found[p] == nil, p.op is Conv2DOp || (p.op as? MatMulOp)?.batched == false else { continue }
                found[p] = AccumulateCandidate(sum: node, target: x)
                break
            }
        }
        return found
    }
}
