/// `MDPAgent` by JSON attributes and its methods by name (`agn_agent_create`, `agn_agent_call`). Layers,
/// environments and expressions named in the attributes are handles, turned into objects by `resolve`:
///
///     {"observation_layers": [h, ...], "agent_states": [[new, prev], ...], "policy_estimators": [h, ...],
///      "action_layers": [h, ...]}
///
/// Methods (attributes; inputs; results):
/// - `get_sessions` ({"environment": h, "session_length": n|null, "batch_size": n|null, "batch_size_var": node,
///   "initial_env_states" / "initial_observations" / "initial_hidden": "zeros" | {"list": [layer|null, ...]} |
///   [[layer, layer|null], ...], "experience_replay": bool, "options": {get_output flags}}; no inputs; the
///   sequences of env states, observations, memories, actions, policy, with `{"counts": [5 counts]}`).
/// - `get_agent_reaction` ({"options"}; previous memories then observations; actions, new memories, then the
///   outputs (policy then actions), with `{"counts": [3 counts]}`).
/// - `zeros_like_memory` ({"batch_size": n}; no inputs; one shared value of zeros per memory).
public enum AgentRegistry {
    public typealias Resolve = (Int64) throws -> AnyObject

    /// What a method call gives back: engine objects (expressions, shared values...) and a JSON reply.
    public struct Result {
        public var objects: [AnyObject]
        public var reply: JSON
        public init(_ objects: [AnyObject], _ reply: JSON = .null) { (self.objects, self.reply) = (objects, reply) }
    }

    public static func make(_ attrs: JSON, resolve: @escaping Resolve) throws -> MDPAgent {
        let s = try spec("MDPAgent", attrs, ["observation_layers", "agent_states", "policy_estimators", "action_layers"], resolve)
        return try MDPAgent(observationLayers: s.layerList("observation_layers"), agentStates: LayerDict(s.layerPairs("agent_states")),
                            policyEstimators: s.layerList("policy_estimators"), actionLayers: s.layerList("action_layers"))
    }

    public static func call(_ agent: MDPAgent, _ method: String, _ attrs: JSON, inputs: [Node], resolve: @escaping Resolve) throws -> Result {
        switch method {
        case "get_sessions":
            let s = try spec(method, attrs, ["environment", "session_length", "batch_size", "batch_size_var", "initial_env_states",
                                             "initial_observations", "initial_hidden", "experience_replay", "options"], resolve)
            try noInputs(method, inputs)
            let env = try environment(s.object("environment", AnyObject.self, "an environment"))
            var batch: Recurrence.BatchSize? = try s.optionalInt("batch_size").map { .fixed($0) }
            if s.attrs["batch_size_var"] != nil { batch = .symbolic(try s.object("batch_size_var", Node.self, "a symbolic int scalar")) }
            let r = try agent.getSessions(env, sessionLength: s.optionalInt("session_length"), batchSize: batch,
                                          initialEnvStates: initial(s, "initial_env_states"), initialObservations: initial(s, "initial_observations"),
                                          initialHidden: initial(s, "initial_hidden"), experienceReplay: s.bool("experience_replay", false),
                                          options: options(s))
            // Then the updates that carry state to the next call (a native env's memories): shared values, new values.
            let groups: [[AnyObject]] = [r.envStates, r.observations, r.memories, r.actions, r.policy,
                                         r.updates.map(\.0), r.updates.map(\.1)]
            return Result(groups.flatMap { $0 }, .object(["counts": .array(groups.map { .number(Double($0.count)) })]))
        case "get_agent_reaction":
            let s = try spec(method, attrs, ["options"], resolve)
            let m = agent.agentStates.count
            guard inputs.count == m + agent.observationLayers.count else {
                throw AgentNetError.invalid("get_agent_reaction: got \(inputs.count) inputs for \(m) previous memories and \(agent.observationLayers.count) observations")
            }
            let r = try agent.agentReaction(prevStates: Array(inputs[..<m]), currentObservations: Array(inputs[m...]), options: options(s))
            let groups = [r.actions, r.newStates, r.outputs]
            return Result(groups.flatMap { $0 }, .object(["counts": counts(groups)]))
        case "zeros_like_memory":
            let s = try spec(method, attrs, ["batch_size"], resolve)
            try noInputs(method, inputs)
            return Result(try agent.zerosLikeMemory(batchSize: s.int("batch_size", 1)).map { SharedValue($0, name: "zeros_like_memory") })
        default:
            throw AgentNetError.invalid("unknown MDPAgent method '\(method)' (known: get_sessions, get_agent_reaction, zeros_like_memory)")
        }
    }

