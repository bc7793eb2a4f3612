import AgentNetFastMath

/// Fused elementwise kernels for optimizer updates: one vectorised pass over a parameter and its state instead of
/// a chain of three to six elementwise nodes, each with its own temporary. The optimizers in `Updates/` build them.
///
/// Every kernel is one vectorised loop (`fusedLoop`; AVX2 loops from AgentNetFastMath for the square-root ones on
/// CPUs that have it). Measured on a `[256, 256]` parameter (benchmarks/bench_updates.py, Zen 4): `adam_step`
/// 2.4 → 0.3 ns per element. The formulas are IEEE operations in a fixed order without fused multiply-add, so
/// both paths give the bits of the scalar formula in the comment.
public enum FusedKind: String, CaseIterable, Sendable {
    /// `(a, b; beta)`: `beta·a + (1 − beta)·b`, a moving average (Adam's first moment).
    case ema
    /// `(a, b; beta)`: `beta·a + (1 − beta)·b²`, a moving average of squares (Adam's second moment, RMSProp).
    case emaSquare = "ema_square"
    /// `(a, b)`: `a + b²`, Adagrad's accumulator.
    case accumulateSquare = "accumulate_square"
    /// `(p, m, v; step, eps)`: `p − step·m / (√v + eps)`, Adam's parameter step.
    case adamStep = "adam_step"
    /// `(p, g; lr)`: `p − lr·g`, the SGD step (also Adadelta's `p − lr·u`).
    case sgdStep = "sgd_step"
    /// `(v, g; momentum, lr)`: `momentum·v − lr·g`, the new velocity of (Nesterov) momentum.
    case velocity
    /// `(p, v, g; momentum, lr)`: `p + momentum·v − lr·g` with `v` the new velocity, Nesterov's parameter step.
    case nesterovStep = "nesterov_step"
    /// `(p, g, a; lr, eps)`: `p − lr·g / √(a + eps)`, the Adagrad and RMSProp step.
    case rmsStep = "rms_step"
    /// `(g, d, a; eps)`: `g·√(d + eps) / √(a + eps)`, Adadelta's unscaled step.
    case adadeltaDelta = "adadelta_delta"

    /// Tensor inputs (all of one shape), then scalar coefficients.
    var tensors: Int {
        switch self {
        case .ema, .emaSquare, .accumulateSquare, .sgdStep, .velocity: return 2
        case .adamStep, .nesterovStep, .rmsStep, .adadeltaDelta: return 3
        }
    }
    var scalars: Int {
        switch self {
        case .accumulateSquare: return 0
        case .ema, .emaSquare, .sgdStep, .adadeltaDelta: return 1
        case .adamStep, .velocity, .nesterovStep, .rmsStep: return 2
        }
    }
    var arity: Int { tensors + scalars }
}

