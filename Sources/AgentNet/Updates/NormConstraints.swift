/// Lasagne's norm constraints: rescale a weight tensor (or its update) per unit, or a list of tensors (typically
/// gradients) jointly, so that their Euclidean norms are at most `maxNorm`.
public extension Updates {
    /// `x · clip(norms, 0, maxNorm) / (epsilon + norms)` with `norms = √(Σ x²)` over `normAxes` (kept as size-1
    /// axes). By default `[0]` for 2-D tensors (dense weights `[n_in, n_out]`, one norm per unit) and every axis but
    /// the first for 3-, 4- and 5-D ones (convolution filters `[out, in, …]`).
    static func normConstraint(_ x: Node, maxNorm: Float, normAxes: [Int]? = nil, epsilon: Float = 1e-7) throws -> Node {
        let axes: [Int]
        if let normAxes {
            axes = normAxes
        } else if x.rank == 2 {
            axes = [0]
        } else if (3...5).contains(x.rank) {
            axes = Array(1..<x.rank)
        } else {
            throw AgentNetError.invalid("Unsupported tensor dimensionality \(x.rank). Must specify `norm_axes`")
        }
        try checkNorm(maxNorm, epsilon)
        let v = try T.cast(x, .float32)
        let norms = try T.sqrt(T.sum(T.square(v), axes: axes, keepdims: true))
        return try T.mul(v, T.div(T.clip(norms, Float(0), maxNorm), T.add(norms, epsilon)))
    }

    /// Rescales `xs` together: `norm = √(Σᵢ Σ xᵢ²)`; each `xᵢ · clip(norm, 0, maxNorm) / (epsilon + norm)`.
    /// Returns the rescaled tensors (same shapes) and the joint norm before rescaling (a scalar).
    static func totalNormConstraint(_ xs: [Node], maxNorm: Float, epsilon: Float = 1e-7) throws -> (scaled: [Node], norm: Node) {
        guard !xs.isEmpty else { throw AgentNetError.invalid("total_norm_constraint needs at least one tensor") }
        try checkNorm(maxNorm, epsilon)
        let vs = try xs.map { try T.cast($0, .float32) }
        var total = try T.sum(T.square(vs[0]))
        for v in vs.dropFirst() { total = try T.add(total, T.sum(T.square(v))) }
        let norm = try T.sqrt(total)
        let multiplier = try T.div(T.clip(norm, Float(0), maxNorm), T.add(norm, epsilon))
        return (try vs.map { try T.mul($0, multiplier) }, norm)
    }

    private static func checkNorm(_ maxNorm: Float, _ epsilon: Float) throws {
        guard maxNorm.isFinite, maxNorm >= 0 else { throw AgentNetError.invalid("max_norm must be finite and >= 0, got \(maxNorm)") }
        guard epsilon.isFinite, epsilon >= 0 else { throw AgentNetError.invalid("epsilon must be finite and >= 0, got \(epsilon)") }
    }
}
