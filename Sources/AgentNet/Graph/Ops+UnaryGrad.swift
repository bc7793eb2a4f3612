/// Fused backward kernels of the common nonlinearities: one pass instead of the three or four elementwise ops
/// (and their temporaries) the primitive formulas need. Measured on benchmarks/bench_recurrent.py, where a GRU's
/// backward runs two sigmoid and one tanh gradient per tick, and the conv stack's relu gradients.
///
/// Inputs `(v, g)` of one shape (no broadcasting), float32:
/// - `sigmoid`: `v` is the sigmoid's output y, result `g·y·(1 − y)`;
/// - `tanh`: `v` is the tanh's output y, result `g·(1 − y²)`;
/// - `relu`: `v` is the relu's input x, result `g` where `x > 0`, else 0.
public struct UnaryGradOp: Op {
    public let kind: UnaryKind
    public var name: String { kind.rawValue + "_grad" }

    static let kinds: [UnaryKind] = [.sigmoid, .tanh, .relu]

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard UnaryGradOp.kinds.contains(kind) else { throw AgentNetError.invalid("\(name): no fused gradient for \(kind.rawValue)") }
        guard inputs.count == 2, inputs.allSatisfy({ $0.dtype == .float32 }) else {
            throw AgentNetError.dtype("\(name) takes two float32 inputs")
        }
        let a = inputs[0].shape, b = inputs[1].shape
        guard a.count == b.count, zip(a, b).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else {
            throw AgentNetError.shape("\(name): shapes \(formatShape(a)) and \(formatShape(b)) differ")
        }
        return (.float32, zip(a, b).map { $0 ?? $1 })
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        guard ctx.shapes[0] == ctx.shapes[1] else {
            throw AgentNetError.shape("\(name): shapes \(formatShape(ctx.shapes[0])) and \(formatShape(ctx.shapes[1])) differ")
        }
        return ctx.shapes[0]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let n = output.count, v = UnsafePointer(inputs[0].floats), g = UnsafePointer(inputs[1].floats), o = output.floats
        switch kind {
        case .sigmoid: return { for i in 0..<n { let y = v[i]; o[i] = g[i] * (y * (1 - y)) } }
        case .tanh: return { for i in 0..<n { let y = v[i]; o[i] = g[i] * (1 - y * y) } }
        // Both loads unconditional, so the select vectorises (a conditional load of g kept it scalar).
        default: return { for i in 0..<n { let gi = g[i]; o[i] = v[i] > 0 ? gi : 0 } }
        }
    }

    /// For the upstream `h`: linear in `g` (the same op on `h`); in `v`, `h·g·(1 − 2y)`, `−2·h·g·y`, or 0 for relu
    /// (its derivative is piecewise constant).
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        let v = node.inputs[0], g = node.inputs[1]
        let dg = try T.unaryGrad(kind, v, h)
        switch kind {
        case .sigmoid: return [try T.mul(T.mul(h, g), T.sub(1, T.mul(v, 2))), dg]
        case .tanh: return [try T.mul(T.mul(h, g), T.mul(v, -2)), dg]
        default: return [try T.zerosLike(v), dg]
        }
    }
}

public extension T {
    /// The fused gradient of `kind` (sigmoid, tanh: `v` is the output; relu: `v` is the input) times `g`.
    static func unaryGrad(_ kind: UnaryKind, _ v: Node, _ g: Node) throws -> Node {
        try Node.make(UnaryGradOp(kind: kind), [v, g])
    }
}
