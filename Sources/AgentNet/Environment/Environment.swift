// The batched environment interface shared by every native environment, the C boundary and the Python face.

/// What a vector environment does with a sub-environment whose episode ended (Gymnasium's `AutoresetMode`).
public enum AutoresetMode: Int32, Sendable, CaseIterable {
    /// The ending step returns the terminal observation; the next `step` resets that sub-env instead of stepping it
    /// (its action is ignored, reward 0, both flags false). Gymnasium's default.
    case nextStep = 0
    /// The ending step resets at once: it returns the reset observation and writes the terminal one to `finalObservations`.
    case sameStep = 1
    /// Nothing is reset automatically; the caller resets ended sub-envs with a mask. Stepping an ended sub-env
    /// keeps integrating its physics, as a single Gymnasium env does.
    case disabled = 2
}

/// The action space of one sub-environment.
public enum ActionSpace: Equatable, Sendable {
    /// Actions are integers in `0..<count` (Gymnasium `Discrete(count)`), passed as `Int64`.
    case discrete(count: Int)
    /// Actions are `width` Float32 values in `[low, high]` (Gymnasium `Box(low, high, (width,), float32)`).
    case box(low: Float, high: Float, width: Int)

    /// Number of action elements per sub-env: 1 for discrete, `width` for box.
    public var width: Int {
        switch self {
        case .discrete: return 1
        case .box(_, _, let width): return width
        }
    }
}

/// The two numbers Gymnasium reads from `reset(options=...)`: `low`/`high` for CartPole, Acrobot and the mountain cars,
/// `x_init`/`y_init` for Pendulum. BooleanReasoning takes none.
public struct ResetOptions: Equatable, Sendable {
    public var a: Double
    public var b: Double
    public init(_ a: Double, _ b: Double) {
        self.a = a
        self.b = b
    }
}

/// One batch of actions, `[numEnvs]` integers or `[numEnvs, width]` floats, row-major.
public enum Actions {
    case discrete(UnsafeBufferPointer<Int64>)
    case box(UnsafeBufferPointer<Float>)
}

/// Caller-owned buffers one `step` writes into. Shapes are per batch of `numEnvs` sub-envs.
public struct StepOutput {
    /// `[numEnvs, observationSize]`.
    public var observations: UnsafeMutableBufferPointer<Float>
    /// `[numEnvs]`.
    public var rewards: UnsafeMutableBufferPointer<Double>
    /// `[numEnvs]`: the episode reached a terminal MDP state.
    public var terminated: UnsafeMutableBufferPointer<Bool>
    /// `[numEnvs]`: the time limit cut the episode.
    public var truncated: UnsafeMutableBufferPointer<Bool>
    /// `[numEnvs, observationSize]`, same-step autoreset only: the terminal observation of each sub-env that ended
    /// (rows of the others are left untouched).
    public var finalObservations: UnsafeMutableBufferPointer<Float>?
    /// `[numEnvs]`, optional: true where the sub-env stepped with its action, false where next-step autoreset reset
    /// it instead (its previous step ended the episode). Written before stepping, under the same lock.
    public var stepped: UnsafeMutableBufferPointer<Bool>?

    public init(observations: UnsafeMutableBufferPointer<Float>, rewards: UnsafeMutableBufferPointer<Double>,
                terminated: UnsafeMutableBufferPointer<Bool>, truncated: UnsafeMutableBufferPointer<Bool>,
                finalObservations: UnsafeMutableBufferPointer<Float>? = nil, stepped: UnsafeMutableBufferPointer<Bool>? = nil) {
        self.observations = observations
        self.rewards = rewards
        self.terminated = terminated
        self.truncated = truncated
        self.finalObservations = finalObservations
        self.stepped = stepped
    }
}

/// A batch of `numEnvs` independent copies of one environment, stepped together.
///
/// State lives in struct-of-arrays buffers inside the environment; every call reads actions from and writes results to
/// caller buffers, so a whole batch crosses the C boundary in one call. Each sub-env has its own NumPy-compatible
/// random stream (`PCG64`), so sub-env `i` seeded with `s + i` replays Gymnasium's `SyncVectorEnv(seed=s)` exactly.
/// Invalid input throws `AgentNetError` before any state changes.
public protocol Environment: AnyObject {
    /// The Gymnasium id without namespace, e.g. `"CartPole-v1"`.
    var id: String { get }
    var numEnvs: Int { get }
    /// Float32 observation elements per sub-env.
    var observationSize: Int { get }
    /// Float64 internal state elements per sub-env (Gymnasium's `env.unwrapped.state`, flattened).
    var stateSize: Int { get }
    var actionSpace: ActionSpace { get }
    var autoresetMode: AutoresetMode { get }
    /// Steps after which a sub-env is truncated; nil means no time limit.
    var maxEpisodeSteps: Int? { get }
    /// `(height, width)` of one RGB frame.
    var renderSize: (height: Int, width: Int) { get }

    /// Seeds sub-envs `first..<first+count`: sub-env `first + k` gets `SeedSequence(seed + k)`, where `seed` is
    /// given as little-endian 32-bit words.
    func seed(_ seed: [UInt32], first: Int, count: Int) throws
    /// Resets the sub-envs where `mask` is true (all when nil) and writes their observations into `observations`
    /// (`[numEnvs, observationSize]`; other rows untouched). An unseeded sub-env is seeded from system entropy first.
    func reset(mask: [Bool]?, options: ResetOptions?, observations: UnsafeMutableBufferPointer<Float>) throws
    /// Steps every sub-env once, applying the autoreset mode and the time limit.
    func step(_ actions: Actions, into output: StepOutput) throws
    /// Writes every sub-env's current observation, `[numEnvs, observationSize]` (after an ending step, the terminal
    /// one until next-step autoreset resets it). Throws if a sub-env has not been reset.
    func observe(into observations: UnsafeMutableBufferPointer<Float>) throws
    /// Writes the internal state, `[numEnvs, stateSize]`.
    func state(into out: UnsafeMutableBufferPointer<Double>) throws
    /// The random stream of sub-env `index` (nil until it is seeded or first reset).
    func rng(_ index: Int) throws -> PCG64?
    func setRNG(_ index: Int, _ rng: PCG64) throws
    /// Draws sub-envs `first..<first+count` as RGB frames, `[count, height, width, 3]`.
    func render(first: Int, count: Int, into out: UnsafeMutableBufferPointer<UInt8>) throws
}
