/// The n-step value reference of `agentnet.learning.generic` as one op: one backward-in-time pass per row instead
/// of a chain of `T` tiny nodes (the seed's `theano.scan`).
///
/// Inputs, all float32: `values [B,T]`, `rewards [B,T]`, `alive [B,T]` (1 while the session runs), `gamma` (scalar,
/// `[B]`, `[B,1]`, `[1,T]` or `[B,T]`), `after [B,1]` (the value after the last tick), then optionally
/// `truncated [B,T]` and, for `Steps.symbolic`, an int32 scalar `n`.
///
/// One rule for gamma: `gamma[b, t]` discounts what comes after tick t, `ref[t] = r[t] + gamma[t] · (…)`.
///
/// Per row, with `next[t] = values[t+1]` (`after` for the last tick) and `last = T-1-cropLast`, ticks
/// `last … 0` are classified and computed as
/// - *truncated* (`truncated[t] = 1`): `ref[t] = r[t] + gamma[t]·next[t]` (a time limit is not a termination;
///   it wins over an alive→dead transition on the same tick);
/// - *end* (`alive[t] - alive[t+1] == 1`, or the last tick of a row without an end when `endAtTMax`): `ref[t] = r[t]`;
/// - *boundary* (`t == last` for the whole session, `(last - t) % n == 0` for n steps): `ref[t] = r[t] + gamma[t]·next[t]`;
/// - otherwise the reference propagates: `ref[t] = r[t] + gamma[t]·ref[t+1]`.
/// With `cropLast`, `ref[T-1] = values[T-1]`. The reference is linear in `values`, `rewards` and `after` given the
/// masks; `ValueReferenceGradOp` is its adjoint. `alive`, `gamma`, `truncated` and `n` get no gradient.
public struct ValueReferenceOp: Op {
    public enum Steps: Equatable, Sendable { case whole, fixed(Int), symbolic }
    public let steps: Steps
    public let cropLast: Bool
    public let endAtTMax: Bool
    public let truncated: Bool

