/// The seed's `agentnet.environment.BaseEnvironment`: an MDP written as a graph, so it steps inside the agent's
/// unrolled Recurrence (`MDPAgent.getSessions`).
///
/// An environment has states, observations and actions, each a list of tensors `[batch, ...]` with the per-item
/// shapes and dtypes given here (the batch axis is not part of the shapes). `actionResults` maps the previous
/// states and the agent's actions to the new states and what the agent observes next. Subclasses override it
/// (`BooleanReasoningEnvironment`); a Python subclass is a `HostEnvironment`, asked through the build-time callback.
open class BaseEnvironment {
    /// Per-item shapes (without the batch axis) and dtypes.
    public let stateShapes: [[Int?]], observationShapes: [[Int?]], actionShapes: [[Int?]]
    public let stateDTypes: [DType], observationDTypes: [DType], actionDTypes: [DType]

    /// Dtypes default to the seed's: float32 states and observations, int32 actions.
    public init(stateShapes: [[Int?]], observationShapes: [[Int?]], actionShapes: [[Int?]],
                stateDTypes: [DType]? = nil, observationDTypes: [DType]? = nil, actionDTypes: [DType]? = nil) throws {
        func dtypes(_ given: [DType]?, _ shapes: [[Int?]], _ dflt: DType, _ what: String) throws -> [DType] {
            guard let given else { return Array(repeating: dflt, count: shapes.count) }
            guard given.count == shapes.count else {
                throw AgentNetError.invalid("\(Self.self): got \(given.count) \(what) dtypes for \(shapes.count) \(what) shapes")
            }
            return given
        }
        for (shapes, what) in [(stateShapes, "state"), (observationShapes, "observation"), (actionShapes, "action")] {
            for s in shapes where s.count > 7 || s.contains(where: { ($0 ?? 1) <= 0 }) {
                throw AgentNetError.shape("\(Self.self): invalid \(what) shape \(formatShape(s)) (positive dimensions, at most 7)")
            }
        }
        (self.stateShapes, self.observationShapes, self.actionShapes) = (stateShapes, observationShapes, actionShapes)
        self.stateDTypes = try dtypes(stateDTypes, stateShapes, .float32, "state")
        self.observationDTypes = try dtypes(observationDTypes, observationShapes, .float32, "observation")
        self.actionDTypes = try dtypes(actionDTypes, actionShapes, .int32, "action")
    }

    /// The environment's name in messages.
    open var label: String { String(describing: type(of: self)) }

    /// The seed's `get_action_results(last_states, actions)`: `(new states, observations)` for the previous states
    /// `[batch] + stateShapes[i]` and actions `[batch] + actionShapes[k]`.
    open func actionResults(lastStates: [Node], actions: [Node], options: LayerOptions) throws -> (states: [Node], observations: [Node]) {
        throw AgentNetError.invalid("\(label) does not implement get_action_results")
    }

    /// A batch size the environment knows without any input (e.g. the size of its loaded data), for sessions
    /// that have no other source of it.
    open var batchSize: Node? { nil }

    /// The seed's `as_layers`: one-tick layers for the new states and observations, fed by `prevStateLayers` and
    /// `actionLayers` (input layers of the right shapes are made for either when nil).
    public func asLayers(prevStateLayers: [Layer]? = nil, actionLayers: [Layer]? = nil, name: String? = "EnvironmentLayer") throws
        -> (states: [ElementLayer], observations: [ElementLayer]) {
        func inputs(_ shapes: [[Int?]], _ dtypes: [DType], _ what: String) -> [Layer] {
            zip(shapes, dtypes).enumerated().map { i, sd in
                let shape = [nil] + sd.0
                return (try? InputLayer(shape: shape, inputVar: Node.input("\(what)\(i)", dtype: sd.1, shape: shape), name: "\(what)\(i)"))!
            }
        }
        let layer = try EnvironmentLayer(self, prevStates: prevStateLayers ?? inputs(stateShapes, stateDTypes, "prev_env_state"),
                                         actions: actionLayers ?? inputs(actionShapes, actionDTypes, "action"), name: name)
        let outs = try (0..<layer.outputCount).map { try ElementLayer(layer, index: $0) }
        return (Array(outs[..<stateShapes.count]), Array(outs[stateShapes.count...]))
    }
}

