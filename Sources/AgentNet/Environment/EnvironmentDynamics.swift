// The per-family physics a `VectorEnvironment` drives: reset draws, one step, observation, state and picture.

/// The dynamics of one environment family for a batch of sub-envs, held struct-of-arrays (one array per state
/// variable, indexed by sub-env). Implementations follow Gymnasium's Python code operation by operation, including
/// NumPy's dtype promotions, so states match bit for bit; see each type's notes.
public protocol EnvironmentDynamics {
    /// `Int64` for discrete action spaces, `Float` for box action spaces.
    associatedtype Action
    static var id: String { get }
    static var observationSize: Int { get }
    static var stateSize: Int { get }
    static var actionSpace: ActionSpace { get }
    /// Gymnasium's defaults for the two reset options.
    static var defaultResetOptions: ResetOptions { get }
    /// Steps per episode that Gymnasium registers (`max_episode_steps`).
    static var registeredMaxEpisodeSteps: Int { get }
    static var renderSize: (height: Int, width: Int) { get }

    init(count: Int)
    /// Rejects options the reset draw cannot use (e.g. `low > high`); called before anything changes.
    static func validate(_ options: ResetOptions) throws
    /// Draws sub-env `i`'s initial state from its stream, exactly as Gymnasium's `reset` draws from `np_random`.
    mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions)
    /// Advances sub-env `i` by one step with its action (`actionSpace.width` elements at `action`).
    mutating func step(_ i: Int, action: UnsafePointer<Action>) -> (reward: Double, terminated: Bool)
    /// Advances every sub-env `i < count` with its action `actions[i * width ..< (i + 1) * width]`, writing its
    /// observation row, `rewards[i]` and `terminated[i]`. The default calls `step(_:action:)` and `observe` for each;
    /// a family overrides it when a batched form is faster (CartPole computes all sines and cosines first).
    mutating func stepAll(count: Int, actions: UnsafePointer<Action>, observations: UnsafeMutablePointer<Float>,
                          rewards: UnsafeMutablePointer<Double>, terminated: UnsafeMutablePointer<Bool>)
    /// Writes sub-env `i`'s observation (`observationSize` Float32 values).
    func observe(_ i: Int, into out: UnsafeMutablePointer<Float>)
    /// Writes sub-env `i`'s internal state (`stateSize` values).
    func state(_ i: Int, into out: UnsafeMutablePointer<Double>)
    /// Draws sub-env `i`'s scene, the same picture as Gymnasium's pygame renderer.
    func render(_ i: Int, on canvas: inout Canvas)

    /// Steps every sub-env once with episode bookkeeping. Implemented once, in VectorEnvironment.swift; conforming
    /// types must not implement it. It is a requirement only so that each family's conformance carries a copy of the
    /// loop specialised for it: reached through the generic `VectorEnvironment<D>`, a plain extension method would run
    /// unspecialised, calling the dynamics through witness tables (about 3× slower for CartPole).
    mutating func _stepAll(_ episodes: inout _Episodes, _ buffers: _StepBuffers<Action>)
}

extension EnvironmentDynamics {
    public mutating func stepAll(count: Int, actions: UnsafePointer<Action>, observations: UnsafeMutablePointer<Float>,
                                 rewards: UnsafeMutablePointer<Double>, terminated: UnsafeMutablePointer<Bool>) {
        let width = Self.actionSpace.width
        for i in 0..<count {
            (rewards[i], terminated[i]) = step(i, action: actions + i * width)
            observe(i, into: observations + i * Self.observationSize)
        }
    }

    /// The common check for uniform `(low, high)` reset bounds, with NumPy's conditions.
    static func validateBounds(_ options: ResetOptions) throws {
        let (low, high) = (options.a, options.b)
        guard !(low > high) else {
            throw AgentNetError(.invalidArgument, "Lower bound (\(low)) must be lower than higher bound (\(high)).")
        }
        guard (high - low).isFinite else {
            throw AgentNetError(.invalidArgument, "reset bounds (\(low), \(high)) must give a finite range high - low")
        }
    }
}
