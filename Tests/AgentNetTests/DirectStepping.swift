@testable import AgentNet

// The reference that native envs stepped inside compiled functions are checked against (EnvStepTests,
// NativeSessionsTests): the same env stepped directly through `Environment.step`, whose Gymnasium exactness
// EnvironmentTests checks.

/// A seeded, reset native env (next-step autoreset).
func seededEnvironment<D: EnvironmentDynamics>(_: D.Type, _ n: Int, limit: Int?, seed: UInt32) throws -> VectorEnvironment<D> {
    let env = try VectorEnvironment<D>(numEnvs: n, autoresetMode: .nextStep, maxEpisodeSteps: limit)
    try env.seed([seed], first: 0, count: n)
    var obs = [Float](repeating: 0, count: n * D.observationSize)
    try obs.withUnsafeMutableBufferPointer { try env.reset(mask: nil, options: nil, observations: $0) }
    return env
}

/// One tick stepped directly: the observation before and after, the reward and the EnvPool flags.
struct DirectTick: Equatable {
    var before: [Float], after: [Float], rewards: [Float], alive: [UInt8], truncated: [UInt8]
}

/// `env` stepped directly, with the EnvPool convention computed from Gymnasium's flags (alive is 0 exactly on the
/// tick after a terminated or truncated step).
final class DirectStepper {
    let env: any Environment
    private(set) var obs: [Float]
    /// Whether each sub-env's last step ended its episode (the next tick is its reset tick).
    private(set) var done: [Bool]

    init(_ env: any Environment) throws {
        self.env = env
        obs = [Float](repeating: 0, count: env.numEnvs * env.observationSize)
        try obs.withUnsafeMutableBufferPointer { try env.observe(into: $0) }
        done = [Bool](repeating: false, count: env.numEnvs)
    }

    /// One step with `actions` (`[numEnvs]` discrete or `[numEnvs, width]` box values, as floats).
    func tick(_ actions: [Float]) throws -> DirectTick {
        let n = env.numEnvs
        var next = obs, rewards = [Double](repeating: 0, count: n)
        var terminated = [Bool](repeating: false, count: n), truncated = terminated
        let discrete = actions.map { Int64($0) }
        try next.withUnsafeMutableBufferPointer { o in
            try rewards.withUnsafeMutableBufferPointer { r in
                try terminated.withUnsafeMutableBufferPointer { t in
                    try truncated.withUnsafeMutableBufferPointer { u in
                        let out = StepOutput(observations: o, rewards: r, terminated: t, truncated: u)
                        if case .discrete = env.actionSpace {
                            try discrete.withUnsafeBufferPointer { try env.step(.discrete($0), into: out) }
                        } else {
                            try actions.withUnsafeBufferPointer { try env.step(.box($0), into: out) }
                        }
                    }
                }
            }
        }
        let result = DirectTick(before: obs, after: next, rewards: rewards.map { Float($0) },
                                alive: done.map { $0 ? 0 : 1 }, truncated: truncated.map { $0 ? 1 : 0 })
        done = (0..<n).map { terminated[$0] || truncated[$0] }
        obs = next
        return result
    }
}
