/// The seed's `SessionPoolEnvironment`: a pool of recorded sessions stored in the engine (shared values), replayed
/// with `MDPAgent.getSessions(experienceReplay: true)` whole or through `selectSessionBatch`/`sampleSessionBatch`.
///
/// Storage, `N` sessions of `T` ticks: one `[N, T] + shape` value per observation and per action, rewards `[N, T]`
/// float32, `isAlive` and `isTruncated` `[N, T]` bool, and optionally the agent's memory before each session's
/// first tick, `[N] + shape` per memory. A new pool is empty (`N = 0`); unlike the seed there are no dummy
/// sessions. The pool can be filled from the host (`loadSessions`, `appendSessions`) or inside a compiled function
/// (`sessionUpdates`, `appendUpdates`, whose updates may change the pool's size).
public final class SessionPoolEnvironment: ReplayEnvironment {
    public let observationValues: [SharedValue]
    public let actionValues: [SharedValue]
    public let rewardValues: SharedValue
    public let isAliveValues: SharedValue
    public let isTruncatedValues: SharedValue
    public let memoryValues: [SharedValue]
    /// Per-item shapes given at creation (nil dimensions are taken from the first loaded sessions).
    public let observationShapes: [[Int?]], actionShapes: [[Int?]], memoryShapes: [[Int?]]
    /// Whether the loaded sessions came with preceding memories (else replay starts from zeros).
    public private(set) var hasPrecedingMemories = false
    /// Draws the session ids of `sampleSessionBatch` (the seed's `rng_seed`).
    public let rng: RandomState
    public var label: String { "SessionPoolEnvironment" }

    /// Item shapes and dtypes per observation, action and memory (an unknown dimension is `nil`).
    public init(observations: [([Int?], DType)], actions: [([Int?], DType)], agentMemories: [([Int?], DType)], rngSeed: UInt64 = 1337) throws {
        func store(_ items: [([Int?], DType)], _ ticks: Bool, _ name: String) throws -> [SharedValue] {
            try items.enumerated().map { i, item in
                guard item.0.count <= 6 else { throw AgentNetError.shape("SessionPoolEnvironment: \(name) \(i) has too many dimensions \(seedShape(item.0))") }
                return SharedValue(try Tensor(zeros: (ticks ? [0, 0] : [0]) + item.0.map { $0 ?? 0 }, dtype: item.1), name: "session_pool.\(name)\(i)", resizable: true)
            }
        }
        observationValues = try store(observations, true, "observation")
        actionValues = try store(actions, true, "action")
        memoryValues = try store(agentMemories, false, "memory")
        (observationShapes, actionShapes, memoryShapes) = (observations.map(\.0), actions.map(\.0), agentMemories.map(\.0))
        rewardValues = SharedValue(try Tensor(zeros: [0, 0]), name: "session_pool.rewards", resizable: true)
        isAliveValues = SharedValue(try Tensor(zeros: [0, 0], dtype: .bool), name: "session_pool.is_alive", resizable: true)
        isTruncatedValues = SharedValue(try Tensor(zeros: [0, 0], dtype: .bool), name: "session_pool.is_truncated", resizable: true)
        rng = RandomState(seed: rngSeed)
    }

    public var observations: [Node] { observationValues.map(\.node) }
    public var actions: [Node] { actionValues.map(\.node) }
    public var rewards: Node? { rewardValues.node }
    public var isAlive: Node? { isAliveValues.node }
    public var isTruncated: Node? { isTruncatedValues.node }
    public var precedingAgentMemories: [Node]? { hasPrecedingMemories ? memoryValues.map(\.node) : nil }
    /// The number of sessions in the pool (the seed's `pool_size`).
    public var poolSize: Int { rewardValues.shape[0] }

    /// Sessions given by the host: every sequence `[N, T, ...]`.
    public struct Sessions {
        public var observations: [Tensor], actions: [Tensor], rewards: Tensor
        public var isAlive: Tensor?, isTruncated: Tensor?, precedingMemories: [Tensor]?
        public init(observations: [Tensor], actions: [Tensor], rewards: Tensor, isAlive: Tensor? = nil,
                    isTruncated: Tensor? = nil, precedingMemories: [Tensor]? = nil) {
            (self.observations, self.actions, self.rewards) = (observations, actions, rewards)
            (self.isAlive, self.isTruncated, self.precedingMemories) = (isAlive, isTruncated, precedingMemories)
        }
    }

