/// Graph and replay environments by kind + JSON attributes, and their methods by name (`agn_mdp_env_create`,
/// `agn_mdp_env_call`). Expressions go in as input handles; host data (`set_data_batch`, `load_sessions`) is given
/// as expressions without inputs (constants) and evaluated. Session inputs are named by the attribute `"inputs"`,
/// one name per input in order: `"observation"` (one per observation, in order), `"action"`, `"rewards"`,
/// `"is_alive"`, `"is_truncated"`, `"prev_memory"` (one per agent memory).
///
/// Kinds: `HostEnvironment` {"host_key", "label", "state_shapes", "observation_shapes", "action_shapes",
/// "state_dtypes", "observation_dtypes", "action_dtypes"}; `BooleanReasoningEnvironment` {"seed", "batch_size"};
/// `SessionPoolEnvironment` {"observations", "actions", "agent_memories": [{"shape": [...], "dtype": "..."}],
/// "rng_seed"}; `SessionBatchEnvironment` {"inputs", "single_observation_shapes", "single_action_shapes"}.
public enum MDPEnvironmentRegistry {
    public typealias Resolve = AgentRegistry.Resolve
    public typealias Result = AgentRegistry.Result

    static let kinds = ["BooleanReasoningEnvironment", "HostEnvironment", "SessionBatchEnvironment", "SessionPoolEnvironment"]

