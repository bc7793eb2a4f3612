/// Ops that assemble or generate values: concatenate, one_hot, cumsum, arange.

/// `concatenate(xs, axis)`: inputs of one dtype and rank that agree on every other axis.
public struct ConcatOp: Op {
    public let axis: Int
    public var name: String { "concatenate" }
    public var attributes: String { "axis=\(axis)" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard let first = inputs.first else { throw AgentNetError.invalid("concatenate: need at least one input") }
        guard axis >= 0, axis < first.rank else {
            throw AgentNetError.shape("concatenate: axis \(axis) is out of range for shape \(formatShape(first.shape))")
        }
        var out = first.shape
        for x in inputs.dropFirst() {
            guard x.dtype == first.dtype, x.rank == first.rank else {
                throw AgentNetError.shape("concatenate: \(formatShape(first.shape)) \(first.dtype) and \(formatShape(x.shape)) \(x.dtype) do not match")
            }
            for d in 0..<x.rank where d != axis {
                if let a = out[d], let b = x.shape[d], a != b {
                    throw AgentNetError.shape("concatenate: shapes \(formatShape(first.shape)) and \(formatShape(x.shape)) differ on axis \(d)")
                }
                out[d] = out[d] ?? x.shape[d]
            }
            out[axis] = out[axis].flatMap { a in x.shape[axis].flatMap { b in
                let (sum, overflow) = a.addingReportingOverflow(b)
                return overflow ? nil : sum
            } }
        }
        return (first.dtype, out)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        var out = ctx.shapes[0]
        for s in ctx.shapes.dropFirst() {
            for d in 0..<s.count where d != axis && s[d] != out[d] {
                throw AgentNetError.shape("concatenate: shapes \(formatShape(ctx.shapes[0])) and \(formatShape(s)) differ on axis \(d)")
            }
            let (sum, overflow) = out[axis].addingReportingOverflow(s[axis])
            guard !overflow else { throw AgentNetError.shape("concatenate: the sizes along axis \(axis) overflow") }
            out[axis] = sum
        }
        return out
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let size = output.dtype.size
        let outer = output.shape[..<axis].reduce(1, *)
        let outRow = output.shape[axis...].reduce(1, *) * size
        let parts = inputs.map { ($0.storage.raw, $0.shape[axis...].reduce(1, *) * size) }
        let dst = output.storage.raw
        return {
            var col = 0
            for (src, row) in parts {
                for i in 0..<outer { (dst + i * outRow + col).copyMemory(from: src + i * row, byteCount: row) }
                col += row
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        guard node.dtype == .float32 else { return node.inputs.map { _ in nil } }
        let sizes = node.inputs.map { $0.shape[axis] }
        if sizes.allSatisfy({ $0 != nil }) {
            // Static offsets: each part reads g and its own input only (with every input, the gradient of a
            // T-way concatenate, like a Recurrence's stacked outputs, had T² edges and made planning quadratic).
            var start = 0
            return try node.inputs.enumerated().map { k, x in
                defer { start += sizes[k]! }
                return try Node.make(ConcatPartOp(axis: axis, part: 0, start: start), [g, x])
            }
        }
        return try node.inputs.indices.map { try Node.make(ConcatPartOp(axis: axis, part: $0), [g] + node.inputs) }
    }
}

/// Gradient of concatenate: part `part` of g along `axis`, sized by the concrete shapes of the original inputs.
/// Inputs: `[g] + the concatenated inputs` (offset from their run-time sizes), or `[g, input]` with a static
/// `start` along the axis.
public struct ConcatPartOp: Op {
    public let axis: Int, part: Int
    /// The part's offset along `axis` when every earlier input's size there is static.
    public let start: Int?
    public var name: String { "concatenate_part" }
    public var attributes: String { start.map { "axis=\(axis), start=\($0)" } ?? "axis=\(axis), part=\(part)" }

    public init(axis: Int, part: Int, start: Int? = nil) {
        (self.axis, self.part, self.start) = (axis, part, start)
    }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (inputs[0].dtype, inputs[part + 1].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let s = ctx.shapes[part + 1], g = ctx.shapes[0]
        if let start, s.count != g.count || start + s[axis] > g[axis] {
            throw AgentNetError.shape("concatenate_part: part \(formatShape(s)) at \(start) does not fit the gradient \(formatShape(g)) along axis \(axis)")
        }
        return s
    }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let start = self.start ?? inputs[1..<(part + 1)].map { $0.shape[axis] }.reduce(0, +)
        let items = Array(repeating: SliceItem.range(start: nil, stop: nil, step: 1), count: axis)
            + [.range(start: start, stop: start + output.shape[axis], step: 1)]
        let r = try resolveSlice(items, inputs[0].shape)
        return stridedCopyKernel(inputs[0], base: r.base, strides: r.strides, output)
    }
}

/// `one_hot(indices, n)`: float32 `[..., n]` with a 1 at each index (Lasagne's `to_one_hot`).
public struct OneHotOp: Op {
    public let depth: Int
    public var name: String { "one_hot" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs[0].dtype != .float32 else { throw AgentNetError.dtype("one_hot expects integer indices, got float32") }
        guard depth >= 0 else { throw AgentNetError.invalid("one_hot: depth \(depth) is negative") }
        return (.float32, inputs[0].shape + [depth])
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[0] + [depth] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0], n = x.count, depth = self.depth, o = output.floats
        return {
            o.update(repeating: 0, count: n * depth)
            for i in 0..<n {
                let v = x.dtype == .int32 ? Int(x.ints[i]) : Int(x.bytes[i])
                guard v >= 0, v < depth else { throw AgentNetError(.index, "one_hot: index \(v) is out of range [0, \(depth))") }
                o[i * depth + v] = 1
            }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [nil] }
}

/// Cumulative sum along an axis (`reverse` sums from the end; the gradient of one is the other).
public struct CumsumOp: Op {
    public let axis: Int, reverse: Bool
    public var name: String { "cumsum" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard axis >= 0, axis < inputs[0].rank else { throw AgentNetError.shape("cumsum: axis \(axis) is out of range for shape \(formatShape(inputs[0].shape))") }
        guard inputs[0].dtype != .bool else { throw AgentNetError.dtype("cumsum of bool: cast first") }
        return (inputs[0].dtype, inputs[0].shape)
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[0] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let s = inputs[0].shape
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *), rev = reverse
        func run<E: AdditiveArithmetic>(_ p: UnsafePointer<E>, _ o: UnsafeMutablePointer<E>, _ add: @escaping (E, E) -> E) -> Kernel {
            return {
                for i in 0..<outer { for k in 0..<inner {
                    var acc = E.zero
                    for t in 0..<n {
                        let j = rev ? n - 1 - t : t
                        let at = (i * n + j) * inner + k
                        acc = add(acc, p[at])
                        o[at] = acc
                    }
                } }
            }
        }
        if inputs[0].dtype == .int32 { return run(UnsafePointer(inputs[0].ints), output.ints) { $0 &+ $1 } }
        return run(UnsafePointer(inputs[0].floats), output.floats) { $0 + $1 }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        guard node.dtype == .float32 else { return [nil] }
        return [try Node.make(CumsumOp(axis: axis, reverse: !reverse), [g])]
    }
}