    /// The seed's `load_sessions`: replaces the pool with `sessions`. `isAlive` defaults to all ones,
    /// `isTruncated` to zeros; without `precedingMemories`, replay starts from zero memory.
    public func loadSessions(_ sessions: Sessions) throws {
        let values = try checked(sessions, "load_sessions")
        for (s, v) in zip(allValues, values) { try s.set(v) }
        hasPrecedingMemories = sessions.precedingMemories != nil
    }

    /// The seed's `append_sessions`: adds `sessions` after the pooled ones and keeps the newest `maxPoolSize`.
    /// Appending to an empty pool loads; otherwise every shape must match the pool's.
    public func appendSessions(_ sessions: Sessions, maxPoolSize: Int? = nil) throws {
        if let m = maxPoolSize, m < 1 { throw AgentNetError.invalid("append_sessions: max_pool_size must be positive, got \(m)") }
        let values = try checked(sessions, "append_sessions")
        let n = poolSize
        if n > 0 {
            if sessions.precedingMemories != nil && !hasPrecedingMemories || sessions.precedingMemories == nil && hasPrecedingMemories && !memoryValues.isEmpty {
                throw AgentNetError.invalid("append_sessions: the pool \(hasPrecedingMemories ? "holds" : "does not hold") preceding memories and the new sessions \(hasPrecedingMemories ? "do not" : "do"); give prev_memories consistently")
            }
            for (s, v) in zip(allValues, values) where Array(s.shape.dropFirst()) != Array(v.shape.dropFirst()) {
                throw AgentNetError.shape("append_sessions: new \(s.name ?? "sessions") have shape \(seedShape(v.shape)); the pool holds \(seedShape(s.shape)) (only the number of sessions may differ)")
            }
        }
        let keep = min(maxPoolSize ?? Int.max, (n > 0 ? n : 0) + values[0].shape[0])
        for (s, v) in zip(allValues, values) {
            let joined = n > 0 ? try concatenateRows(s.value, v) : v
            try s.set(try lastRows(joined, keep))
        }
        hasPrecedingMemories = sessions.precedingMemories != nil
    }

    /// Every stored value, in the order of `checked`'s result.
    var allValues: [SharedValue] {
        observationValues + actionValues + [rewardValues, isAliveValues, isTruncatedValues] + memoryValues
    }

    /// `sessions` as the pool's tensors (defaults filled in), checked against the pool's counts, item shapes and dtypes.
    func checked(_ s: Sessions, _ what: String) throws -> [Tensor] {
        guard s.observations.count == observationValues.count, s.actions.count == actionValues.count else {
            throw AgentNetError.invalid("\(what): the pool holds \(observationValues.count) observations and \(actionValues.count) actions, got \(s.observations.count) and \(s.actions.count)")
        }
        if let m = s.precedingMemories, m.count != memoryValues.count {
            throw AgentNetError.invalid("\(what): the pool holds \(memoryValues.count) agent memories, got \(m.count) prev_memories")
        }
        guard s.rewards.rank == 2 else { throw AgentNetError.shape("\(what): rewards must be [sessions, tick], got \(seedShape(s.rewards.shape))") }
        let nt = s.rewards.shape
        func conform(_ t: Tensor, _ item: [Int?], _ dtype: DType, ticks: Bool, _ name: String) throws -> Tensor {
            let lead = ticks ? nt : [nt[0]]
            guard t.rank == lead.count + item.count, Array(t.shape.prefix(lead.count)) == lead,
                  shapesAgree(Array(t.shape.dropFirst(lead.count)).map { $0 }, item) else {
                throw AgentNetError.shape("\(what): \(name) has shape \(seedShape(t.shape)); expected \(seedShape(lead.map { $0 } + item)) (sessions and ticks as in rewards)")
            }
            return try t.dtype == dtype ? t : castTensor(t, dtype)
        }
        var out: [Tensor] = []
        for (i, (t, v)) in zip(s.observations, observationValues).enumerated() {
            out.append(try conform(t, observationShapes[i], v.dtype, ticks: true, "observation \(i)"))
        }
        for (i, (t, v)) in zip(s.actions, actionValues).enumerated() {
            out.append(try conform(t, actionShapes[i], v.dtype, ticks: true, "action \(i)"))
        }
        out.append(try castTensor(s.rewards, .float32))
        out.append(try s.isAlive.map { try conform($0, [], .bool, ticks: true, "is_alive") } ?? filled(nt, .bool, 1))
        out.append(try s.isTruncated.map { try conform($0, [], .bool, ticks: true, "is_truncated") } ?? filled(nt, .bool, 0))
        for (i, v) in memoryValues.enumerated() {
            if let m = s.precedingMemories?[i] {
                out.append(try conform(m, memoryShapes[i], v.dtype, ticks: false, "prev_memories \(i)"))
            } else {
                out.append(try Tensor(zeros: [nt[0]] + (poolSize > 0 ? Array(v.shape.dropFirst()) : memoryShapes[i].map { $0 ?? 0 }), dtype: v.dtype))
            }
        }
        return out
    }

