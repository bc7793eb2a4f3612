/// What every TD objective computes before its loss: the reference, the prediction it is compared with, and the
/// alive mask the loss is multiplied by. The C boundary hands `reference` and `predicted` to Python when the loss
/// is a user's own function.
public struct TDTerms {
    /// `[B,T]`, without gradient when the objective considers it constant.
    public let reference: Node
    /// `[B,T]`: Q(s, a) or V(s).
    public let predicted: Node
    /// `[B,T]` float, or nil for "always alive".
    public let isAlive: Node?
    /// With `cropLast`: the loss at the last tick is zero by definition, so `loss` does not read that tick's
    /// prediction (which then need not be computed: see `SliceOp.partsOfConcatenation`).
    public let lossCroppedAtLastTick: Bool

    public init(reference: Node, predicted: Node, isAlive: Node?, lossCroppedAtLastTick: Bool = false) {
        (self.reference, self.predicted, self.isAlive, self.lossCroppedAtLastTick) = (reference, predicted, isAlive, lossCroppedAtLastTick)
    }

    /// `loss(reference, predicted) · is_alive`, `[B,T]`.
    public func loss(_ f: LossFunction) throws -> Node {
        guard lossCroppedAtLastTick else { return try masked(f(reference, predicted), isAlive) }
        let head = try masked(f(Generic.ticks(reference, nil, -1), Generic.ticks(predicted, nil, -1)),
                              isAlive.map { try Generic.ticks($0, nil, -1) })
        return try T.concatenate([head, Generic.zeroTick(like: head)], axis: 1)
    }
}

/// `x · is_alive` (unchanged for "always alive").
func masked(_ x: Node, _ isAlive: Node?) throws -> Node {
    guard let a = isAlive else { return x }
    return try T.mul(x, T.cast(a, .float32))
}

/// `[B,T]` state values from `[B,T]` or `[B,T,1]` (the seed squeezed the trailing axis).
func stateValueMatrix(_ v: Node, _ what: String, _ fn: String) throws -> Node {
    if v.rank == 3 {
        guard v.shape[2] == nil || v.shape[2] == 1 else {
            throw AgentNetError.shape("\(fn): \(what) must be [batch, tick] or [batch, tick, 1], got \(formatShape(v.shape))")
        }
        return try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: nil, stop: nil, step: 1), .index(0)]), [v])
    }
    return try Generic.matrix(v, what, fn)
}

/// Rank checks shared by the objectives: `[B,T]` rewards, actions and masks.
func checkMatrices(_ fn: String, _ named: [(Node?, String)]) throws {
    for case let (x?, what) in named { _ = try Generic.matrix(x, what, fn) }
}
