/// `agentnet.learning.generic`: the helpers every objective is built from. Shapes are `[batch, tick]` unless said.
///
/// Conventions (the seed's): a session is alive on the tick it takes its terminating action and dead afterwards,
/// so an alive→dead transition marks the terminal tick; losses are multiplied by `is_alive` and reduced by the user.

/// How far a reference looks ahead before bootstrapping from a predicted value.
public enum NSteps {
    /// The whole session (the seed's `n_steps=None`): bootstrap once, at the last computed tick.
    case whole
    /// Blocks of `n` ticks counted back from the last computed tick.
    case fixed(Int)
    /// An int32 scalar expression, read when the function runs.
    case symbolic(Node)
}

/// `loss_function(reference, predicted)`: an elementwise loss of two `[batch, tick]` expressions. The built-in
/// ones (`Objectives.squaredError`, the default, and `Objectives.huberLoss`) are symmetric in their arguments.
public typealias LossFunction = (Node, Node) throws -> Node

public enum Generic {
    /// Loss functions by the names of `agentnet.objectives` (`Objectives.swift` holds the one implementation).
    public static func loss(named name: String) throws -> LossFunction {
        switch name {
        case "squared_error": return Objectives.squaredError
        case "huber_loss": return { try Objectives.huberLoss($0, $1) }
        default: throw AgentNetError.invalid("unknown loss function '\(name)' (known: squared_error, huber_loss)")
        }
    }

    /// bool `[B,T]`: tick t is a session's last (`alive[t] - alive[t+1] == 1`). The last column is 0, or with
    /// `forceEndAtTMax` 1 in rows without any end.
    public static func endIndicator(_ isAlive: Node, forceEndAtTMax: Bool = false) throws -> Node {
        guard isAlive.rank == 2 else { throw AgentNetError.shape("get_end_indicator: is_alive must be [batch, tick], got \(formatShape(isAlive.shape))") }
        let alive = try T.cast(isAlive, .float32)
        let ends = try T.eq(T.sub(ticks(alive, nil, -1), ticks(alive, 1, nil)), 1)
        let zeros = try T.cast(T.mul(ticks(alive, -1, nil), 0), .int32)
        // The zero column keeps the row maximum defined when there is a single tick.
        let lastColumn = forceEndAtTMax
            ? try T.eq(T.max(T.concatenate([T.cast(ends, .int32), zeros], axis: 1), axes: [1], keepdims: true), 0)
            : try T.cast(zeros, .bool)
        return try T.concatenate([ends, lastColumn], axis: 1)
    }

    /// float `[B,T]`: `values[b, t, actions[b, t]]` for values `[B,T,A]` (any leading shape works).
    public static func valuesForActions(_ values: Node, _ actions: Node) throws -> Node {
        try Node.make(TakeActionOp(), [T.cast(values, .float32), T.cast(actions, .int32)])
    }

    /// uint8-like mask as bool `[B,T]`: 1 up to and including the first end-of-sequence tick, 0 after it.
    public static func maskByEOS(_ isEOS: Node) throws -> Node {
        guard isEOS.rank == 2 else { throw AgentNetError.shape("get_mask_by_eos: is_eos must be [batch, tick], got \(formatShape(isEOS.shape))") }
        let e = try T.cast(T.ne0(isEOS), .int32)
        let before = try T.sub(Node.make(CumsumOp(axis: 1, reverse: false), [e]), e)
        return try T.eq(before, 0)
    }