/// Inputs: the kind's tensors (one shape, no broadcasting), then its scalar coefficients (read at every call, so
/// a shared learning rate can change between calls).
public struct FusedOp: Op {
    public let kind: FusedKind
    public var name: String { kind.rawValue }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs.count == kind.arity, inputs.allSatisfy({ $0.dtype == .float32 }) else {
            throw AgentNetError.dtype("\(name) takes \(kind.arity) float32 inputs")
        }
        for s in inputs[kind.tensors...] where !s.shape.allSatisfy({ $0 == 1 }) {
            throw AgentNetError.shape("\(name): coefficient must be a scalar, got shape \(formatShape(s.shape))")
        }
        var shape = inputs[0].shape
        for x in inputs[1..<kind.tensors] {
            guard x.rank == shape.count else { throw AgentNetError.shape("\(name): shapes \(formatShape(inputs[0].shape)) and \(formatShape(x.shape)) differ") }
            for (i, d) in x.shape.enumerated() {
                if let a = shape[i], let b = d, a != b { throw AgentNetError.shape("\(name): shapes \(formatShape(inputs[0].shape)) and \(formatShape(x.shape)) differ") }
                shape[i] = shape[i] ?? d
            }
        }
        return (.float32, shape)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        for s in ctx.shapes[1..<kind.tensors] where s != ctx.shapes[0] {
            throw AgentNetError.shape("\(name): shapes \(formatShape(ctx.shapes[0])) and \(formatShape(s)) differ")
        }
        return ctx.shapes[0]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let n = output.count, o = output.floats
        let x = inputs[0..<kind.tensors].map { UnsafePointer($0.floats) }
        let (a, b) = (x[0], x[1]), c = x.count > 2 ? x[2] : x[0]
        let k = inputs[kind.tensors...].map { UnsafePointer($0.floats) }
        let wide = WideLoops.enabled
        switch kind {
        case .ema:
            return { let s = k[0][0], t = 1 - s; fusedLoop(n, a, b, c, o) { a, b, _ in s * a + t * b } }
        case .emaSquare:
            return { let s = k[0][0], t = 1 - s; fusedLoop(n, a, b, c, o) { a, b, _ in s * a + t * b * b } }
        case .accumulateSquare:
            return { fusedLoop(n, a, b, c, o) { a, b, _ in a + b * b } }
        case .sgdStep:
            return { let lr = k[0][0]; fusedLoop(n, a, b, c, o) { p, g, _ in p - lr * g } }
        case .velocity:
            return { let mu = k[0][0], lr = k[1][0]; fusedLoop(n, a, b, c, o) { v, g, _ in mu * v - lr * g } }
        case .nesterovStep:
            return { let mu = k[0][0], lr = k[1][0]; fusedLoop(n, a, b, c, o) { p, v, g in p + mu * v - lr * g } }
        // The square-root kernels are compute-bound: AVX2 loops where the CPU has them (same bits).
        case .adamStep:
            return { let s = k[0][0], e = k[1][0]
                wide ? adamStepLoopWide(n, a, b, c, o, s, e) : fusedLoop(n, a, b, c, o) { adamStep($0, $1, $2, s, e) } }
        case .rmsStep:
            return { let lr = k[0][0], e = k[1][0]
                wide ? rmsStepLoopWide(n, a, b, c, o, lr, e) : fusedLoop(n, a, b, c, o) { rmsStep($0, $1, $2, lr, e) } }
        case .adadeltaDelta:
            return { let e = k[0][0]
                wide ? adadeltaDeltaLoopWide(n, a, b, c, o, e) : fusedLoop(n, a, b, c, o) { adadeltaDelta($0, $1, $2, e) } }
        }
    }

    /// The same formulas written with primitives, so gradients come for free.
    func expanded(_ x: [Node]) throws -> Node {
        switch kind {
        case .ema: return try T.add(T.mul(x[2], x[0]), T.mul(T.sub(1, x[2]), x[1]))
        case .emaSquare: return try T.add(T.mul(x[2], x[0]), T.mul(T.sub(1, x[2]), T.square(x[1])))
        case .accumulateSquare: return try T.add(x[0], T.square(x[1]))
        case .adamStep: return try T.sub(x[0], T.div(T.mul(x[3], x[1]), T.add(T.sqrt(x[2]), x[4])))
        case .sgdStep: return try T.sub(x[0], T.mul(x[2], x[1]))
        case .velocity: return try T.sub(T.mul(x[2], x[0]), T.mul(x[3], x[1]))
        case .nesterovStep: return try T.sub(T.add(x[0], T.mul(x[3], x[1])), T.mul(x[4], x[2]))
        case .rmsStep: return try T.sub(x[0], T.div(T.mul(x[3], x[1]), T.sqrt(T.add(x[2], x[4]))))
        case .adadeltaDelta: return try T.div(T.mul(x[0], T.sqrt(T.add(x[1], x[3]))), T.sqrt(T.add(x[2], x[3])))
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let e = try expanded(node.inputs)
        return try grad(T.sum(T.mul(e, T.stopGradient(g))), wrt: node.inputs, disconnected: .ignore)
    }
}

public extension T {
    /// A fused optimizer kernel over `inputs` (tensors of one shape, then scalar coefficients; see `FusedKind`).
    static func fused(_ kind: FusedKind, _ inputs: [NodeConvertible]) throws -> Node {
        guard inputs.count == kind.arity else { throw AgentNetError.invalid("\(kind.rawValue) takes \(kind.arity) inputs, got \(inputs.count)") }
        return try Node.make(FusedOp(kind: kind), inputs.map { try cast($0.node(), .float32) })
    }
}

/// `o[i] = f(a[i], b[i], c[i])` over contiguous buffers (unused operands repeat another); the closure is inlined,
/// so the compiler vectorises each loop (with `-fno-math-errno`, square roots included). `o` may be one of the
/// inputs (an in-place update): each element is read before it is written.
@inline(__always)
func fusedLoop(_ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
               _ o: UnsafeMutablePointer<Float>, _ f: (Float, Float, Float) -> Float) {
    for i in 0..<n { o[i] = f(a[i], b[i], c[i]) }
}
