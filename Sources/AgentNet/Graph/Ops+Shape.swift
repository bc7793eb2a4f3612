/// Ops that change how values are laid out or where they come from: reshape, dimshuffle, broadcast,
/// sum-to-shape (broadcasting undone), shape, alloc, stop_gradient, grad_clip.

/// `reshape(x, shape)`: the target is a static int vector (may contain one -1). Shares x's buffer.
public struct ReshapeOp: Op {
    public var name: String { "reshape" }
    public var staticInputs: [Int] { [1] }
    public var aliasesInput: Bool { true }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let target = inputs[1]
        guard target.dtype != .float32, target.rank == 1, let n = target.shape[0] else {
            throw AgentNetError.shape("reshape: the target shape must be an int vector of known length, got \(target)")
        }
        if let c = target.constantValue {
            let dims = (0..<c.count).map { Int(c.ints[$0]) }
            if inputs[0].shape.allSatisfy({ $0 != nil }), let known = try? checkedCount(inputs[0].shape.map { $0! }) {
                return (inputs[0].dtype, try resolve(dims, count: known).map { Optional($0) })
            }
            guard dims.allSatisfy({ $0 >= -1 }), dims.filter({ $0 == -1 }).count <= 1 else {
                throw AgentNetError.shape("reshape: invalid target shape \(formatShape(dims))")
            }
            return (inputs[0].dtype, dims.map { $0 == -1 ? nil : $0 })
        }
        return (inputs[0].dtype, Self.knownEntries(target, count: n))
    }

    /// The entries of a target shape built by `T.stackInts` that are constants (`[batch, 2, 4]` with a symbolic
    /// batch gives `[nil, 2, 4]`), so shapes downstream stay as static as they can.
    static func knownEntries(_ target: Node, count n: Int) -> [Int?] {
        guard target.op is ConcatOp, target.inputs.count == n else { return Array(repeating: nil, count: n) }
        return target.inputs.map { part -> Int? in
            let scalar = part.op is ReshapeOp ? part.inputs[0] : part
            guard let c = scalar.constantValue, c.count == 1, c.dtype == .int32 else { return nil }
            let v = Int(c.ints[0])
            return v >= 0 ? v : nil
        }
    }

    func resolve(_ dims: [Int], count: Int) throws -> [Int] {
        var dims = dims
        let unknown = dims.indices.filter { dims[$0] == -1 }
        guard unknown.count <= 1, dims.allSatisfy({ $0 >= -1 }) else {
            throw AgentNetError.shape("reshape: invalid target shape \(formatShape(dims))")
        }
        guard let known = try? checkedCount(dims.filter { $0 != -1 }) else {
            throw AgentNetError.shape("reshape: target shape \(formatShape(dims)) has more elements than fit in 64 bits")
        }
        if let u = unknown.first {
            guard known > 0, count % known == 0 else {
                throw AgentNetError.shape("reshape: cannot reshape \(count) elements into \(formatShape(dims))")
            }
            dims[u] = count / known
        }
        guard (try? checkedCount(dims)) == count else {
            throw AgentNetError.shape("reshape: cannot reshape \(count) elements into \(formatShape(dims))")
        }
        return dims
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        do { return try resolve(try ctx.ints(1), count: try checkedCount(ctx.shapes[0])) } catch let e as AgentNetError {
            throw AgentNetError.shape("\(e.message) (input shape \(formatShape(ctx.shapes[0])))")
        }
    }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { {} }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try T.reshape(g, T.shape(node.inputs[0])), nil]
    }
}

/// Theano's `dimshuffle`: permutes axes and inserts broadcastable axes (`-1` in the pattern stands for `'x'`).
/// Input axes left out of the pattern must have length 1 and are dropped.
public struct DimshuffleOp: Op {
    public let pattern: [Int]
    public var name: String { "dimshuffle" }
    public var attributes: String { pattern.map { $0 < 0 ? "x" : String($0) }.joined(separator: ",") }

