// Native environments by Gymnasium id. Building the concrete `VectorEnvironment<...>` here, inside the engine
// module, lets the compiler specialise each family's step loop.

/// The ids of the native environments, in registration order.
public let nativeEnvironmentIDs: [String] = families.map { $0.id }

/// One native family: its id, registered time limit, and a maker `(numEnvs, autoresetMode, maxEpisodeSteps)`.
private typealias Family = (id: String, maxEpisodeSteps: Int, make: (Int, AutoresetMode, Int?) throws -> any Environment)

private let families: [Family] = [
    entry(CartPole.self), entry(Acrobot.self), entry(MountainCar.self),
    entry(MountainCarContinuous.self), entry(Pendulum.self), entry(BooleanReasoning.self),
]

private func entry<D: EnvironmentDynamics>(_: D.Type) -> Family {
    (D.id, D.registeredMaxEpisodeSteps, { try VectorEnvironment<D>(numEnvs: $0, autoresetMode: $1, maxEpisodeSteps: $2) })
}

/// The `max_episode_steps` Gymnasium registers for `id` (nil for an unknown id).
public func registeredMaxEpisodeSteps(_ id: String) -> Int? {
    families.first { $0.id == id }?.maxEpisodeSteps
}

/// Makes `numEnvs` sub-envs of the native environment `id` (e.g. `"CartPole-v1"`).
///
/// - Parameter maxEpisodeSteps: time limit per episode; nil for none.
/// - Throws: `.invalidArgument` for an unknown id or a bad count.
public func makeEnvironment(_ id: String, numEnvs: Int, autoresetMode: AutoresetMode = .nextStep,
                            maxEpisodeSteps: Int?) throws -> any Environment {
    guard let family = families.first(where: { $0.id == id }) else {
        throw AgentNetError(.invalidArgument, "unknown native environment '\(id)'; known: \(nativeEnvironmentIDs.joined(separator: ", "))")
    }
    return try family.make(numEnvs, autoresetMode, maxEpisodeSteps)
}