    public var name: String { "value_reference" }
    public var attributes: String {
        let n: String
        switch steps { case .whole: n = "None"; case .fixed(let k): n = "\(k)"; case .symbolic: n = "symbolic" }
        return "n_steps=\(n), crop_last=\(cropLast), end_at_tmax=\(endAtTMax)" + (truncated ? ", truncated" : "")
    }
    var arity: Int { 5 + (truncated ? 1 : 0) + (steps == .symbolic ? 1 : 0) }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.count == arity else { throw AgentNetError.invalid("value_reference takes \(arity) inputs, got \(inputs.count)") }
        try ValueReferenceOp.checkStatic(inputs, truncated: truncated, symbolic: steps == .symbolic, name: name)
        return (.float32, zip(inputs[0].shape, inputs[1].shape).map { $0 ?? $1 })  // values and rewards are both [B,T]
    }

    static func checkStatic(_ inputs: [Node], truncated: Bool, symbolic: Bool, name: String) throws {
        let v = inputs[0]
        guard v.rank == 2 else { throw AgentNetError.shape("\(name): state values must be [batch, tick], got \(formatShape(v.shape))") }
        func fits(_ x: Node, _ what: String, _ dims: [Int?]) throws {
            guard x.rank == dims.count, zip(x.shape, dims).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else {
                throw AgentNetError.shape("\(name): \(what) must be \(formatShape(dims)), got \(formatShape(x.shape))")
            }
        }
        for (k, what) in [(1, "rewards"), (2, "is_alive")] { try fits(inputs[k], what, v.shape) }
        try fits(inputs[4], "state_values_after_end", [v.shape[0], 1])
        if truncated { try fits(inputs[5], "is_truncated", v.shape) }
        guard inputs[3].rank <= 2 else { throw AgentNetError.shape("\(name): gamma must be a scalar, [batch] or [batch, tick], got \(formatShape(inputs[3].shape))") }
        for x in inputs.prefix(truncated ? 6 : 5) where x.dtype != .float32 {
            throw AgentNetError.dtype("\(name): inputs must be float32, got \(x.dtype) for \(x)")
        }
        if symbolic, let n = inputs.last, n.rank != 0 || n.dtype != .int32 {
            throw AgentNetError.dtype("\(name): a symbolic n_steps must be an int32 scalar, got \(n.dtype)\(formatShape(n.shape))")
        }
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        _ = try ReferenceLayout(ctx.shapes, truncated: truncated, name: name)
        return ctx.shapes[0]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let layout = try ReferenceLayout(inputs.map(\.shape), truncated: truncated, name: name)
        let v = UnsafePointer(inputs[0].floats), r = UnsafePointer(inputs[1].floats), after = UnsafePointer(inputs[4].floats)
        let pass = ReferencePass(layout: layout, steps: steps, cropLast: cropLast, endAtTMax: endAtTMax, inputs: inputs, truncated: truncated)
        let o = output.floats, tt = layout.ticks
        return {
            let n = try pass.stepCount()
            var kinds = [TickKind](repeating: .propagate, count: tt)
            for b in 0..<layout.batch {
                let row = b * tt
                pass.classify(b, n, &kinds)
                var acc: Float = 0
                var t = pass.last
                while t >= 0 {
                    let i = row + t, g = pass.gamma(b, t)
                    switch kinds[t] {
                    case .end: acc = r[i]
                    case .bootstrap: acc = r[i] + g * (t + 1 < tt ? v[i + 1] : after[b])
                    case .propagate: acc = r[i] + g * acc
                    }
                    o[i] = acc
                    t -= 1
                }
                if pass.cropLast && tt > 0 { o[row + tt - 1] = v[row + tt - 1] }
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let rest = Array(node.inputs[2...])
        func adjoint(_ wrt: ValueReferenceGradOp.Wrt) throws -> Node {
            try Node.make(ValueReferenceGradOp(forward: self, wrt: wrt), [g] + rest)
        }
        return [try adjoint(.values), try adjoint(.rewards), nil, nil, try adjoint(.after)] + Array(repeating: nil, count: arity - 5)
    }
}

/// The adjoint of `ValueReferenceOp` with respect to values, rewards or the value after the end.
/// Inputs: `g [B,T]` then the forward op's inputs from `alive` on (`alive, gamma, after, truncated?, n?`).
/// One forward-in-time pass: `adj[t] = g[t] + gamma[t-1]·adj[t-1]` where tick t-1 propagates from t;
/// `d rewards[t] = adj[t]`, and a bootstrapping tick sends `gamma[t]·adj[t]` to `values[t+1]` (or `after`).
public struct ValueReferenceGradOp: Op {
    public enum Wrt: Sendable { case values, rewards, after }
    public let forward: ValueReferenceOp
    public let wrt: Wrt
    public var name: String { "value_reference_grad" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        (.float32, wrt == .after ? [inputs[0].shape[0], 1] : inputs[0].shape)
    }

    /// Shapes in the forward op's order (values and rewards are shaped like `g`).
    func forwardShapes(_ s: [[Int]]) -> [[Int]] { [s[0], s[0]] + Array(s[1...]) }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let layout = try ReferenceLayout(forwardShapes(ctx.shapes), truncated: forward.truncated, name: name)
        return wrt == .after ? [layout.batch, 1] : ctx.shapes[0]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let layout = try ReferenceLayout(forwardShapes(inputs.map(\.shape)), truncated: forward.truncated, name: name)
        let full = [inputs[0], inputs[0]] + Array(inputs[1...])
        let pass = ReferencePass(layout: layout, steps: forward.steps, cropLast: forward.cropLast, endAtTMax: forward.endAtTMax,
                                 inputs: full, truncated: forward.truncated)
        let g = UnsafePointer(inputs[0].floats), o = output.floats, tt = layout.ticks, wrt = wrt
        return {
            let n = try pass.stepCount()
            var kinds = [TickKind](repeating: .propagate, count: tt)
            for b in 0..<layout.batch {
                let row = b * tt
                pass.classify(b, n, &kinds)
                if wrt == .after { o[b] = 0 } else { for t in 0..<tt { o[row + t] = 0 } }
                var adj: Float = 0
                for t in 0..<(pass.last + 1) {
                    adj = g[row + t] + (t > 0 && kinds[t - 1] == .propagate ? pass.gamma(b, t - 1) * adj : 0)
                    switch wrt {
                    case .rewards: o[row + t] = adj
                    case .values: if kinds[t] == .bootstrap && t + 1 < tt { o[row + t + 1] += pass.gamma(b, t) * adj }
                    case .after: if kinds[t] == .bootstrap && t + 1 == tt { o[b] = pass.gamma(b, t) * adj }
                    }
                }
                if pass.cropLast && tt > 0 && wrt == .values { o[row + tt - 1] += g[row + tt - 1] }
            }
        }
    }
}

