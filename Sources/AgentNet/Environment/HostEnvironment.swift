/// An environment written in the host language (a Python `BaseEnvironment` subclass): while the engine builds a
/// graph it asks the host for `get_action_results` through the build-time callback (`Layers/CallbackLayer.swift`),
/// with the previous states then the actions as input expressions; the host answers with the new states then the
/// observations, made of engine ops. Nothing calls back while a compiled function runs.
public final class HostEnvironment: BaseEnvironment {
    /// The host object's key; the host looks the environment up by it.
    public let hostKey: Int64
    public let hostLabel: String

    public init(key: Int64, label: String, stateShapes: [[Int?]], observationShapes: [[Int?]], actionShapes: [[Int?]],
                stateDTypes: [DType]? = nil, observationDTypes: [DType]? = nil, actionDTypes: [DType]? = nil) throws {
        (hostKey, hostLabel) = (key, label)
        try super.init(stateShapes: stateShapes, observationShapes: observationShapes, actionShapes: actionShapes,
                       stateDTypes: stateDTypes, observationDTypes: observationDTypes, actionDTypes: actionDTypes)
    }

    public override var label: String { hostLabel }

    public override func actionResults(lastStates: [Node], actions: [Node], options: LayerOptions) throws -> (states: [Node], observations: [Node]) {
        let out = try Host.request(.output, key: hostKey, options: options.flags, nodes: lastStates + actions)
        let n = stateShapes.count
        guard out.count == n + observationShapes.count else {
            throw AgentNetError.invalid("\(label).get_action_results returned \(out.count) expressions; the environment declares \(n) states and \(observationShapes.count) observations")
        }
        return (Array(out[..<n]), Array(out[n...]))
    }
}
