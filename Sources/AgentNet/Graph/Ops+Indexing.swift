/// Basic slicing (`x[:, 1:3]`, `x[0]`, negative steps) and integer-array indexing (`q[T.arange(n), actions]`, `take`).

/// One entry of a basic index: a Python slice or an integer (which drops the axis).
public enum SliceItem: Sendable, Equatable {
    case range(start: Int?, stop: Int?, step: Int)
    case index(Int)

    /// Python's `slice.indices(n)` for ranges; bounds-checked for integers.
    func resolve(_ n: Int, axis: Int) throws -> (start: Int, count: Int, step: Int, keeps: Bool) {
        switch self {
        case .index(let i):
            let j = i < 0 ? i + n : i
            guard j >= 0, j < n else { throw AgentNetError(.index, "index \(i) is out of bounds for axis \(axis) with size \(n)") }
            return (j, 1, 1, false)
        case .range(let start, let stop, let step):
            guard step != 0 else { throw AgentNetError.invalid("slice step cannot be zero") }
            func clamp(_ v: Int?, _ dflt: Int, _ lo: Int, _ hi: Int) -> Int {
                guard var v else { return dflt }
                if v < 0 { v += n }
                return Swift.min(Swift.max(v, lo), hi)
            }
            if step > 0 {
                let s = clamp(start, 0, 0, n), e = clamp(stop, n, 0, n)
                return (s, e > s ? (e - s + step - 1) / step : 0, step, true)
            }
            let s = clamp(start, n - 1, -1, n - 1), e = clamp(stop, -1, -1, n - 1)
            return (s, s > e ? (s - e - step - 1) / (-step) : 0, step, true)
        }
    }
}

/// Resolves items against a concrete shape: output shape, strides into x and the base offset.
func resolveSlice(_ items: [SliceItem], _ shape: [Int]) throws -> (out: [Int], strides: [Int], base: Int, full: [(Int, Int, Int)]) {
    guard items.count <= shape.count else {
        throw AgentNetError.shape("too many indices (\(items.count)) for shape \(formatShape(shape))")
    }
    let own = contiguousStrides(shape)
    var out: [Int] = [], strides: [Int] = [], base = 0, full: [(Int, Int, Int)] = []
    for axis in 0..<shape.count {
        let item = axis < items.count ? items[axis] : .range(start: nil, stop: nil, step: 1)
        let r = try item.resolve(shape[axis], axis: axis)
        base += r.start * own[axis]
        full.append((r.start, r.count, r.step))
        if r.keeps {
            out.append(r.count)
            // A step larger than the axis (possible from a caller) selects one element; its stride is never used.
            strides.append(r.count <= 1 ? 0 : r.step * own[axis])
        }
    }
    return (out, strides, base, full)
}

