/// The layers of Q-learning with normalized advantage functions (`agentnet.learning.qlearning_naf`; Gu, Lillicrap,
/// Sutskever & Levine 2016, arXiv:1603.00748), for continuous actions `u` of `A` dimensions:
///
///     Q(s, u) = V(s) + A(s, u),    A(s, u) = −½ (u − μ(s))ᵀ P(s) (u − μ(s)),    P = L Lᵀ,
///
/// with `L` lower triangular, so `μ(s)` is the greedy action and `V(s) = max_u Q(s, u)`. The loss is the DPG
/// critic's, `DPG.elementwiseObjectiveCritic(actionQvalues: Q(s, u_taken), stateValues: V(s), …)`. As in the seed,
/// nothing makes L's diagonal positive (the paper exponentiates it), so P is only positive semi-definite.
/// `buildNAFController` (NAFController.swift) wires these layers into the seed's controller.

/// `agentnet.learning.qlearning_naf`'s functions. Its objective is `DPG.elementwiseObjectiveCritic`.
public enum QLearningNAF {
    /// `d(d+1)/2`, the number of entries of a lower-triangular `d × d` matrix (`diag_to_tril_size`).
    public static func diagToTrilSize(_ d: Int) throws -> Int {
        try checkTrilDiag(d, "diag_to_tril_size")
        return trilSize(d)
    }

    /// The `d` with `d(d+1)/2 == s` (`tril_size_to_diag`), or nil when `s` is not a triangular number. (The seed
    /// floored `−½ + √(¼ + 2s)` and so never noticed a wrong size.)
    public static func trilSizeToDiag(_ s: Int) -> Int? {
        guard s >= 1, s <= trilSize(1 << 31) else { return nil }
        var d = Int((-0.5 + (0.25 + 2 * Double(s)).squareRoot()).rounded())
        while d > 1, trilSize(d) > s { d -= 1 }
        while trilSize(d) < s { d += 1 }
        return trilSize(d) == s ? d : nil
    }
}

/// Fills lower-triangular `[batch, d, d]` matrices, row by row (numpy's `tril_indices` order), from the
/// `[batch, d(d+1)/2]` outputs of its incoming layer: `[1, 2, 3]` gives `[[1, 0], [2, 3]]`. The seed's
/// `matrix_diag` (learn a linear map to the right number of entries first) is the convenience initializer.
public final class LowerTriangularLayer: Layer {
    /// `d`, the size of the matrices.
    public let matrixDiag: Int

    /// A layer for `[batch, d(d+1)/2]` inputs; `d` is inferred from the number of entries.
    public init(inputShape: [Int?], name: String? = nil) throws {
        let label = name.map { "LowerTriangularLayer '\($0)'" } ?? "LowerTriangularLayer"
        guard inputShape.count == 2, let entries = inputShape[1] else {
            throw AgentNetError.shape("\(label): the incoming layer must be [batch, units] with a known number of units, got \(formatShape(inputShape))")
        }
        guard let d = QLearningNAF.trilSizeToDiag(entries) else {
            throw AgentNetError.shape("\(label): the incoming layer has \(entries) units, which do not fill a lower-triangular matrix (d(d+1)/2 units for a d x d matrix: 1, 3, 6, 10, ...); give matrix_diag to learn a linear map to the right number")
        }
        matrixDiag = d
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] { [inputShapes[0][0], matrixDiag, matrixDiag] }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        try LowerTriangularLayer(inputShape: shapes[0], name: name).outputShape
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.fillTril(inputs[0], diag: matrixDiag)
    }

    public override var attributes: [String] { ["matrix_diag=\(matrixDiag)"] }
}

public extension LowerTriangularLayer {
    /// Fed by `incoming` directly (`matrixDiag` nil: its units are the entries), or with `matrixDiag` through a
    /// linear `DenseLayer` of `d(d+1)/2` units named `"<name>.preprocess_input"`, as the seed does.
    convenience init(_ incoming: Layer, matrixDiag: Int? = nil, name: String? = nil) throws {
        var source = incoming
        if let d = matrixDiag {
            source = try DenseLayer(incoming, numUnits: QLearningNAF.diagToTrilSize(d), nonlinearity: .linear,
                                    name: (name ?? "") + ".preprocess_input")
        }
        try self.init(inputShape: source.outputShape, name: name)
        try setIncoming([source])
    }
}

/// NAF's advantage `A = −½ (u − μ)ᵀ L Lᵀ (u − μ)`, `[batch, 1]`, from the actions `u` `[batch, A]`, the greedy
/// actions `μ` `[batch, A]` and `L` `[batch, A, A]` (inputs in that order, as the seed's
/// `NAFLayer(action_layer, mean_layer, L_layer)`).
///
/// Computed as `−½ ‖Lᵀ(u − μ)‖²`, the same number: one `[1, A] × [A, A]` product per row (A² multiply-adds)
/// instead of forming P = L Lᵀ (A³), and never positive, even after float32 rounding. The gradients come from the
/// primitives' rules (batched matrix product, square, sum).
public final class NAFLayer: Layer {
    public init(actionShape u: [Int?], meanShape mu: [Int?], LShape l: [Int?], name: String? = nil) throws {
        let label = name.map { "NAFLayer '\($0)'" } ?? "NAFLayer"
        let inputShapes = [u, mu, l]
        let all = inputShapes.map { formatShape($0) }.joined(separator: ", ")
        guard u.count == 2, mu.count == 2, l.count == 3 else {
            throw AgentNetError.shape("\(label): expected action_layer [batch, action], mean_layer [batch, action] and L_layer [batch, action, action], got \(all)")
        }
        func agree(_ dims: [Int?]) -> Bool { Set(dims.compactMap { $0 }).count <= 1 }
        guard agree([u[1], mu[1], l[1], l[2]]) else {
            throw AgentNetError.shape("\(label): action_layer, mean_layer and L_layer disagree on the number of action dimensions: \(all)")
        }
        guard agree([u[0], mu[0], l[0]]) else {
            throw AgentNetError.shape("\(label): action_layer, mean_layer and L_layer disagree on the batch size: \(all)")
        }
        super.init(inputShapes: inputShapes, name: name)
    }