    /// The seed's `get_session_updates`: `(shared value, new value)` pairs that replace the pool with the given
    /// sessions inside a compiled function (`[N, T, ...]` expressions; defaults as in `loadSessions`).
    public func sessionUpdates(observations: [Node], actions: [Node], rewards: Node, isAlive: Node? = nil, isTruncated: Node? = nil,
                               precedingMemories: [Node]? = nil) throws -> [(SharedValue, Node)] {
        guard observations.count == observationValues.count, actions.count == actionValues.count,
              (precedingMemories?.count ?? memoryValues.count) == memoryValues.count else {
            throw AgentNetError.invalid("get_session_updates: the pool holds \(observationValues.count) observations, \(actionValues.count) actions and \(memoryValues.count) memories, got \(observations.count), \(actions.count) and \(precedingMemories?.count ?? 0)")
        }
        guard rewards.rank == 2 else { throw AgentNetError.shape("get_session_updates: rewards must be [sessions, tick], got \(seedShape(rewards.shape))") }
        var pairs: [(SharedValue, Node)] = []
        for (v, x) in zip(observationValues + actionValues, observations + actions) {
            guard x.rank == v.rank else {
                throw AgentNetError.shape("get_session_updates: \(v.name ?? "value") needs rank \(v.rank), got \(seedShape(x.shape))")
            }
            pairs.append((v, try T.cast(x, v.dtype)))
        }
        pairs.append((rewardValues, try T.cast(rewards, .float32)))
        pairs.append((isAliveValues, try isAlive.map { try T.cast($0, .bool) } ?? T.alloc(T.cast(1, .bool), T.shape(rewards))))
        pairs.append((isTruncatedValues, try isTruncated.map { try T.cast($0, .bool) } ?? T.alloc(T.cast(0, .bool), T.shape(rewards))))
        if let m = precedingMemories {
            for (v, x) in zip(memoryValues, m) {
                guard x.rank == v.rank else { throw AgentNetError.shape("get_session_updates: \(v.name ?? "memory") needs rank \(v.rank), got \(seedShape(x.shape))") }
                pairs.append((v, try T.cast(x, v.dtype)))
            }
            hasPrecedingMemories = true
        }
        return pairs
    }

    /// Updates that append the given sessions inside a compiled function, keeping the newest `maxPoolSize`:
    /// `concat(pool, new)[-maxPoolSize:]` for every stored value (the pool must hold sessions of the same shapes,
    /// or be replaced by `sessionUpdates` first).
    public func appendUpdates(observations: [Node], actions: [Node], rewards: Node, isAlive: Node? = nil, isTruncated: Node? = nil,
                              precedingMemories: [Node]? = nil, maxPoolSize: Int? = nil) throws -> [(SharedValue, Node)] {
        if let m = maxPoolSize, m < 1 { throw AgentNetError.invalid("append_sessions: max_pool_size must be positive, got \(m)") }
        let pairs = try sessionUpdates(observations: observations, actions: actions, rewards: rewards, isAlive: isAlive,
                                       isTruncated: isTruncated, precedingMemories: precedingMemories)
        // An empty pool takes the shape of the sessions appended to it (when they are known now), so a function
        // that appends works from its first call.
        if poolSize == 0 {
            for (v, x) in pairs where v.shape.first == 0 {
                let item = x.shape.dropFirst()
                if item.allSatisfy({ $0 != nil }) { try v.set(Tensor(zeros: [0] + item.map { $0! }, dtype: v.dtype)) }
            }
        }
        return try pairs.map { v, x in
            let joined = try T.concatenate([v.node, x], axis: 0)
            guard let m = maxPoolSize else { return (v, joined) }
            return (v, try Node.make(SliceOp(items: [.range(start: -m, stop: nil, step: 1)]), [joined]))
        }
    }

