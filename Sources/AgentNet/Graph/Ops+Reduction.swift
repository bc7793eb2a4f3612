/// Reductions over one axis; multi-axis and whole-tensor reductions are composed from these by the builders in `T`.
/// The input is viewed as `[outer, n, inner]` with `n` the reduced axis.

public enum ReduceKind: String, Sendable { case sum, mean, max, min, prod }

public struct ReduceOp: Op {
    public let kind: ReduceKind
    public let axis: Int
    public let keepdims: Bool
    public var name: String { kind.rawValue }
    public var attributes: String { "axis=\(axis)" + (keepdims ? ", keepdims" : "") }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        guard axis >= 0, axis < x.rank else {
            throw AgentNetError.shape("\(kind.rawValue): axis \(axis) is out of range for shape \(formatShape(x.shape))")
        }
        guard x.dtype != .bool || kind != .mean else { throw AgentNetError.dtype("mean of bool: cast first") }
        var s = x.shape
        if keepdims { s[axis] = 1 } else { s.remove(at: axis) }
        return (kind == .mean ? .float32 : x.dtype, s)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        var s = ctx.shapes[0]
        if s[axis] == 0 && (kind == .max || kind == .min) {
            throw AgentNetError.shape("\(kind.rawValue): zero-size axis \(axis) of shape \(formatShape(s)) has no \(kind.rawValue)imum")
        }
        if keepdims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0]
        let outer = x.shape[..<axis].reduce(1, *), n = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        switch x.dtype {
        case .float32:
            let p = UnsafePointer(x.floats), o = output.floats
            switch kind {
            case .sum: return { sumFloats(p, o, outer, n, inner) }
            case .mean:
                let scale = n == 0 ? Float.nan : 1 / Float(n)
                return {
                    sumFloats(p, o, outer, n, inner)
                    for i in 0..<(outer * inner) { o[i] *= scale }
                }
            case .prod: return { reduce(p, o, outer, n, inner, 1) { $0 * $1 } }
            case .max: return { reduce(p, o, outer, n, inner, -.infinity) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) } }
            case .min: return { reduce(p, o, outer, n, inner, .infinity) { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) } }
            }
        case .int32:
            let p = UnsafePointer(x.ints), o = output.ints
            switch kind {
            case .sum: return { reduce(p, o, outer, n, inner, 0) { $0 &+ $1 } }
            case .prod: return { reduce(p, o, outer, n, inner, 1) { $0 &* $1 } }
            case .max: return { reduce(p, o, outer, n, inner, Int32.min) { Swift.max($0, $1) } }
            case .min: return { reduce(p, o, outer, n, inner, Int32.max) { Swift.min($0, $1) } }
            case .mean:
                let scale = n == 0 ? Float.nan : 1 / Float(n), of = output.floats
                return {
                    for i in 0..<outer { for k in 0..<inner {
                        var acc: Float = 0
                        for j in 0..<n { acc += Float(p[(i * n + j) * inner + k]) }
                        of[i * inner + k] = acc * scale
                    } }
                }
            }
        case .bool:
            let p = UnsafePointer(x.bytes), o = output.bytes
            switch kind {
            case .max: return { reduce(p, o, outer, n, inner, 0) { Swift.max($0, $1) } }
            case .min, .prod: return { reduce(p, o, outer, n, inner, 1) { Swift.min($0, $1) } }
            default: throw AgentNetError.dtype("\(kind.rawValue) of bool: cast to int32 first")
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let x = node.inputs[0]
        guard x.dtype == .float32 else { return [nil] }
        let gk = keepdims ? g : try T.expandDims(g, axis)
        let outK = keepdims ? node : try T.expandDims(node, axis)
        let gb = try T.broadcastLike(gk, x)
        switch kind {
        case .sum: return [gb]
        case .mean:
            let n = try T.cast(T.index(T.shape(x), axis), .float32)
            return [try T.div(gb, n)]
        case .prod:
            // d prod / dx_i is the product of the other elements: out / x_i where x_i != 0; where x_i is the
            // only zero, the product of the nonzero elements; where there are other zeros, 0.
            let isZero = try T.eq(x, 0)
            let nonzero = try T.where_(isZero, 1, x)
            let prodNonzero = try T.broadcastLike(T.prod(nonzero, axes: [axis], keepdims: true), x)
            let zeros = try T.broadcastLike(T.sum(T.cast(isZero, .int32), axes: [axis], keepdims: true), x)
            let others = try T.where_(isZero, T.where_(T.eq(zeros, 1), prodNonzero, 0),
                                      T.div(T.broadcastLike(outK, x), nonzero))
            return [try T.mul(gb, others)]
        case .max, .min: return [try T.where_(T.eq(x, T.broadcastLike(outK, x)), gb, 0)]
        }
    }
}