    public override var outputShape: [Int?] { [inputShapes.lazy.compactMap { $0[0] }.first, 1] }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        try NAFLayer(actionShape: shapes[0], meanShape: shapes[1], LShape: shapes[2], name: name).outputShape
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let diff = try T.dimshuffle(T.sub(T.cast(inputs[0], .float32), T.cast(inputs[1], .float32)), [0, -1, 1])  // [B, 1, A]
        let w = try T.batchedDot(diff, T.cast(inputs[2], .float32))  // [B, 1, A] = (Lᵀ(u − μ))ᵀ
        return try T.mul(T.sum(T.square(w), axes: [2]), Float(-0.5))
    }
}

public extension NAFLayer {
    convenience init(action: Layer, mean: Layer, L: Layer, name: String? = nil) throws {
        try self.init(actionShape: action.outputShape, meanShape: mean.outputShape, LShape: L.outputShape, name: name)
        try setIncoming([action, mean, L])
    }
}

/// `clip(input, low, high)` with one bound for all values or one per position of the last axis (per action): the
/// greedy actions kept within the action limits (the seed's `NonlinearityLayer(mean, lambda a: a.clip(low, high))`).
/// Infinite bounds are no bound. The gradient flows where `low ≤ x ≤ high`.
public final class ClipLayer: Layer {
    public let low: [Float], high: [Float]

    public init(inputShape: [Int?], low: [Float] = [-.infinity], high: [Float] = [.infinity], name: String? = nil) throws {
        let label = name.map { "ClipLayer '\($0)'" } ?? "ClipLayer"
        let width = inputShape.last ?? nil
        for (what, b) in [("low", low), ("high", high)] {
            guard b.count == 1 || (!inputShape.isEmpty && (width == nil || width == b.count)) else {
                throw AgentNetError.shape("\(label): \(what) must be one number or one per position of the last axis of \(formatShape(inputShape)), got \(b.count)")
            }
            guard !b.contains(where: \.isNaN) else { throw AgentNetError.invalid("\(label): \(what) contains NaN") }
        }
        guard low.count == 1 || high.count == 1 || low.count == high.count else {
            throw AgentNetError.shape("\(label): low has \(low.count) bounds and high \(high.count)")
        }
        let n = Swift.max(low.count, high.count)
        for i in 0..<n where low[low.count == 1 ? 0 : i] > high[high.count == 1 ? 0 : i] {
            throw AgentNetError.invalid("\(label): low must not exceed high, got low \(low) and high \(high)")
        }
        (self.low, self.high) = (low, high)
        super.init(inputShapes: [inputShape], name: name)
    }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[0] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        func bound(_ b: [Float]) throws -> Node { b.count == 1 ? Node.scalar(b[0]) : Node.constant(try Tensor(b, shape: [b.count])) }
        return try T.clip(T.cast(inputs[0], .float32), bound(low), bound(high))
    }

    public override var attributes: [String] { ["low=\(low.count == 1 ? "\(low[0])" : "\(low)")", "high=\(high.count == 1 ? "\(high[0])" : "\(high)")"] }
}

extension LayerRegistry {
    /// A bound: a number (±Infinity allowed) or a list of numbers.
    static func bounds(_ s: LayerSpec, _ key: String, _ dflt: Float) throws -> [Float] {
        guard let v = s.attrs[key], !v.isNull else { return [dflt] }
        let values = v.array ?? [v]
        return try values.map {
            guard case .number(let d) = $0 else { throw AgentNetError.invalid("\(s.kind): '\(key)' must be a number or a list of numbers, got \(v.serialized)") }
            return Float(d)
        }
    }

    static let nafLayers: [String: Maker] = [
        "LowerTriangularLayer": { s in try LowerTriangularLayer(inputShape: s.one(), name: s.name) },
        "NAFLayer": { s in
            guard s.inputShapes.count == 3 else {
                throw AgentNetError.invalid("NAFLayer takes three incoming layers (action_layer, mean_layer, L_layer), got \(s.inputShapes.count)")
            }
            return try NAFLayer(actionShape: s.inputShapes[0], meanShape: s.inputShapes[1], LShape: s.inputShapes[2], name: s.name)
        },
        "ClipLayer": { s in
            try ClipLayer(inputShape: s.one(), low: bounds(s, "low", -.infinity), high: bounds(s, "high", .infinity), name: s.name)
        },
    ]
}
