// The one batch driver behind every native environment: per-sub-env random streams, time limits and autoreset
// around a family's `EnvironmentDynamics`.

/// `numEnvs` sub-envs of one family, stepped in one call.
///
/// Matches `gymnasium.vector.SyncVectorEnv` over `gymnasium.make(id)` envs: sub-env `i` owns its random stream,
/// `elapsed[i]` counts steps since its reset for the time limit (Gymnasium's `TimeLimit`), and autoreset follows
/// `autoresetMode`. Every call validates all of its input before changing any state.
public final class VectorEnvironment<D: EnvironmentDynamics>: Environment {
    public let numEnvs: Int
    public let autoresetMode: AutoresetMode
    public let maxEpisodeSteps: Int?
    var dynamics: D
    var rngs: [PCG64?]
    /// Steps since each sub-env's last reset.
    var elapsed: [Int]
    /// Each sub-env's last step ended its episode (next-step autoreset resets it on the following step).
    var ended: [Bool]
    /// Each sub-env has been reset at least once.
    var ready: [Bool]

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
        rngs = Array(repeating: nil, count: numEnvs)
        elapsed = Array(repeating: 0, count: numEnvs)
        ended = Array(repeating: false, count: numEnvs)
        ready = Array(repeating: false, count: numEnvs)
    }

    // MARK: Seeding and reset

    public func seed(_ seed: [UInt32], first: Int, count: Int) throws {
        try checkRange(first: first, count: count)
        guard seed.count <= 1 << 16 else { throw AgentNetError(.invalidArgument, "seed has too many words (\(seed.count))") }
        for k in 0..<count {
            rngs[first + k] = PCG64(SeedSequence(entropy: SeedSequence.words(seed, plus: UInt64(k))))
        }
    }

    public func reset(mask: [Bool]?, options: ResetOptions?, observations: UnsafeMutableBufferPointer<Float>) throws {
        if let mask, mask.count != numEnvs {
            throw AgentNetError(.shape, "reset mask has \(mask.count) entries, expected num_envs = \(numEnvs)")
        }
        let obs = try rows(observations, D.observationSize, "observations")
        let options = options ?? D.defaultResetOptions
        try D.validate(options)
        for i in 0..<numEnvs where mask?[i] ?? true {
            resetOne(i, options: options)
            dynamics.observe(i, into: obs + i * D.observationSize)
        }
    }

    @inline(__always)
    func resetOne(_ i: Int, options: ResetOptions) {
        var rng = rngs[i] ?? PCG64.fromSystemEntropy()
        dynamics.reset(i, rng: &rng, options: options)
        rngs[i] = rng
        elapsed[i] = 0
        ended[i] = false
        ready[i] = true
    }

    // MARK: Step

    public func step(_ actions: Actions, into output: StepOutput) throws {
        let typed = try validated(actions)
        if let notReady = ready.firstIndex(of: false) {
            throw AgentNetError(.runtime, "sub-env \(notReady) has not been reset: call reset() before step()")
        }
        let obs = try rows(output.observations, D.observationSize, "observations")
        let rewards = try rows(output.rewards, 1, "rewards")
        let terminated = try rows(output.terminated, 1, "terminated")
        let truncated = try rows(output.truncated, 1, "truncated")
        var finals: UnsafeMutablePointer<Float>?
        if autoresetMode == .sameStep {
            guard let f = output.finalObservations else {
                throw AgentNetError(.invalidArgument, "same-step autoreset needs a final observations buffer")
            }
            finals = try rows(f, D.observationSize, "final observations")
        }
        let width = D.actionSpace.width, size = D.observationSize
        let defaults = D.defaultResetOptions
        for i in 0..<numEnvs {
            let o = obs + i * size
            if autoresetMode == .nextStep && ended[i] {
                resetOne(i, options: defaults)
                dynamics.observe(i, into: o)
                rewards[i] = 0
                terminated[i] = false
                truncated[i] = false
                continue
            }
            let (reward, isTerminal) = dynamics.step(i, action: typed + i * width)
            elapsed[i] += 1
            let isTruncated = maxEpisodeSteps.map { elapsed[i] >= $0 } ?? false
            dynamics.observe(i, into: o)
            rewards[i] = reward
            terminated[i] = isTerminal
            truncated[i] = isTruncated
            guard isTerminal || isTruncated else { continue }
            if let finals {
                (finals + i * size).update(from: o, count: size)
                resetOne(i, options: defaults)
                dynamics.observe(i, into: o)
            } else if autoresetMode == .nextStep {
                ended[i] = true
            }
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
        for i in 0..<numEnvs { dynamics.state(i, into: base + i * D.stateSize) }
    }

    public func rng(_ index: Int) throws -> PCG64? {
        try checkRange(first: index, count: 1)
        return rngs[index]
    }

    public func setRNG(_ index: Int, _ rng: PCG64) throws {
        try checkRange(first: index, count: 1)
        guard rng.inc & 1 == 1 else { throw AgentNetError(.invalidArgument, "a PCG64 increment must be odd") }
        rngs[index] = rng
    }

    public func render(first: Int, count: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws {
        try checkRange(first: first, count: count)
        let (h, w) = D.renderSize
        guard out.count == count * h * w * 3, let base = out.baseAddress else {
            throw AgentNetError(.shape, "frame buffer has \(out.count) bytes, expected \(count) × \(h) × \(w) × 3")
        }
        if let notReady = (first..<first + count).first(where: { !ready[$0] }) {
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
            throw AgentNetError(.invalidArgument, "sub-envs \(first)..<\(first + count) are out of range for num_envs = \(numEnvs)")
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