    public static func make(_ kind: String, _ attrs: JSON, inputs: [Node], resolve: @escaping Resolve) throws -> AnyObject {
        switch kind {
        case "HostEnvironment":
            let s = try AgentRegistry.spec(kind, attrs, ["host_key", "label", "state_shapes", "observation_shapes", "action_shapes",
                                                         "state_dtypes", "observation_dtypes", "action_dtypes"], resolve)
            try AgentRegistry.noInputs(kind, inputs)
            let key = try s.int("host_key")
            guard key > 0 else { throw AgentNetError.invalid("HostEnvironment: host_key must be positive, got \(key)") }
            return try HostEnvironment(key: Int64(key), label: s.string("label", "BaseEnvironment"),
                                       stateShapes: s.shapeList("state_shapes"), observationShapes: s.shapeList("observation_shapes"),
                                       actionShapes: s.shapeList("action_shapes"), stateDTypes: s.dtypeList("state_dtypes"),
                                       observationDTypes: s.dtypeList("observation_dtypes"), actionDTypes: s.dtypeList("action_dtypes"))
        case "BooleanReasoningEnvironment":
            let s = try AgentRegistry.spec(kind, attrs, ["seed", "batch_size"], resolve)
            try AgentRegistry.noInputs(kind, inputs)
            let seed = try s.int("seed", 1337)
            guard seed >= 0 else { throw AgentNetError.invalid("BooleanReasoningEnvironment: seed must be non-negative, got \(seed)") }
            return try BooleanReasoningEnvironment(seed: UInt64(seed), batchSize: s.int("batch_size", 10))
        case "SessionPoolEnvironment":
            let s = try AgentRegistry.spec(kind, attrs, ["observations", "actions", "agent_memories", "rng_seed"], resolve)
            try AgentRegistry.noInputs(kind, inputs)
            let seed = try s.int("rng_seed", 1337)
            guard seed >= 0 else { throw AgentNetError.invalid("SessionPoolEnvironment: rng_seed must be non-negative, got \(seed)") }
            return try SessionPoolEnvironment(observations: s.items("observations"), actions: s.items("actions"),
                                              agentMemories: s.items("agent_memories"), rngSeed: UInt64(seed))
        case "SessionBatchEnvironment":
            let s = try AgentRegistry.spec(kind, attrs, ["inputs", "single_observation_shapes", "single_action_shapes"], resolve)
            let n = try SessionInputs(s, inputs, kind)
            let given = s.attrs["single_action_shapes"] ?? .null
            let actionShapes = given.isNull || given == .string("all_scalar") ? nil : try s.shapeList("single_action_shapes")
            return try SessionBatchEnvironment(observations: n.observations, singleObservationShapes: s.shapeList("single_observation_shapes"),
                                               actions: n.actions, singleActionShapes: actionShapes, rewards: n.rewards,
                                               isAlive: n.isAlive, isTruncated: n.isTruncated, precedingAgentMemories: n.memories)
        default:
            throw AgentNetError.invalid("unknown environment kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
    }

    public static func call(_ env: AnyObject, _ method: String, _ attrs: JSON, inputs: [Node], resolve: @escaping Resolve) throws -> Result {
        if let e = env as? BaseEnvironment, let r = try baseMethod(e, method, attrs, inputs, resolve) { return r }
        if let e = env as? BooleanReasoningEnvironment, let r = try booleanReasoningMethod(e, method, attrs, inputs, resolve) { return r }
        if let e = env as? SessionPoolEnvironment, let r = try poolMethod(e, method, attrs, inputs, resolve) { return r }
        if let e = env as? ReplayEnvironment, method == "sequences" {
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            try AgentRegistry.noInputs(method, inputs)
            return sequences(e)
        }
        throw AgentNetError.invalid("\(type(of: env)) has no method '\(method)'")
    }

    // MARK: every graph environment

    static func baseMethod(_ e: BaseEnvironment, _ method: String, _ attrs: JSON, _ inputs: [Node], _ resolve: @escaping Resolve) throws -> Result? {
        switch method {
        case "describe":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            func shapes(_ l: [[Int?]]) -> JSON { .array(l.map { .array($0.map { $0.map { .number(Double($0)) } ?? .null }) }) }
            func dtypes(_ l: [DType]) -> JSON { .array(l.map { .string($0.description) }) }
            return Result([], .object(["state_shapes": shapes(e.stateShapes), "observation_shapes": shapes(e.observationShapes),
                                       "action_shapes": shapes(e.actionShapes), "state_dtypes": dtypes(e.stateDTypes),
                                       "observation_dtypes": dtypes(e.observationDTypes), "action_dtypes": dtypes(e.actionDTypes)]))
        case "get_action_results":
            let s = try AgentRegistry.spec(method, attrs, ["options"], resolve)
            let n = e.stateShapes.count
            guard inputs.count == n + e.actionShapes.count else {
                throw AgentNetError.invalid("get_action_results: \(e.label) takes \(n) previous states and \(e.actionShapes.count) actions, got \(inputs.count) inputs")
            }
            let layer = try EnvironmentLayer(e, inputShapes: inputs.map(\.shape), name: "EnvironmentLayer")
            let outs = try layer.outputs(for: inputs, options: AgentRegistry.options(s))
            return Result(outs, .object(["counts": AgentRegistry.counts([Array(outs[..<n]), Array(outs[n...])])]))
        default:
            return nil
        }
    }

    // MARK: BooleanReasoningEnvironment

    static func booleanReasoningMethod(_ e: BooleanReasoningEnvironment, _ method: String, _ attrs: JSON, _ inputs: [Node],
                                       _ resolve: @escaping Resolve) throws -> Result? {
        switch method {
        case "generate_new_data_batch":
            let s = try AgentRegistry.spec(method, attrs, ["batch_size"], resolve)
            try AgentRegistry.noInputs(method, inputs)
            try e.generateNewDataBatch(batchSize: s.int("batch_size", 10))
            return Result([])
        case "set_data_batch":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            guard inputs.count == 2 else { throw AgentNetError.invalid("set_data_batch takes 2 inputs (attrs, cats), got \(inputs.count)") }
            let v = try evaluate(inputs)
            try e.setDataBatch(attributes: castTensor(v[0], .float32), categories: castTensor(v[1], .float32))
            return Result([])
        case "get_reward_sequences":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            guard inputs.count == 2 || inputs.count == 3 else {
                throw AgentNetError.invalid("get_reward_sequences takes 2 or 3 inputs (states, actions[, batch_ids]), got \(inputs.count)")
            }
            return Result([try e.rewardSequences(states: inputs[0], actions: inputs[1], batchIds: inputs.count == 3 ? inputs[2] : nil)])
        case "get_whether_alive":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            guard inputs.count == 1 else { throw AgentNetError.invalid("get_whether_alive takes 1 input (observations), got \(inputs.count)") }
            return Result([try e.whetherAlive(observations: inputs[0])])
        case "joint_data":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            try AgentRegistry.noInputs(method, inputs)
            return Result([e.jointData])
        default:
            return nil
        }
    }

    // MARK: SessionPoolEnvironment

    static func poolMethod(_ e: SessionPoolEnvironment, _ method: String, _ attrs: JSON, _ inputs: [Node], _ resolve: @escaping Resolve) throws -> Result? {
        switch method {
        case "load_sessions", "append_sessions":
            let s = try AgentRegistry.spec(method, attrs, ["inputs", "max_pool_size"], resolve)
            let n = try SessionInputs(s, inputs, method)
            let sessions = try n.evaluated(method)
            if method == "load_sessions" {
                guard s.attrs["max_pool_size"] == nil else { throw AgentNetError.invalid("load_sessions takes no max_pool_size") }
                try e.loadSessions(sessions)
            } else {
                try e.appendSessions(sessions, maxPoolSize: s.optionalInt("max_pool_size"))
            }
            return Result([], .object(["pool_size": .number(Double(e.poolSize))]))
        case "get_session_updates":
            let s = try AgentRegistry.spec(method, attrs, ["inputs", "append", "max_pool_size"], resolve)
            let n = try SessionInputs(s, inputs, method)
            guard let rewards = n.rewards else { throw AgentNetError.invalid("get_session_updates: rewards are required") }
            let updates = try s.bool("append", false)
                ? e.appendUpdates(observations: n.observations, actions: n.actions, rewards: rewards, isAlive: n.isAlive,
                                  isTruncated: n.isTruncated, precedingMemories: n.memories, maxPoolSize: s.optionalInt("max_pool_size"))
                : e.sessionUpdates(observations: n.observations, actions: n.actions, rewards: rewards, isAlive: n.isAlive,
                                   isTruncated: n.isTruncated, precedingMemories: n.memories)
            let all = e.allValues
            let targets = updates.map { u in JSON.number(Double(all.firstIndex { $0 === u.0 } ?? -1)) }
            return Result(updates.map { $0.1 }, .object(["targets": .array(targets)]))
        case "select_session_batch":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            guard inputs.count == 1 else { throw AgentNetError.invalid("select_session_batch takes 1 input (selector), got \(inputs.count)") }
            return Result([try e.selectSessionBatch(inputs[0])])
        case "sample_session_batch":
            let s = try AgentRegistry.spec(method, attrs, ["max_n_samples", "replace"], resolve)
            try AgentRegistry.noInputs(method, inputs)
            return Result([try e.sampleSessionBatch(maxNSamples: s.int("max_n_samples"), replace: s.bool("replace", false))])
        case "pool_size":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            return Result([], .object(["pool_size": .number(Double(e.poolSize))]))
        case "values":
            _ = try AgentRegistry.spec(method, attrs, [], resolve)
            try AgentRegistry.noInputs(method, inputs)
            return Result(e.allValues, .object(["counts": .array([e.observationValues.count, e.actionValues.count, e.memoryValues.count].map { .number(Double($0)) }),
                                                "has_preceding_memories": .bool(e.hasPrecedingMemories)]))
        default:
            return nil
        }
    }

    /// A replay environment's recorded expressions: observations, actions, then whichever of rewards, is_alive,
    /// is_truncated and preceding memories it has (the reply says which).
    static func sequences(_ e: ReplayEnvironment) -> Result {
        var objects: [AnyObject] = (e.observations + e.actions).map { $0 as AnyObject }
        var reply: [String: JSON] = ["counts": .array([.number(Double(e.observations.count)), .number(Double(e.actions.count))])]
        for (name, x) in [("rewards", e.rewards), ("is_alive", e.isAlive), ("is_truncated", e.isTruncated)] {
            reply[name] = .bool(x != nil)
            if let x { objects.append(x) }
        }
        reply["memories"] = e.precedingAgentMemories.map { .number(Double($0.count)) } ?? .null
        objects += (e.precedingAgentMemories ?? []).map { $0 as AnyObject }
        return Result(objects, .object(reply))
    }
}

/// Session inputs named by the attribute "inputs" (see `MDPEnvironmentRegistry`).
struct SessionInputs {
    var observations: [Node] = [], actions: [Node] = [], memories: [Node]? = nil
    var rewards: Node?, isAlive: Node?, isTruncated: Node?

    init(_ s: LayerSpec, _ inputs: [Node], _ what: String) throws {
        guard let names = s.attrs["inputs"]?.array else {
            throw AgentNetError.invalid("\(what): attribute 'inputs' must name each input (a list of strings)")
        }
        guard names.count == inputs.count else {
            throw AgentNetError.invalid("\(what): 'inputs' names \(names.count) inputs, got \(inputs.count)")
        }
        func once(_ slot: inout Node?, _ x: Node, _ name: String) throws {
            guard slot == nil else { throw AgentNetError.invalid("\(what): '\(name)' is given twice") }
            slot = x
        }
        for (name, x) in zip(names, inputs) {
            switch name.string {
            case "observation": observations.append(x)
            case "action": actions.append(x)
            case "prev_memory": memories = (memories ?? []) + [x]
            case "rewards": try once(&rewards, x, "rewards")
            case "is_alive": try once(&isAlive, x, "is_alive")
            case "is_truncated": try once(&isTruncated, x, "is_truncated")
            default:
                throw AgentNetError.invalid("\(what): unknown input name \(name.serialized) (observation, action, rewards, is_alive, is_truncated, prev_memory)")
            }
        }
    }

    /// The inputs computed (they must not depend on symbolic inputs), as host sessions.
    func evaluated(_ what: String) throws -> SessionPoolEnvironment.Sessions {
        guard let rewards else { throw AgentNetError.invalid("\(what): rewards are required") }
        let nodes = observations + actions + [rewards] + [isAlive, isTruncated].compactMap { $0 } + (memories ?? [])
        let v = try evaluate(nodes)
        var i = observations.count + actions.count + 1
        func next(_ present: Bool) -> Tensor? {
            guard present else { return nil }
            defer { i += 1 }
            return v[i]
        }
        let alive = next(isAlive != nil), truncated = next(isTruncated != nil)
        let (o, a) = (observations.count, actions.count)
        return .init(observations: Array(v[..<o]), actions: Array(v[o..<(o + a)]), rewards: v[o + a], isAlive: alive,
                     isTruncated: truncated, precedingMemories: memories.map { _ in Array(v[i...]) })
    }
}

extension LayerSpec {
    /// Attribute `key` as a list of shapes (absent or null: empty).
    func shapeList(_ key: String) throws -> [[Int?]] {
        guard let v = attrs[key], !v.isNull else { return [] }
        guard let a = v.array, a.count <= 1024 else { throw AgentNetError.invalid("\(kind): '\(key)' must be a list of shapes, got \(v.serialized)") }
        return try a.map { try shape($0, key) }
    }

    /// Attribute `key` as a list of dtype names, nil when absent or null.
    func dtypeList(_ key: String) throws -> [DType]? {
        guard let v = attrs[key], !v.isNull else { return nil }
        guard let a = v.array else { throw AgentNetError.invalid("\(kind): '\(key)' must be a list of dtype names, got \(v.serialized)") }
        return try a.map { try dtype(value: $0) }
    }

    /// Attribute `key` as `[{"shape": [...], "dtype": "..."}, ...]` (a pool's stored items).
    func items(_ key: String) throws -> [([Int?], DType)] {
        guard let v = attrs[key], !v.isNull else { return [] }
        guard let a = v.array, a.count <= 1024 else { throw AgentNetError.invalid("\(kind): '\(key)' must be a list of {shape, dtype} items, got \(v.serialized)") }
        return try a.map { item in
            guard case .object = item, item["shape"] != nil else {
                throw AgentNetError.invalid("\(kind): every item of '\(key)' needs a shape, got \(item.serialized)")
            }
            return (try shape(item["shape"], key), try dtype(value: item["dtype"]))
        }
    }
}
