/// Lasagne's loss functions: elementwise (or per-row) losses, and `aggregate` to reduce them to a training scalar.
/// Composed from primitives, so their gradients come from the ops' rules.
public enum Objectives {
    /// Lasagne's `align_targets`: `[N, 1]` predictions with `[N]` targets → targets reshaped to `[N, 1]`.
    static func alignTargets(_ predictions: Node, _ targets: Node) throws -> (Node, Node) {
        if predictions.rank == 2, predictions.shape[1] == 1, targets.rank == 1 {
            return (predictions, try T.dimshuffle(targets, [0, -1]))
        }
        return (predictions, targets)
    }

    /// `(a − b)²`, elementwise, of the broadcast shape of `a` and `b`.
    public static func squaredError(_ a: Node, _ b: Node) throws -> Node {
        let (a, b) = try alignTargets(a, b)
        return try T.square(T.sub(a, b))
    }

    /// `−(t·log p + (1 − t)·log(1 − p))`, elementwise: `predictions` are probabilities in (0, 1) (a sigmoid output),
    /// `targets` 0/1 labels or soft targets. Predictions of exactly 0 or 1 give infinite losses.
    public static func binaryCrossentropy(_ predictions: Node, _ targets: Node) throws -> Node {
        let (p, t) = try alignTargets(predictions, targets)
        return try T.neg(T.add(T.mul(t, T.log(p)), T.mul(T.sub(1, t), T.log(T.sub(1, p)))))
    }

    /// Per-row cross-entropy of `predictions` `[N, C]` (class probabilities, a softmax output) against int32 class
    /// indices `[N]` (`−log p[i, t[i]]`) or a distribution `[N, C]` (`−Σ_c t[i, c]·log p[i, c]`). Result `[N]`.
    public static func categoricalCrossentropy(_ predictions: Node, _ targets: Node) throws -> Node {
        guard predictions.rank == 2 else {
            throw AgentNetError.invalid("categorical_crossentropy: predictions must be [N, C], got rank \(predictions.rank)")
        }
        if targets.rank == 2 {
            return try T.neg(T.sum(T.mul(targets, T.log(predictions)), axes: [1]))
        }
        guard targets.rank == 1 else {
            throw AgentNetError.invalid("categorical_crossentropy: targets must be [N] class indices or [N, C] like the predictions, got rank \(targets.rank) targets for rank 2 predictions")
        }
        guard targets.dtype == .int32 else {
            throw AgentNetError.dtype("categorical_crossentropy: class-index targets must be integers, got \(targets.dtype)")
        }
        let p = try T.cast(predictions, .float32)
        let rows = try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), T.index(T.shape(p), 0), Node.intScalar(1)])
        return try T.neg(T.log(Node.make(AdvancedIndexOp(isArray: [true, true]), [p, rows, targets])))
    }

    /// Elementwise Huber loss with `d = targets − predictions`: `½d²` where `|d| ≤ delta`, else `delta·(|d| − delta/2)`.
    public static func huberLoss(_ predictions: Node, _ targets: Node, delta: Float = 1) throws -> Node {
        guard delta.isFinite, delta > 0 else { throw AgentNetError.invalid("huber_loss: delta must be finite and > 0, got \(delta)") }
        let (p, t) = try alignTargets(predictions, targets)
        let absDiff = try T.abs(T.sub(t, p))
        let quadratic = try T.mul(Float(0.5), squaredError(t, p))
        let linear = try T.mul(delta, T.sub(absDiff, delta / 2))
        return try T.where_(T.le(absDiff, delta), quadratic, linear)
    }

    /// How `aggregate` reduces: the mean or sum of the (weighted) losses, or their sum over the sum of the weights.
    public enum Mode: String, Sendable { case mean, sum, normalizedSum = "normalized_sum" }

    /// Reduces a loss tensor to a scalar, multiplying it elementwise by `weights` first (e.g. a `[N]` mask of
    /// valid rows); `.normalizedSum` requires weights.
    public static func aggregate(_ loss: Node, weights: Node? = nil, mode: Mode = .mean) throws -> Node {
        var l = loss
        if let weights { l = try T.mul(l, weights) }
        switch mode {
        case .mean: return try T.mean(l)
        case .sum: return try T.sum(l)
        case .normalizedSum:
            guard let weights else { throw AgentNetError.invalid("require weights for mode='normalized_sum'") }
            return try T.div(T.sum(l), T.sum(weights))
        }
    }
}