public struct SliceOp: Op {
    public let items: [SliceItem]
    public var name: String { "getitem" }
    public var attributes: String { "\(items)" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        guard items.count <= x.rank else {
            throw AgentNetError.shape("too many indices (\(items.count)) for shape \(formatShape(x.shape))")
        }
        var out: [Int?] = []
        for axis in 0..<x.rank {
            let item = axis < items.count ? items[axis] : .range(start: nil, stop: nil, step: 1)
            if case .index = item { if let n = x.shape[axis] { _ = try item.resolve(n, axis: axis) }; continue }
            out.append(try x.shape[axis].map { try item.resolve($0, axis: axis).count })
        }
        return (x.dtype, out)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] { try resolveSlice(items, ctx.shapes[0]).out }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let r = try resolveSlice(items, inputs[0].shape)
        return stridedCopyKernel(inputs[0], base: r.base, strides: r.strides, output)
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        guard node.dtype == .float32 else { return [nil] }
        return [try Node.make(SliceGradOp(items: items), [g, node.inputs[0]])]
    }

    /// When `x` is a concatenation and this slice takes whole parts of it (full ranges on the other axes, a unit-step
    /// range on the concatenation axis that starts and stops on part boundaries), those parts themselves: `x[:, :-1]`
    /// of `concat([a, b], axis: 1)` with `b` one tick long is `a`. Nil otherwise (the slice is built as usual).
    ///
    /// Why: the parts the slice drops are then not computed at all when nothing else reads them. Replay of a
    /// memoryless agent builds its per-tick outputs in parts (MDPAgent+FlatReplay.swift), and Q-learning with
    /// `cropLast` reads the online values without the last tick and the target values without the first, so a
    /// DQN step on 2-tick transitions runs each network on one tick, not two.
    func partsOfConcatenation(_ x: Node) throws -> Node? {
        guard let concat = x.op as? ConcatOp, x.inputs.count > 1, concat.axis < items.count else { return nil }
        let whole = SliceItem.range(start: nil, stop: nil, step: 1)
        for (k, item) in items.enumerated() where k != concat.axis && item != whole { return nil }
        guard case .range(_, _, 1) = items[concat.axis] else { return nil }
        var offsets = [0]
        for part in x.inputs {
            guard let n = part.shape[concat.axis] else { return nil }
            offsets.append(offsets.last! + n)
        }
        let r = try items[concat.axis].resolve(offsets.last!, axis: concat.axis)
        guard r.count > 0, let first = offsets.firstIndex(of: r.start), let end = offsets.firstIndex(of: r.start + r.count) else { return nil }
        let parts = Array(x.inputs[first..<end])
        return parts.count == 1 ? parts[0] : try Node.make(ConcatOp(axis: concat.axis), parts)
    }
}

/// Gradient of a basic slice: zeros shaped like x with g written into the sliced positions.
public struct SliceGradOp: Op {
    public let items: [SliceItem]
    public var name: String { "getitem_grad" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (.float32, inputs[1].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[1] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let r = try resolveSlice(items, output.shape)
        let g = inputs[0], n = output.count
        let plan = BroadcastPlan(out: r.out, strides: [r.strides, contiguousStrides(r.out)])
        let s = plan.innerStrides[0], po = output.floats + r.base, pg = UnsafePointer(g.floats)
        return {
            output.floats.update(repeating: 0, count: n)
            plan.withRuns { off, go, len in
                let o = po + off[0], src = pg + go
                for i in 0..<len { o[i * s] = src[i] }
            }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try Node.make(SliceOp(items: items), [g]), nil]
    }
}

/// The sum of several basic-slice gradients of one value: inputs `(g₁, …, g_k, x)`, output zeros shaped like `x`
/// with each `g_i` added into its slice `items[i]` (slices may overlap). `grad` builds it when several slices of
/// one value reach the cost (a GRU's three gates sliced from one `[batch, 3·units]` product): one zeroed buffer
/// and k strided writes instead of k zero-filled full-size buffers and k − 1 additions.
public struct SliceGradSumOp: Op {
    public let items: [[SliceItem]]
    public var name: String { "getitem_grad_sum" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.count == items.count + 1, inputs.allSatisfy({ $0.dtype == .float32 }) else {
            throw AgentNetError.invalid("getitem_grad_sum: expected \(items.count) float32 gradients and the sliced value")
        }
        return (.float32, inputs.last!.shape)
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let x = ctx.shapes.last!
        for (k, it) in items.enumerated() where try resolveSlice(it, x).out != ctx.shapes[k] {
            throw AgentNetError.shape("getitem_grad_sum: gradient \(k) has shape \(formatShape(ctx.shapes[k])), its slice of \(formatShape(x)) does not")
        }
        return x
    }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let n = output.count
        let writes: [Kernel] = try zip(items, inputs).map { it, g in
            let r = try resolveSlice(it, output.shape)
            let plan = BroadcastPlan(out: r.out, strides: [r.strides, contiguousStrides(r.out)])
            let s = plan.innerStrides[0], po = output.floats + r.base, pg = UnsafePointer(g.floats)
            return { plan.withRuns { off, go, len in
                let o = po + off[0], src = pg + go
                if s == 1 { for i in 0..<len { o[i] += src[i] } } else { for i in 0..<len { o[i * s] += src[i] } }
            } }
        }
        return {
            output.floats.update(repeating: 0, count: n)
            for w in writes { try w() }
        }
    }
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        try items.map { try Node.make(SliceOp(items: $0), [h]) } + [nil]
    }
}