    var keptAxes: [Int] { pattern.filter { $0 >= 0 } }
    /// True when no real axis moves: only 'x' axes are added or length-1 axes dropped, so the buffer is shared.
    public var aliasesInput: Bool { keptAxes == keptAxes.sorted() }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        let kept = keptAxes
        guard Set(kept).count == kept.count, kept.allSatisfy({ $0 < x.rank }) else {
            throw AgentNetError.shape("dimshuffle: pattern (\(attributes)) is invalid for an input of rank \(x.rank)")
        }
        for i in 0..<x.rank where !kept.contains(i) {
            if let d = x.shape[i], d != 1 {
                throw AgentNetError.shape("dimshuffle: pattern (\(attributes)) drops axis \(i) of shape \(formatShape(x.shape)), which is not of length 1")
            }
        }
        return (x.dtype, pattern.map { $0 < 0 ? 1 : x.shape[$0] })
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let s = ctx.shapes[0]
        for i in 0..<s.count where !keptAxes.contains(i) && s[i] != 1 {
            throw AgentNetError.shape("dimshuffle: pattern (\(attributes)) drops axis \(i) of shape \(formatShape(s)), which is not of length 1")
        }
        return pattern.map { $0 < 0 ? 1 : s[$0] }
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        if aliasesInput { return {} }
        let own = contiguousStrides(inputs[0].shape)
        return stridedCopyKernel(inputs[0], base: 0, strides: pattern.map { $0 < 0 ? 0 : own[$0] }, output)
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let rank = node.inputs[0].rank
        let inverse = (0..<rank).map { i in pattern.firstIndex(of: i) ?? -1 }
        return [try T.dimshuffle(g, inverse)]
    }
}

/// Broadcasts `x` to the concrete shape of `like` (a node), or to a static int-vector shape when `toShape` is set
/// (used by reduction gradients, `repeat`, `tile`).
public struct BroadcastLikeOp: Op {
    public var toShape = false
    public var name: String { toShape ? "broadcast_to" : "broadcast_like" }
    public var staticInputs: [Int] { toShape ? [1] : [] }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        if toShape {
            guard inputs[1].rank == 1, let n = inputs[1].shape[0] else { throw AgentNetError.shape("broadcast_to: shape must be an int vector of known length") }
            if let c = inputs[1].constantValue { return (inputs[0].dtype, (0..<n).map { Int(c.ints[$0]) }) }
            return (inputs[0].dtype, Array(repeating: nil, count: n))
        }
        _ = try broadcastStatic([inputs[0].shape, inputs[1].shape])
        return (inputs[0].dtype, inputs[1].shape)
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let out = toShape ? try ctx.ints(1) : ctx.shapes[1]
        guard out.count >= ctx.shapes[0].count, try broadcastShapes([ctx.shapes[0], out]) == out else {
            throw AgentNetError.shape("cannot broadcast \(formatShape(ctx.shapes[0])) to \(formatShape(out))")
        }
        return out
    }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0], rank = output.rank
        let own = contiguousStrides(x.shape), offset = rank - x.rank
        let strides = (0..<rank).map { j in j < offset || x.shape[j - offset] == 1 ? 0 : own[j - offset] }
        return stridedCopyKernel(x, base: 0, strides: strides, output)
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [try T.sumLike(g, node.inputs[0]), nil] }
}