/// One environment step as a layer (`BaseEnvironment.asLayers`): incoming layers are the previous states then the
/// actions; outputs are the new states then the observations, `[batch] + shape` each.
public final class EnvironmentLayer: Layer, MultiOutputLayer {
    public let environment: BaseEnvironment
    public let outputShapes: [[Int?]]
    public let outputDTypes: [DType]

    public convenience init(_ env: BaseEnvironment, prevStates: [Layer], actions: [Layer], name: String? = "EnvironmentLayer") throws {
        try self.init(env, inputShapes: (prevStates + actions).map(\.outputShape), names: (prevStates + actions).map(\.label), name: name)
        try setIncoming(prevStates + actions)
    }

    /// The layer for incoming shapes (previous states then actions); the caller connects the incoming layers
    /// (`agn_layer_create("EnvironmentLayer", {"environment": h})`). `names` label the incoming layers in errors.
    public init(_ env: BaseEnvironment, inputShapes: [[Int?]], names: [String]? = nil, name: String? = "EnvironmentLayer") throws {
        let what = "\(env.label)", n = env.stateShapes.count
        func label(_ i: Int) -> String { names.map { " \($0[i])" } ?? " \(i)" }
        guard inputShapes.count == n + env.actionShapes.count else {
            throw AgentNetError.invalid("\(what) has \(n) states and takes \(env.actionShapes.count) actions, got \(inputShapes.count) incoming layers (previous states, then actions)")
        }
        for (i, (l, s)) in zip(inputShapes.prefix(n), env.stateShapes).enumerated() where !shapesAgree(l, [nil] + s) {
            throw AgentNetError.shape("\(what): previous-state layer\(label(i)) has shape \(seedShape(l)), the state is [batch] + \(seedShape(s))")
        }
        for (i, (l, s)) in zip(inputShapes.dropFirst(n), env.actionShapes).enumerated() where !shapesAgree(l, [nil] + s) {
            throw AgentNetError.shape("\(what): action layer\(label(n + i)) has shape \(seedShape(l)), the environment takes actions of shape [batch] + \(seedShape(s))")
        }
        environment = env
        let batch = inputShapes.lazy.compactMap { $0.first ?? nil }.first
        outputShapes = (env.stateShapes + env.observationShapes).map { [batch] + $0 }
        outputDTypes = env.stateDTypes + env.observationDTypes
        super.init(inputShapes: inputShapes, name: name)
    }

    public override var outputShape: [Int?] { outputShapes[0] }
    public override var outputDType: DType { outputDTypes[0] }
    public override var outputCount: Int { outputShapes.count }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { outputShape }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    /// The new states and observations, checked against the declared ranks and cast to the declared dtypes.
    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        let env = environment, n = env.stateShapes.count
        let (states, observations) = try env.actionResults(lastStates: Array(inputs[..<n]), actions: Array(inputs[n...]), options: options)
        guard states.count == env.stateShapes.count, observations.count == env.observationShapes.count else {
            throw AgentNetError.invalid("\(env.label).get_action_results returned \(states.count) states and \(observations.count) observations; the environment declares \(env.stateShapes.count) and \(env.observationShapes.count)")
        }
        let values = states + observations
        return try zip(values, outputShapes).enumerated().map { i, vs in
            let (x, shape) = vs, what = i < n ? "state \(i)" : "observation \(i - n)"
            guard x.rank == shape.count, shapesAgree(Array(x.shape.dropFirst()), Array(shape.dropFirst())) else {
                throw AgentNetError.shape("\(env.label).get_action_results: \(what) has shape \(seedShape(x.shape)), declared [batch] + \(seedShape(Array(shape.dropFirst())))")
            }
            return try T.cast(x, outputDTypes[i])
        }
    }

    public override var attributes: [String] { ["\(environment.label)"] }
}

/// `EnvironmentLayer` by kind (`agn_layer_create`): `{"environment": handle of a BaseEnvironment}`, incoming
/// shapes = previous states then actions.
extension LayerRegistry {
    static let environmentLayers: [String: Maker] = [
        "EnvironmentLayer": { s in
            try EnvironmentLayer(s.object("environment", BaseEnvironment.self, "a graph environment (BaseEnvironment)"),
                                 inputShapes: s.inputShapes, name: s.name)
        },
    ]
}

/// Two shapes agree where both dimensions are known.
func shapesAgree(_ a: [Int?], _ b: [Int?]) -> Bool { a.count == b.count && zip(a, b).allSatisfy(sizesAgree) }
