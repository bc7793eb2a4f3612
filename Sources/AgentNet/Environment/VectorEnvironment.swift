// The one batch driver behind every native environment: per-sub-env random streams, time limits and autoreset
// around a family's `EnvironmentDynamics`.

/// `numEnvs` sub-envs of one family, stepped in one call.
///
/// Matches `gymnasium.vector.SyncVectorEnv` over `gymnasium.make(id)` envs: sub-env `i` owns its random stream,
/// `episodes.elapsed[i]` counts steps since its reset for the time limit (Gymnasium's `TimeLimit`), and autoreset follows
/// `autoresetMode`. Every call validates all of its input before changing any state. Calls from several threads take
/// turns (`lock`): the physics and random streams are never stepped by two at once.
public final class VectorEnvironment<D: EnvironmentDynamics>: Environment, @unchecked Sendable {
    public let numEnvs: Int
    public let autoresetMode: AutoresetMode
    public let maxEpisodeSteps: Int?
    var dynamics: D
    var episodes: _Episodes
    private let lock = Lock()

    public var id: String { D.id }
    public var observationSize: Int { D.observationSize }
    public var stateSize: Int { D.stateSize }
    public var actionSpace: ActionSpace { D.actionSpace }
    public var renderSize: (height: Int, width: Int) { D.renderSize }

    /// - Parameters:
    ///   - numEnvs: number of sub-envs, 1...2^20.
    ///   - maxEpisodeSteps: time limit; nil for none (a single Gymnasium env leaves it to the `TimeLimit` wrapper).
    public init(numEnvs: Int, autoresetMode: AutoresetMode = .nextStep, maxEpisodeSteps: Int? = nil) throws {
        guard numEnvs >= 1, numEnvs <= 1 << 20 else {
            throw AgentNetError(.invalidArgument, "num_envs must be in 1...\(1 << 20), got \(numEnvs)")
        }
        if let limit = maxEpisodeSteps, limit < 1 {
            throw AgentNetError(.invalidArgument, "max_episode_steps must be positive or absent, got \(limit)")
        }
        self.numEnvs = numEnvs
        self.autoresetMode = autoresetMode
        self.maxEpisodeSteps = maxEpisodeSteps
        dynamics = D(count: numEnvs)
        episodes = _Episodes(count: numEnvs, autoresetMode: autoresetMode, maxEpisodeSteps: maxEpisodeSteps)
    }

    // MARK: Seeding and reset

    public func seed(_ seed: [UInt32], first: Int, count: Int) throws { try lock.locked { try seedUnlocked(seed, first: first, count: count) } }

    private func seedUnlocked(_ seed: [UInt32], first: Int, count: Int) throws {
        try checkRange(first: first, count: count)
        guard seed.count <= 1 << 16 else { throw AgentNetError(.invalidArgument, "seed has too many words (\(seed.count))") }
        for k in 0..<count {
            episodes.rngs[first + k] = PCG64(SeedSequence(entropy: SeedSequence.words(seed, plus: UInt64(k))))
        }
    }

    public func reset(mask: [Bool]?, options: ResetOptions?, observations: UnsafeMutableBufferPointer<Float>) throws {
        try lock.locked { try resetUnlocked(mask: mask, options: options, observations: observations) }
    }

    private func resetUnlocked(mask: [Bool]?, options: ResetOptions?, observations: UnsafeMutableBufferPointer<Float>) throws {
        if let mask, mask.count != numEnvs {
            throw AgentNetError(.shape, "reset mask has \(mask.count) entries, expected num_envs = \(numEnvs)")
        }
        let obs = try rows(observations, D.observationSize, "observations")
        let options = options ?? D.defaultResetOptions
        try D.validate(options)
        FloatMode.ieee {  // physics keeps IEEE semantics even when called from a compiled (flush-to-zero) call
            for i in 0..<numEnvs where mask?[i] ?? true {
                dynamics.reset(i, &episodes, options: options)
                dynamics.observe(i, into: obs + i * D.observationSize)
            }
        }
    }

    // MARK: Step

    public func step(_ actions: Actions, into output: StepOutput) throws { try lock.locked { try stepUnlocked(actions, into: output) } }

