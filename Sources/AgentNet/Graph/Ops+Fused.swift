#if canImport(Glibc)
import Glibc
#endif

/// Fused elementwise kernels for optimizer updates: one pass over a parameter instead of four or five.
/// Measured on the 4-256-256-2 Adam step at batch 32 (benchmarks/bench_mlp.py), where the update dominates.
public enum FusedKind: String, Sendable {
    /// `beta * a + (1 - beta) * b`: a moving average (Adam's first moment, momentum-style decay).
    case ema
    /// `beta * a + (1 - beta) * b²`: a moving average of squares (Adam's second moment, RMSProp).
    case emaSquare = "ema_square"
    /// `p - step * m / (sqrt(v) + eps)`: Adam's parameter step.
    case adamStep = "adam_step"

    var arity: Int { self == .adamStep ? 5 : 3 }
}

/// Inputs: ema/ema_square `(a, b, beta)`, adam_step `(p, m, v, step, eps)`; tensors of one shape, scalars last.
public struct FusedOp: Op {
    public let kind: FusedKind
    public var name: String { kind.rawValue }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.count == kind.arity, inputs.allSatisfy({ $0.dtype == .float32 }) else {
            throw AgentNetError.dtype("\(name) takes \(kind.arity) float32 inputs")
        }
        let tensors = kind == .adamStep ? 3 : 2
        for s in inputs[tensors...] where !s.shape.allSatisfy({ $0 == 1 }) {
            throw AgentNetError.shape("\(name): coefficient must be a scalar, got shape \(formatShape(s.shape))")
        }
        var shape = inputs[0].shape
        for x in inputs[1..<tensors] {
            guard x.rank == shape.count else { throw AgentNetError.shape("\(name): shapes \(formatShape(inputs[0].shape)) and \(formatShape(x.shape)) differ") }
            for (i, d) in x.shape.enumerated() {
                if let a = shape[i], let b = d, a != b { throw AgentNetError.shape("\(name): shapes \(formatShape(inputs[0].shape)) and \(formatShape(x.shape)) differ") }
                shape[i] = shape[i] ?? d
            }
        }
        return (.float32, shape)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let tensors = kind == .adamStep ? 3 : 2
        for s in ctx.shapes[1..<tensors] where s != ctx.shapes[0] {
            throw AgentNetError.shape("\(name): shapes \(formatShape(ctx.shapes[0])) and \(formatShape(s)) differ")
        }
        return ctx.shapes[0]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let n = output.count, o = output.floats
        let a = UnsafePointer(inputs[0].floats), b = UnsafePointer(inputs[1].floats)
        switch kind {
        case .ema:
            let beta = inputs[2].floats
            return { let k = beta[0], c = 1 - k; for i in 0..<n { o[i] = k * a[i] + c * b[i] } }
        case .emaSquare:
            let beta = inputs[2].floats
            return { let k = beta[0], c = 1 - k; for i in 0..<n { o[i] = k * a[i] + c * b[i] * b[i] } }
        case .adamStep:
            let v = UnsafePointer(inputs[2].floats), step = inputs[3].floats, eps = inputs[4].floats
            return { let s = step[0], e = eps[0]; for i in 0..<n { o[i] = a[i] - s * b[i] / (sqrtf(v[i]) + e) } }
        }
    }

    /// The same formulas written with primitives, so gradients come for free.
    func expanded(_ x: [Node]) throws -> Node {
        switch kind {
        case .ema: return try T.add(T.mul(x[2], x[0]), T.mul(T.sub(1, x[2]), x[1]))
        case .emaSquare: return try T.add(T.mul(x[2], x[0]), T.mul(T.sub(1, x[2]), T.square(x[1])))
        case .adamStep: return try T.sub(x[0], T.div(T.mul(x[3], x[1]), T.add(T.sqrt(x[2]), x[4])))
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let e = try expanded(node.inputs)
        return try grad(T.sum(T.mul(e, T.stopGradient(g))), wrt: node.inputs, disconnected: .ignore)
    }
}