    /// What `handle` names as the environment an agent plays or replays.
    public static func environment(_ object: AnyObject) throws -> MDPAgent.Environment {
        if let e = object as? BaseEnvironment { return .active(e) }
        if let r = object as? ReplayEnvironment { return .replay(r) }
        throw AgentNetError.invalid("get_sessions: 'environment' must be a BaseEnvironment, SessionPoolEnvironment or SessionBatchEnvironment, got a \(type(of: object))")
    }

    // MARK: attributes

    /// The attributes as a spec with typed readers; keys outside `known` are an error (typos do not pass silently).
    static func spec(_ what: String, _ attrs: JSON, _ known: Set<String>, _ resolve: @escaping Resolve) throws -> LayerSpec {
        guard case .object(let o) = attrs else { throw AgentNetError.invalid("\(what): attributes must be a JSON object, got \(attrs.serialized)") }
        if let k = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw AgentNetError.invalid("\(what): unknown attribute '\(k)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        return LayerSpec(kind: what, attrs: attrs, inputShapes: [], name: nil, resolve: resolve)
    }

    static func noInputs(_ what: String, _ inputs: [Node]) throws {
        guard inputs.isEmpty else { throw AgentNetError.invalid("\(what) takes no input expressions, got \(inputs.count)") }
    }

    static func counts(_ groups: [[Node]]) -> JSON { .array(groups.map { .number(Double($0.count)) }) }

    static func options(_ s: LayerSpec) throws -> LayerOptions {
        try LayerOptions(json: s.attrs["options"].flatMap { $0.isNull ? nil : $0 } ?? .object([:]))
    }

    /// `"zeros"`, `{"list": [layer or null, ...]}` or `[[layer, layer or null], ...]`.
    static func initial(_ s: LayerSpec, _ key: String) throws -> MDPAgent.Initial {
        switch s.attrs[key] ?? .null {
        case .null, .string("zeros"): return .zeros
        case .array:
            return .byLayer(LayerDict(try s.optionalLayerPairs(key)))
        case let v:
            guard let list = v["list"]?.array else {
                throw AgentNetError.invalid("\(s.kind): \(key) must be 'zeros', a list of layers or a dict of layers, got \(v.serialized)")
            }
            return .list(try list.map { $0.isNull ? nil : try s.layer($0, key) })
        }
    }
}

extension LayerSpec {
    /// The layer whose handle is `value` (part of attribute `key`).
    func layer(_ value: JSON, _ key: String) throws -> Layer {
        guard case .number = value, let h = value.int, let l = try resolve(Int64(h)) as? Layer else {
            throw AgentNetError.invalid("\(kind): '\(key)' must hold layer handles, got \(value.serialized)")
        }
        return l
    }

    /// Attribute `key` as a list of layer handles (absent or null: empty).
    func layerList(_ key: String) throws -> [Layer] {
        guard let v = attrs[key], !v.isNull else { return [] }
        guard let a = v.array else { throw AgentNetError.invalid("\(kind): '\(key)' must be a list of layer handles, got \(v.serialized)") }
        return try a.map { try layer($0, key) }
    }

    /// Attribute `key` as `[[layer, layer or null], ...]` pairs.
    func optionalLayerPairs(_ key: String) throws -> [(Layer, Layer?)] {
        try pairs(key).map { kv in (try layer(kv[0], key), kv[1].isNull ? nil : try layer(kv[1], key)) }
    }

    /// Attribute `key` as `[[layer, layer], ...]` pairs.
    func layerPairs(_ key: String) throws -> [(Layer, Layer)] {
        try pairs(key).map { kv in (try layer(kv[0], key), try layer(kv[1], key)) }
    }

    /// Attribute `key` as a list of two-element lists (absent or null: empty).
    private func pairs(_ key: String) throws -> [[JSON]] {
        guard let v = attrs[key], !v.isNull else { return [] }
        let bad = AgentNetError.invalid("\(kind): '\(key)' must be a list of [layer, layer] pairs, got \(v.serialized)")
        guard let a = v.array else { throw bad }
        return try a.map { p in
            guard let kv = p.array, kv.count == 2 else { throw bad }
            return kv
        }
    }
}