/// Sums the gradient contributions that reach one node (in the order they arrived). Basic-slice gradients of a
/// common value are merged into one `SliceGradSumOp`; everything else is added pairwise.
func sumGradients(_ parts: [Node]) throws -> Node {
    if parts.count == 1 { return parts[0] }
    var groups: [(Node, [Node])] = []
    var rest: [Node] = []
    for p in parts {
        if p.op is SliceGradOp, let x = p.inputs.last {
            if let k = groups.firstIndex(where: { $0.0 === x }) { groups[k].1.append(p) } else { groups.append((x, [p])) }
        } else {
            rest.append(p)
        }
    }
    var terms: [Node] = []
    for (x, gs) in groups {
        if gs.count == 1 { terms.append(gs[0]); continue }
        let items = gs.map { ($0.op as! SliceGradOp).items }
        terms.append(try Node.make(SliceGradSumOp(items: items), gs.map { $0.inputs[0] } + [x]))
    }
    var total = terms.first ?? rest.removeFirst()
    for t in terms.dropFirst() + rest { total = try T.add(total, t) }
    return total
}

/// numpy advanced indexing with integer arrays at the positions where `isArray` is true, full slices elsewhere.
/// The index arrays broadcast together to shape B; if they sit on adjacent axes B replaces those axes, otherwise
/// B comes first (numpy's rule). Negative indices count from the end unless `negativeIndices` is false (an
/// embedding lookup, where -1 is a bug rather than "the last row"); out-of-range indices are an error.
public struct AdvancedIndexOp: Op {
    public let isArray: [Bool]
    public var negativeIndices = true

    public init(isArray: [Bool], negativeIndices: Bool = true) {
        self.isArray = isArray
        self.negativeIndices = negativeIndices
    }
    public var name: String { "advanced_index" }

    var arrayAxes: [Int] { isArray.indices.filter { isArray[$0] } }
    var adjacent: Bool { let a = arrayAxes; return a.last! - a.first! == a.count - 1 }