// MARK: - Shared by the forward pass and its adjoint

enum TickKind: UInt8 { case end, bootstrap, propagate }

/// Batch, ticks and gamma's broadcast strides, checked against concrete input shapes.
struct ReferenceLayout {
    let batch: Int, ticks: Int
    let gammaBatchStride: Int, gammaTickStride: Int

    init(_ s: [[Int]], truncated: Bool, name: String) throws {
        let v = s[0]
        guard v.count == 2 else { throw AgentNetError.shape("\(name): state values must be [batch, tick], got \(formatShape(v))") }
        batch = v[0]
        ticks = v[1]
        for (k, what) in [(1, "rewards"), (2, "is_alive")] + (truncated ? [(5, "is_truncated")] : []) where s[k] != v {
            throw AgentNetError.shape("\(name): \(what) \(formatShape(s[k])) must match state values \(formatShape(v))")
        }
        guard s[4] == [batch, 1] else {
            throw AgentNetError.shape("\(name): state_values_after_end must be [\(batch), 1], got \(formatShape(s[4]))")
        }
        let g = s[3]
        func axis(_ d: Int, _ full: Int, _ stride: Int) throws -> Int {
            if d == full { return full == 1 ? 0 : stride }
            guard d == 1 else {
                throw AgentNetError.shape("\(name): gamma of shape \(formatShape(g)) does not fit [batch, tick] = \(formatShape(v))")
            }
            return 0
        }
        switch g.count {
        case 0: (gammaBatchStride, gammaTickStride) = (0, 0)
        case 1: (gammaBatchStride, gammaTickStride) = (try axis(g[0], batch, 1), 0)
        case 2: (gammaBatchStride, gammaTickStride) = (try axis(g[0], batch, g[1]), try axis(g[1], ticks, 1))
        default: throw AgentNetError.shape("\(name): gamma must be a scalar, [batch] or [batch, tick], got \(formatShape(g))")
        }
    }
}

/// Reads the masks and gamma of one call and classifies each row's ticks (`TickKind`).
struct ReferencePass {
    let layout: ReferenceLayout
    let steps: ValueReferenceOp.Steps
    let cropLast: Bool, endAtTMax: Bool
    let alive: UnsafePointer<Float>, gammas: UnsafePointer<Float>
    let truncation: UnsafePointer<Float>?
    let symbolicSteps: UnsafePointer<Int32>?
    /// The last tick whose reference is computed (-1: none).
    let last: Int

    init(layout: ReferenceLayout, steps: ValueReferenceOp.Steps, cropLast: Bool, endAtTMax: Bool, inputs: [Tensor], truncated: Bool) {
        self.layout = layout
        self.steps = steps
        self.cropLast = cropLast
        self.endAtTMax = endAtTMax
        alive = UnsafePointer(inputs[2].floats)
        gammas = UnsafePointer(inputs[3].floats)
        truncation = truncated ? UnsafePointer(inputs[5].floats) : nil
        symbolicSteps = steps == .symbolic ? UnsafePointer(inputs[inputs.count - 1].ints) : nil
        last = layout.ticks - 1 - (cropLast ? 1 : 0)
    }

    /// The block length for this call; 0 means the whole session.
    func stepCount() throws -> Int {
        switch steps {
        case .whole: return 0
        case .fixed(let n): return n
        case .symbolic:
            let n = Int(symbolicSteps![0])
            guard n >= 1 else { throw AgentNetError.invalid("value_reference: n_steps must be a positive integer, got \(n)") }
            return n
        }
    }

    @inline(__always) func gamma(_ b: Int, _ t: Int) -> Float {
        gammas[b * layout.gammaBatchStride + t * layout.gammaTickStride]
    }

    func classify(_ b: Int, _ n: Int, _ kinds: inout [TickKind]) {
        let tt = layout.ticks, row = b * tt
        var anyEnd = false
        for t in 0..<tt {
            let isEnd = t + 1 < tt && alive[row + t] - alive[row + t + 1] == 1
            anyEnd = anyEnd || isEnd
            let boundary = n == 0 ? t == last : (last - t) % n == 0
            kinds[t] = isEnd ? .end : (boundary ? .bootstrap : .propagate)
        }
        if tt > 0 && endAtTMax && !anyEnd { kinds[tt - 1] = .end }
        if let tr = truncation { for t in 0..<tt where tr[row + t] != 0 { kinds[t] = .bootstrap } }
    }
}