    /// The n-step TD reference `[B,T]` (see `ValueReferenceOp` for the exact rule):
    /// `ref[t] = r[t] + γ[t]·r[t+1] + … + γ…·V[t+k]`, k ≤ n, stopping at session ends and truncations.
    ///
    /// Block boundaries are counted back from the last computed tick (`T-2` with `cropLast`, else `T-1`), so the
    /// tick before a cropped one bootstraps from the prediction after it. The 2017 code counted them from `T-1`
    /// whatever `cropLast` was, which for n ≥ 3 with `cropLast` left the last block without a bootstrap; both
    /// agree for n = 1, 2, the whole session, and whenever `cropLast` is false.
    ///
    /// - `isAlive`: nil means always alive. `gamma`: scalar, `[B]` or `[B,T]`; `gamma[:, t]` discounts what
    ///   follows tick t. `stateValuesAfterEnd`: `[B,1]` or `[B]`, nil means zeros. `isTruncated`: `[B,T]`, 1 on a
    ///   tick cut by a time limit: it bootstraps from the next tick's value (the final observation's) instead of
    ///   ending, and it wins over an alive→dead transition on the same tick; nil reproduces the seed.
    public static func nStepValueReference(_ stateValues: Node, _ rewards: Node, isAlive: Node? = nil, nSteps: NSteps = .whole,
                                           gamma: NodeConvertible = 0.99, cropLast: Bool = true, stateValuesAfterEnd: Node? = nil,
                                           endAtTMax: Bool = false, isTruncated: Node? = nil) throws -> Node {
        let v = try T.cast(stateValues, .float32)
        guard v.rank == 2 else { throw AgentNetError.shape("get_n_step_value_reference: state_values must be [batch, tick], got \(formatShape(v.shape))") }
        let steps: ValueReferenceOp.Steps
        var extra: [Node] = []
        switch nSteps {
        case .whole: steps = .whole
        case .fixed(let n):
            guard n >= 1 else { throw AgentNetError.invalid("get_n_step_value_reference: n_steps must be a positive integer or None, got \(n)") }
            steps = .fixed(n)
        case .symbolic(let n):
            guard n.rank == 0, n.dtype != .float32 else { throw AgentNetError.dtype("get_n_step_value_reference: a symbolic n_steps must be an integer scalar, got \(n.dtype)\(formatShape(n.shape))") }
            steps = .symbolic
            extra = [try T.cast(n, .int32)]
        }
        let r = try T.cast(rewards, .float32)
        let alive = try isAlive.map { try T.cast($0, .float32) } ?? T.onesLike(v)
        var after = try stateValuesAfterEnd.map { try T.cast($0, .float32) } ?? zeroTick(like: v)
        if after.rank == 1 { after = try T.expandDims(after, 1) }
        let g = try T.cast(gamma.node(), .float32)
        var inputs = [v, r, alive, g, after]
        if let tr = isTruncated { inputs.append(try T.cast(tr, .float32)) }
        let op = ValueReferenceOp(steps: steps, cropLast: cropLast, endAtTMax: endAtTMax, truncated: isTruncated != nil)
        return try Node.make(op, inputs + extra)
    }

    /// The 1-step TD reference `r + γ·V_next·(1 - is_end)` (`ref[T-1] = V[T-1]` with `cropLast`): the same op with n = 1.
    public static func oneStepValueReference(_ stateValues: Node, _ rewards: Node, isAlive: Node? = nil, gamma: NodeConvertible = 0.99,
                                             cropLast: Bool = true, stateValuesAfterEnd: Node? = nil, endAtTMax: Bool = false,
                                             isTruncated: Node? = nil) throws -> Node {
        try nStepValueReference(stateValues, rewards, isAlive: isAlive, nSteps: .fixed(1), gamma: gamma, cropLast: cropLast,
                                stateValuesAfterEnd: stateValuesAfterEnd, endAtTMax: endAtTMax, isTruncated: isTruncated)
    }

    /// `x` with its last tick replaced by `last`'s (`ref[:, T-1] = Qa[:, T-1]`: zero TD error on a cropped tick).
    static func replacingLastTick(_ x: Node, with last: Node) throws -> Node {
        try T.concatenate([ticks(x, nil, -1), ticks(last, -1, nil)], axis: 1)
    }

    /// Zeros `[batch, 1]` float32, one tick of `x`'s batch (a value after the end, a cropped tick's loss).
    static func zeroTick(like x: Node) throws -> Node {
        try T.alloc(Float(0), T.stackInts([T.index(T.shape(x), 0), Node.intScalar(1)]))
    }

    /// `x[:, start:stop]`.
    static func ticks(_ x: Node, _ start: Int?, _ stop: Int?) throws -> Node {
        try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: start, stop: stop, step: 1)]), [x])
    }

    /// Checks a `[batch, tick]` argument's rank, naming it.
    static func matrix(_ x: Node, _ what: String, _ fn: String) throws -> Node {
        guard x.rank == 2 else { throw AgentNetError.shape("\(fn): \(what) must be [batch, tick], got \(formatShape(x.shape))") }
        return x
    }
}

extension T {
    /// `x != 0` as bool.
    static func ne0(_ x: Node) throws -> Node { x.dtype == .bool ? x : try neq(x, cast(0, x.dtype)) }
}