/// `arange(start, stop, step)` from scalars known at compile time (e.g. `x.shape[0]`).
public struct ArangeOp: Op {
    public let dtype: DType
    public var name: String { "arange" }
    public var staticInputs: [Int] { [0, 1, 2] }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.allSatisfy({ $0.rank == 0 }) else { throw AgentNetError.shape("arange: start, stop and step must be scalars") }
        if inputs.allSatisfy({ $0.constantValue != nil }) {
            let v = inputs.map { Double($0.constantValue!.scalars[0]) }
            return (dtype, [try ArangeOp.count(v[0], v[1], v[2])])
        }
        return (dtype, [nil])
    }
    static func count(_ start: Double, _ stop: Double, _ step: Double) throws -> Int {
        guard step != 0, step.isFinite, start.isFinite, stop.isFinite else { throw AgentNetError.invalid("arange: invalid step \(step) or bounds") }
        let c = ((stop - start) / step).rounded(.up)
        guard c < 1e9 else { throw AgentNetError.invalid("arange: \(c) elements is too many") }
        return c > 0 ? Int(c) : 0
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        [try ArangeOp.count(ctx.scalar(0), ctx.scalar(1), ctx.scalar(2))]
    }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let start = Double(inputs[0].scalars[0]), step = Double(inputs[2].scalars[0]), n = output.count
        if dtype == .int32 { return { for i in 0..<n { output.ints[i] = saturatingInt32(start + Double(i) * step) } } }
        return { for i in 0..<n { output.floats[i] = Float(start + Double(i) * step) } }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [nil, nil, nil] }
}