@inline(__always)
/// `reduce` for float sums, written out so the compiler vectorises it. Along the last axis each row is summed in
/// eight interleaved partial sums (as numpy's pairwise summation does in blocks) and then those, so the adds do not
/// wait on one another: the row sums of a `[256, 256]` gradient's squares (a gradient-norm clip) took ~50 µs as
/// one chain of dependent adds. Along other axes the adds run across the contiguous inner elements.
func sumFloats(_ p: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ outer: Int, _ n: Int, _ inner: Int) {
    if inner == 1 {
        for i in 0..<outer {
            let row = p + i * n
            var lanes = SIMD8<Float>(repeating: 0)
            var j = 0
            while j + 8 <= n {
                lanes += UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                j += 8
            }
            var acc = lanes.sum()
            while j < n { acc += row[j]; j += 1 }
            o[i] = acc
        }
        return
    }
    for i in 0..<outer {
        let out = o + i * inner
        out.update(repeating: 0, count: inner)
        for j in 0..<n {
            let row = p + (i * n + j) * inner
            for k in 0..<inner { out[k] += row[k] }
        }
    }
}

func reduce<E>(_ p: UnsafePointer<E>, _ o: UnsafeMutablePointer<E>, _ outer: Int, _ n: Int, _ inner: Int, _ initial: E,
               _ f: (E, E) -> E) {
    if inner == 1 {
        for i in 0..<outer {
            var acc = initial
            let row = p + i * n
            for j in 0..<n { acc = f(acc, row[j]) }
            o[i] = acc
        }
        return
    }
    for i in 0..<outer {
        let out = o + i * inner
        for k in 0..<inner { out[k] = initial }
        for j in 0..<n {
            let row = p + (i * n + j) * inner
            for k in 0..<inner { out[k] = f(out[k], row[k]) }
        }
    }
}

/// `argmax`/`argmin` along one axis (first occurrence on ties, as numpy); int32 output, no gradient.
public struct ArgReduceOp: Op {
    public let isMax: Bool
    public let axis: Int
    public let keepdims: Bool
    public var name: String { isMax ? "argmax" : "argmin" }
    public var attributes: String { "axis=\(axis)" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        guard axis >= 0, axis < x.rank else {
            throw AgentNetError.shape("\(name): axis \(axis) is out of range for shape \(formatShape(x.shape))")
        }
        var s = x.shape
        if keepdims { s[axis] = 1 } else { s.remove(at: axis) }
        return (.int32, s)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        var s = ctx.shapes[0]
        guard s[axis] > 0 else { throw AgentNetError.shape("\(name) of an empty axis \(axis) in shape \(formatShape(s))") }
        if keepdims { s[axis] = 1 } else { s.remove(at: axis) }
        return s
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = inputs[0]
        let outer = x.shape[..<axis].reduce(1, *), n = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        let o = output.ints, isMax = self.isMax
        func run<E: Comparable>(_ p: UnsafePointer<E>) -> Kernel {
            return {
                for i in 0..<outer { for k in 0..<inner {
                    var best = p[i * n * inner + k], at = 0
                    for j in 1..<max(n, 1) {
                        let v = p[(i * n + j) * inner + k]
                        if isMax ? v > best : v < best { best = v; at = j }
                    }
                    o[i * inner + k] = Int32(clamping: at)
                } }
            }
        }
        switch x.dtype {
        case .float32:
            let p = UnsafePointer(x.floats)
            // numpy returns the first NaN's index: NaN wins every comparison.
            return {
                for i in 0..<outer { for k in 0..<inner {
                    var best = p[i * n * inner + k], at = 0
                    if !best.isNaN {
                        for j in 1..<max(n, 1) {
                            let v = p[(i * n + j) * inner + k]
                            if v.isNaN { at = j; break }
                            if isMax ? v > best : v < best { best = v; at = j }
                        }
                    }
                    o[i * inner + k] = Int32(clamping: at)
                } }
            }
        case .int32: return run(UnsafePointer(x.ints))
        case .bool: return run(UnsafePointer(x.bytes))
        }
    }
}