    private func stepUnlocked(_ actions: Actions, into output: StepOutput) throws {
        let typed = try validated(actions)
        if let notReady = episodes.ready.firstIndex(of: false) {
            throw AgentNetError(.runtime, "sub-env \(notReady) has not been reset: call reset() before step()")
        }
        var finals: UnsafeMutablePointer<Float>?
        if autoresetMode == .sameStep {
            guard let f = output.finalObservations else {
                throw AgentNetError(.invalidArgument, "same-step autoreset needs a final observations buffer")
            }
            finals = try rows(f, D.observationSize, "final observations")
        }
        var stepped: UnsafeMutablePointer<Bool>?
        if let s = output.stepped { stepped = try rows(s, 1, "stepped flags") }
        let buffers = _StepBuffers(
            actions: typed, observations: try rows(output.observations, D.observationSize, "observations"),
            rewards: try rows(output.rewards, 1, "rewards"), terminated: try rows(output.terminated, 1, "terminated"),
            truncated: try rows(output.truncated, 1, "truncated"), finalObservations: finals)
        if let stepped {
            let ended = episodes.ended.base
            for i in 0..<numEnvs { stepped[i] = !ended[i] }  // `ended` is only ever set in next-step mode
        }
        FloatMode.ieee { dynamics._stepAll(&episodes, buffers) }  // Gymnasium-exact physics: no flush-to-zero
    }

    public func observe(into observations: UnsafeMutableBufferPointer<Float>) throws {
        try lock.locked {
            let obs = try rows(observations, D.observationSize, "observations")
            if let notReady = episodes.ready.firstIndex(of: false) {
                throw AgentNetError(.runtime, "sub-env \(notReady) has not been reset: call reset() before reading observations")
            }
            FloatMode.ieee { for i in 0..<numEnvs { dynamics.observe(i, into: obs + i * D.observationSize) } }
        }
    }

    /// Checks the action batch's kind, count and values, and returns it typed for the dynamics.
    func validated(_ actions: Actions) throws -> UnsafePointer<D.Action> {
        let raw: UnsafeRawBufferPointer
        let count: Int
        switch (actions, D.actionSpace) {
        case (.discrete(let a), .discrete(let n)):
            raw = UnsafeRawBufferPointer(a)
            count = a.count
            if let bad = a.first(where: { $0 < 0 || $0 >= Int64(n) }) {
                throw AgentNetError(.invalidArgument, "\(D.id): action \(bad) is out of range for Discrete(\(n))")
            }
        case (.box(let a), .box):
            raw = UnsafeRawBufferPointer(a)
            count = a.count
            if a.contains(where: { !$0.isFinite }) {
                throw AgentNetError(.invalidArgument, "\(D.id): actions must be finite, got NaN or infinity")
            }
        case (.discrete, .box):
            throw AgentNetError(.dtype, "\(D.id) has a continuous (Box) action space: pass float32 actions")
        case (.box, .discrete):
            throw AgentNetError(.dtype, "\(D.id) has a Discrete action space: pass int64 actions")
        }
        let expected = numEnvs * D.actionSpace.width
        guard count == expected, let base = raw.baseAddress else {
            throw AgentNetError(.shape, "\(D.id): got \(count) action values, expected \(expected) (num_envs × \(D.actionSpace.width))")
        }
        return base.assumingMemoryBound(to: D.Action.self)
    }

    // MARK: Inspection and rendering

    public func state(into out: UnsafeMutableBufferPointer<Double>) throws {
        let base = try rows(out, D.stateSize, "state")
        lock.locked { for i in 0..<numEnvs { dynamics.state(i, into: base + i * D.stateSize) } }
    }

    public func rng(_ index: Int) throws -> PCG64? {
        try checkRange(first: index, count: 1)
        return lock.locked { episodes.rngs[index] }
    }

    public func setRNG(_ index: Int, _ rng: PCG64) throws {
        try checkRange(first: index, count: 1)
        guard rng.inc & 1 == 1 else { throw AgentNetError(.invalidArgument, "a PCG64 increment must be odd") }
        lock.locked { episodes.rngs[index] = rng }
    }