    func layout<D>(_ x: [D], _ b: [D]) -> [D] {
        let rest = (0..<x.count).filter { $0 >= isArray.count || !isArray[$0] }.map { x[$0] }
        if adjacent {
            let first = arrayAxes.first!
            let before = (0..<first).map { x[$0] }
            return before + b + Array(rest.dropFirst(before.count))
        }
        return b + rest
    }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        guard isArray.count <= x.rank, !arrayAxes.isEmpty, inputs.count == arrayAxes.count + 1 else {
            throw AgentNetError.shape("advanced index: \(isArray.count) indices for shape \(formatShape(x.shape))")
        }
        for i in inputs.dropFirst() where i.dtype == .float32 {
            throw AgentNetError.dtype("arrays used as indices must be of integer type, got float32 (\(i))")
        }
        let b = try broadcastStatic(inputs.dropFirst().map(\.shape))
        return (x.dtype, layout(x.shape, b))
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let b = try broadcastShapes(Array(ctx.shapes.dropFirst()))
        return layout(ctx.shapes[0], b)
    }

    /// Calls `body(xOffset, outOffset, blockLength)` for every contiguous block; validates indices.
    static func walk(_ op: AdvancedIndexOp, _ xShape: [Int], _ idx: [Tensor],
                     _ body: (Int, Int, Int) -> Void) throws {
        let b = try broadcastShapes(idx.map(\.shape))
        let bCount = b.reduce(1, *)
        let axes = op.arrayAxes, xStrides = contiguousStrides(xShape)
        // Element strides of each index array over B.
        let iStrides = idx.map { t -> [Int] in
            let own = contiguousStrides(t.shape), off = b.count - t.rank
            return (0..<b.count).map { j in j < off || t.shape[j - off] == 1 ? 0 : own[j - off] }
        }
        let sliceAxes = (0..<xShape.count).filter { $0 >= op.isArray.count || !op.isArray[$0] }
        // Slice axes before the B block (adjacent case) and after it.
        let nBefore = op.adjacent ? sliceAxes.filter { $0 < axes.first! }.count : 0
        let beforeAxes = Array(sliceAxes.prefix(nBefore)), afterAxes = Array(sliceAxes.dropFirst(nBefore))
        // Trailing slice axes that are contiguous in x form one copied block.
        var block = 1, blockAxes = 0
        for a in afterAxes.reversed() {
            guard a == xShape.count - 1 - blockAxes else { break }
            block *= xShape[a]
            blockAxes += 1
        }
        let loopAfter = Array(afterAxes.dropLast(blockAxes))
        let beforeCount = beforeAxes.map { xShape[$0] }.reduce(1, *)
        let loopAfterCount = loopAfter.map { xShape[$0] }.reduce(1, *)
        var bIndex = [Int](repeating: 0, count: b.count)
        var out = 0
        for pre in 0..<beforeCount {
            var preOffset = 0, rem = pre
            for a in beforeAxes.reversed() { preOffset += (rem % xShape[a]) * xStrides[a]; rem /= xShape[a] }
            for bi in 0..<bCount {
                var rem = bi
                for d in stride(from: b.count - 1, through: 0, by: -1) { bIndex[d] = rem % b[d]; rem /= b[d] }
                var offset = preOffset
                for (k, axis) in axes.enumerated() {
                    var e = 0
                    for d in 0..<b.count { e += bIndex[d] * iStrides[k][d] }
                    var v = idx[k].dtype == .int32 ? Int(idx[k].ints[e]) : Int(idx[k].bytes[e])
                    let n = xShape[axis]
                    if v < 0 && op.negativeIndices { v += n }
                    guard v >= 0, v < n else {
                        let given = v < 0 && op.negativeIndices ? v - n : v
                        throw AgentNetError(.index, "index \(given) is out of bounds for axis \(axis) with size \(n)"
                                            + (v < 0 && !op.negativeIndices ? " (negative indices are not allowed here)" : ""))
                    }
                    offset += v * xStrides[axis]
                }
                for post in 0..<loopAfterCount {
                    var postOffset = 0, rem = post
                    for a in loopAfter.reversed() { postOffset += (rem % xShape[a]) * xStrides[a]; rem /= xShape[a] }
                    body(offset + postOffset, out, block)
                    out += block
                }
            }
        }
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0], idx = Array(inputs.dropFirst()), size = x.dtype.size
        let src = x.storage.raw, dst = output.storage.raw, xShape = x.shape
        return {
            try AdvancedIndexOp.walk(self, xShape, idx) { xo, oo, n in
                (dst + oo * size).copyMemory(from: src + xo * size, byteCount: n * size)
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        guard node.dtype == .float32 else { return Array(repeating: nil, count: node.inputs.count) }
        let grad = try Node.make(AdvancedIndexGradOp(index: self), [g] + node.inputs)
        return [grad] + Array(repeating: nil, count: node.inputs.count - 1)
    }
}

/// Gradient of advanced indexing: zeros shaped like x with g added at the indexed positions (repeats accumulate).
public struct AdvancedIndexGradOp: Op {
    public let index: AdvancedIndexOp
    public var name: String { "advanced_index_grad" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (.float32, inputs[1].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[1] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let g = inputs[0], idx = Array(inputs.dropFirst(2)), n = output.count
        let pg = UnsafePointer(g.floats), po = output.floats, xShape = output.shape, op = index
        return {
            po.update(repeating: 0, count: n)
            try AdvancedIndexOp.walk(op, xShape, idx) { xo, go, len in
                for i in 0..<len { po[xo + i] += pg[go + i] }
            }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try Node.make(index, [g] + node.inputs.dropFirst(2))] + Array(repeating: nil, count: node.inputs.count - 1)
    }
}