/// Sums `g` over the axes along which `like` was broadcast, giving `like`'s concrete shape: broadcasting undone.
public struct SumLikeOp: Op {
    public var name: String { "sum_like" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (inputs[0].dtype, inputs[1].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[1] }
    public func aliases(_ shapes: [[Int]], _ out: [Int]) -> Bool { shapes[0] == out }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let g = inputs[0]
        if g.shape == output.shape {
            return { output.storage.raw.copyMemory(from: g.storage.raw, byteCount: g.count * 4) }
        }
        let plan = BroadcastPlan(out: g.shape, operands: [output.shape])
        let s = plan.innerStrides[0], n = output.count
        let pg = UnsafePointer(g.floats), po = output.floats
        return {
            po.update(repeating: 0, count: n)
            plan.withRuns { off, go, len in
                let o = po + off[0], src = pg + go
                if s == 0 {
                    o[0] += runSum(src, len)
                } else {
                    for i in 0..<len { o[i] += src[i] }
                }
            }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [try T.broadcastLike(g, node.inputs[0]), nil] }
}

/// Sum of `n` contiguous floats in eight interleaved partial sums (SIMD lanes): a single serial accumulator is
/// bound by add latency and made the Atari conv1 bias gradient (`[32, 32, 20, 20]` → 32 sums of 12 800) cost
/// about 0.3 ms (benchmarks/bench_recurrent.py). Rounding differs from a left-to-right sum only in order.
@inline(__always)
func runSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var v = SIMD8<Float>(repeating: 0), i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n { v += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self); i &+= 8 }
    var acc = v.sum()
    while i < n { acc += p[i]; i &+= 1 }
    return acc
}

/// `x.shape` as an int32 vector; always known when a function is compiled, so expressions of it fold to constants.
public struct ShapeOp: Op {
    public var name: String { "shape" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (.int32, [inputs[0].rank]) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { [ctx.shapes[0].count] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let s = inputs[0].shape
        return { for (i, d) in s.enumerated() { output.ints[i] = Int32(truncatingIfNeeded: d) } }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [nil] }
}

/// `alloc(value, shape)`: a tensor of the given (static) shape filled with a scalar value.
public struct AllocOp: Op {
    public var name: String { "alloc" }
    public var staticInputs: [Int] { [1] }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let s = inputs[1]
        guard s.rank == 1, s.dtype != .float32, let n = s.shape[0] else {
            throw AgentNetError.shape("alloc: the shape must be an int vector of known length")
        }
        guard inputs[0].shape.allSatisfy({ $0 == 1 }) else {
            throw AgentNetError.shape("alloc: the fill value must be a scalar, got shape \(formatShape(inputs[0].shape))")
        }
        if let c = s.constantValue { return (inputs[0].dtype, (0..<n).map { Int(c.ints[$0]) }) }
        return (inputs[0].dtype, ReshapeOp.knownEntries(s, count: n))
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let dims = try ctx.ints(1)
        _ = try checkedCount(dims)
        return dims
    }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let v = inputs[0], n = output.count
        switch output.dtype {
        case .float32: return { output.floats.update(repeating: v.floats[0], count: n) }
        case .int32: return { output.ints.update(repeating: v.ints[0], count: n) }
        case .bool: return { output.bytes.update(repeating: v.bytes[0], count: n) }
        }
    }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        guard node.dtype == .float32 else { return [nil, nil] }
        return [try T.sumLike(g, node.inputs[0]), nil]
    }
}

/// The identity whose gradient is zero: Theano's `consider_constant`, the seed's `disconnected_grad`.
public struct StopGradientOp: Op {
    public var name: String { "stop_gradient" }
    public var aliasesInput: Bool { true }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (inputs[0].dtype, inputs[0].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[0] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { {} }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [nil] }
}

/// The identity whose gradient is clipped to `[lower, upper]` (Theano's `grad_clip`).
public struct GradClipOp: Op {
    public let lower: Float, upper: Float
    public var name: String { "grad_clip" }
    public var attributes: String { "\(lower), \(upper)" }
    public var aliasesInput: Bool { true }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard lower <= upper else { throw AgentNetError.invalid("grad_clip: lower \(lower) is above upper \(upper)") }
        return (inputs[0].dtype, inputs[0].shape)
    }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[0] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { {} }
    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [try T.clip(g, lower, upper)] }
}