    public func render(first: Int, count: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws {
        try lock.locked { try renderUnlocked(first: first, count: count, into: out) }
    }

    private func renderUnlocked(first: Int, count: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws {
        try checkRange(first: first, count: count)
        let (h, w) = D.renderSize
        guard out.count == count * h * w * 3, let base = out.baseAddress else {
            throw AgentNetError(.shape, "frame buffer has \(out.count) bytes, expected \(count) × \(h) × \(w) × 3")
        }
        if let notReady = (first..<first + count).first(where: { !episodes.ready[$0] }) {
            throw AgentNetError(.runtime, "sub-env \(notReady) has not been reset: call reset() before render()")
        }
        for k in 0..<count {
            var canvas = Canvas(width: w, height: h, pixels: UnsafeMutableBufferPointer(start: base + k * h * w * 3, count: h * w * 3))
            dynamics.render(first + k, on: &canvas)
        }
    }

    // MARK: Checks

    func checkRange(first: Int, count: Int) throws {
        guard first >= 0, count >= 0, first <= numEnvs, count <= numEnvs - first else {
            throw AgentNetError(.invalidArgument, count == 1 ? "sub-env index \(first) is out of range for num_envs = \(numEnvs)"
                                : "sub-envs first = \(first), count = \(count) are out of range for num_envs = \(numEnvs)")
        }
    }

    /// The base of a `[numEnvs, width]` caller buffer, after checking its size.
    func rows<T>(_ buffer: UnsafeMutableBufferPointer<T>, _ width: Int, _ what: String) throws -> UnsafeMutablePointer<T> {
        guard buffer.count == numEnvs * width, let base = buffer.baseAddress else {
            throw AgentNetError(.shape, "\(what) buffer has \(buffer.count) elements, expected \(numEnvs * width)")
        }
        return base
    }
}

// MARK: - The batch loop

/// Per-sub-env episode bookkeeping of a `VectorEnvironment` (an implementation detail shared with `_stepAll`).
public struct _Episodes {
    let autoresetMode: AutoresetMode
    let maxEpisodeSteps: Int?
    /// Each sub-env's random stream; nil until seeded or first reset.
    var rngs: [PCG64?]
    /// Steps since each sub-env's last reset.
    let elapsed: Column<Int>
    /// Each sub-env's last step ended its episode (next-step autoreset resets it on the following step).
    let ended: Column<Bool>
    /// Each sub-env has been reset at least once.
    var ready: [Bool]

    init(count: Int, autoresetMode: AutoresetMode, maxEpisodeSteps: Int?) {
        self.autoresetMode = autoresetMode
        self.maxEpisodeSteps = maxEpisodeSteps
        rngs = Array(repeating: nil, count: count)
        elapsed = Column(count: count, repeating: 0)
        ended = Column(count: count, repeating: false)
        ready = Array(repeating: false, count: count)
    }
}

/// Checked base pointers of one step's buffers: actions `[n, width]`, observations `[n, obs]`, rewards and flags `[n]`,
/// final observations `[n, obs]` (same-step autoreset only).
public struct _StepBuffers<Action> {
    let actions: UnsafePointer<Action>
    let observations: UnsafeMutablePointer<Float>
    let rewards: UnsafeMutablePointer<Double>
    let terminated: UnsafeMutablePointer<Bool>
    let truncated: UnsafeMutablePointer<Bool>
    let finalObservations: UnsafeMutablePointer<Float>?
}

extension EnvironmentDynamics {
    /// Resets sub-env `i` from its own stream (seeded from system entropy if it has none) and clears its episode.
    @inline(__always)
    mutating func reset(_ i: Int, _ episodes: inout _Episodes, options: ResetOptions) {
        var rng = episodes.rngs[i] ?? PCG64.fromSystemEntropy()
        reset(i, rng: &rng, options: options)
        episodes.rngs[i] = rng
        episodes.elapsed[i] = 0
        episodes.ended[i] = false
        episodes.ready[i] = true
    }

    /// The loop behind `VectorEnvironment.step`, as `SyncVectorEnv.step` does it: every sub-env steps (one batched
    /// `stepAll`), counts towards the time limit, and in same-step mode is reset at once after saving its terminal
    /// observation. In next-step mode a sub-env that ended last step is reset instead: its step is discarded (reset
    /// overwrites all of its state, and no step draws random numbers), its reward is 0 and its flags false.
    public mutating func _stepAll(_ episodes: inout _Episodes, _ p: _StepBuffers<Action>) {
        let count = episodes.ready.count, size = Self.observationSize
        let defaults = Self.defaultResetOptions
        let mode = episodes.autoresetMode, limit = episodes.maxEpisodeSteps ?? Int.max
        stepAll(count: count, actions: p.actions, observations: p.observations, rewards: p.rewards, terminated: p.terminated)
        let elapsed = episodes.elapsed.base, ended = episodes.ended.base
        for i in 0..<count {
            let o = p.observations + i * size
            if mode == .nextStep && ended[i] {
                reset(i, &episodes, options: defaults)
                observe(i, into: o)
                p.rewards[i] = 0
                p.terminated[i] = false
                p.truncated[i] = false
                continue
            }
            elapsed[i] += 1
            let isTruncated = elapsed[i] >= limit
            p.truncated[i] = isTruncated
            guard p.terminated[i] || isTruncated else { continue }
            if let finals = p.finalObservations {
                (finals + i * size).update(from: o, count: size)
                reset(i, &episodes, options: defaults)
                observe(i, into: o)
            } else if mode == .nextStep {
                ended[i] = true
            }
        }
    }
}