    /// The seed's `select_session_batch`: the sessions at `selector` (int `[n]`), as a SessionBatchEnvironment.
    public func selectSessionBatch(_ selector: Node) throws -> SessionBatchEnvironment {
        guard selector.rank == 1, selector.dtype != .float32 else {
            throw AgentNetError.invalid("select_session_batch: selector must be a vector of session indices, got \(selector.dtype) of shape \(seedShape(selector.shape))")
        }
        func pick(_ v: SharedValue) throws -> Node { try Node.make(AdvancedIndexOp(isArray: [true], negativeIndices: false), [v.node, selector]) }
        return try SessionBatchEnvironment(
            observations: observationValues.map(pick), singleObservationShapes: observationValues.map { Array(repeating: nil, count: $0.rank - 2) },
            actions: actionValues.map(pick), singleActionShapes: actionValues.map { Array(repeating: nil, count: $0.rank - 2) },
            rewards: pick(rewardValues), isAlive: pick(isAliveValues), isTruncated: pick(isTruncatedValues),
            precedingAgentMemories: hasPrecedingMemories ? memoryValues.map(pick) : nil)
    }

    /// The seed's `sample_session_batch`: `maxNSamples` sessions drawn uniformly on every call of the compiled
    /// function (`min(maxNSamples, poolSize)` distinct ones when `replace` is false). Sampling an empty pool is a
    /// runtime error.
    public func sampleSessionBatch(maxNSamples: Int, replace: Bool = false) throws -> SessionBatchEnvironment {
        guard maxNSamples >= 1, maxNSamples <= Int(Int32.max) else {
            throw AgentNetError.invalid("sample_session_batch: max_n_samples must be a positive int, got \(maxNSamples)")
        }
        let ids = try Node.make(SampleSessionsOp(count: maxNSamples, replace: replace, state: rng), [rewardValues.node])
        return try selectSessionBatch(ids)
    }
}

/// Session ids drawn from a pool whose size is input 0's first dimension (only its shape is read): `count` ids
/// with replacement, or `min(count, N)` distinct ones without (a partial Fisher–Yates shuffle).
struct SampleSessionsOp: Op {
    let count: Int
    let replace: Bool
    let state: RandomState
    var name: String { "sample_sessions" }
    var staticInputs: [Int] { [] }
    var isFoldable: Bool { false }

    func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (.int32, [replace ? count : nil]) }

    func shape(_ ctx: ShapeContext) throws -> [Int] {
        let n = ctx.shapes[0].first ?? 0
        guard n > 0 else {
            throw AgentNetError(.runtime, "sample_session_batch: the session pool is empty; fill it with load_sessions or append_sessions before sampling")
        }
        return [replace ? count : Swift.min(count, n)]
    }

    func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let n = inputs[0].shape[0], k = output.count, replace = self.replace, rng = state
        var perm = [Int32](repeating: 0, count: replace ? 0 : n)
        return {
            rng.drawing {
                if replace {
                    for i in 0..<k { output.ints[i] = Int32(rng.below(n)) }
                    return
                }
                for i in 0..<n { perm[i] = Int32(i) }
                for i in 0..<k {
                    let j = i + rng.below(n - i)
                    perm.swapAt(i, j)
                    output.ints[i] = perm[i]
                }
            }
        }
    }

    func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [nil] }
    var attributes: String { "count=\(count), replace=\(replace)" }
}

// MARK: host-side tensor helpers

/// `t` cast to `dtype` (float ↔ int ↔ bool as numpy's `astype`, float → int truncating toward zero).
func castTensor(_ t: Tensor, _ dtype: DType) throws -> Tensor {
    if t.dtype == dtype { return t }
    return try evaluate([T.cast(Node.constant(t), dtype)])[0]
}

/// Rows of `a` then rows of `b` (same trailing shape and dtype).
func concatenateRows(_ a: Tensor, _ b: Tensor) throws -> Tensor {
    try evaluate([T.concatenate([Node.constant(a), Node.constant(b)], axis: 0)])[0]
}

/// The last `n` rows of `t` (all of them when it has fewer).
func lastRows(_ t: Tensor, _ n: Int) throws -> Tensor {
    guard t.shape[0] > n else { return t }
    return try evaluate([Node.make(SliceOp(items: [.range(start: t.shape[0] - n, stop: nil, step: 1)]), [Node.constant(t)])])[0]
}

/// `shape` filled with `value`.
func filled(_ shape: [Int], _ dtype: DType, _ value: Float) throws -> Tensor {
    try evaluate([T.alloc(T.cast(value, dtype), Node.ints(shape))])[0]
}
