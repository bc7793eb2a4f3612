/// Builds value references and objectives by kind name, JSON attributes and named inputs: the generic constructor
/// behind `agn_node_create("value_reference", …)` and `agn_learning_objective`, so the C ABI stays one entry point.
///
/// Attributes use the seed's parameter names (`n_steps`, `crop_last`, `gamma_or_gammas`…); `inputs` lists the
/// name of each input node in order (`["qvalues", "actions", "rewards", "is_alive"]`). Absent optional inputs take
/// the seed's defaults ("always" alive, zeros after the end). `loss_function` is `"squared_error"` (default),
/// `"huber_loss"` or null: then the objective returns `(reference, predicted)` for a loss applied by the caller.
public enum LearningRegistry {
    public static let kinds = ["qlearning", "sarsa", "a2c", "reinforce", "dpg_critic"]

    static let allowedInputs: [String: (required: [String], optional: [String])] = [
        "value_reference": (["state_values", "rewards"], ["is_alive", "gamma_or_gammas", "state_values_after_end", "is_truncated", "n_steps"]),
        "qlearning": (["qvalues", "actions", "rewards"], ["is_alive", "qvalues_target", "state_values_target", "gamma_or_gammas",
                                                         "state_values_target_after_end", "is_truncated", "n_steps"]),
        "sarsa": (["qvalues", "actions", "rewards"], ["is_alive", "qvalues_target", "gamma_or_gammas", "state_values_target_after_end",
                                                     "is_truncated", "n_steps"]),
        "a2c": (["policy", "state_values", "actions", "rewards"], ["is_alive", "state_values_target", "gamma_or_gammas",
                                                                   "state_values_target_after_end", "state_values_after_end", "is_truncated",
                                                                   "n_steps", "n_steps_advantage"]),
        "reinforce": (["policy", "actions", "rewards"], ["is_alive", "baseline", "gamma_or_gammas", "is_truncated"]),
        "dpg_critic": (["action_qvalues", "state_values", "rewards"], ["is_alive", "gamma_or_gammas", "state_values_after_end",
                                                                       "is_truncated", "n_steps"]),
    ]

    /// The named inputs and attributes of one call, validated against the kind's parameter list.
    struct Call {
        let kind: String
        let attrs: JSON
        let named: [String: Node]

        init(_ kind: String, _ attrs: JSON, _ inputs: [Node]) throws {
            guard let allowed = LearningRegistry.allowedInputs[kind] else {
                throw AgentNetError.invalid("unknown learning objective '\(kind)' (known: \(LearningRegistry.kinds.joined(separator: ", ")))")
            }
            guard case .object = attrs else { throw AgentNetError.invalid("\(kind): attributes must be a JSON object") }
            let names: [String]
            if let list = attrs["inputs"]?.array {
                names = try list.map {
                    guard let s = $0.string else { throw AgentNetError.invalid("\(kind): 'inputs' must list input names, got \($0.serialized)") }
                    return s
                }
            } else {
                names = Array(allowed.required.prefix(inputs.count))
            }
            guard names.count == inputs.count else {
                throw AgentNetError.invalid("\(kind): 'inputs' names \(names.count) inputs but \(inputs.count) were given")
            }
            var named: [String: Node] = [:]
            for (name, node) in zip(names, inputs) {
                guard allowed.required.contains(name) || allowed.optional.contains(name) else {
                    throw AgentNetError.invalid("\(kind): unknown input '\(name)' (expected \((allowed.required + allowed.optional).joined(separator: ", ")))")
                }
                guard named[name] == nil else { throw AgentNetError.invalid("\(kind): input '\(name)' is given twice") }
                named[name] = node
            }
            for name in allowed.required where named[name] == nil {
                throw AgentNetError.invalid("\(kind): missing input '\(name)'")
            }
            self.kind = kind
            self.attrs = attrs
            self.named = named
        }

        func input(_ name: String) -> Node? { named[name] }
        func required(_ name: String) -> Node { named[name]! }

        func flag(_ key: String, _ dflt: Bool) throws -> Bool {
            guard let v = attrs[key], !v.isNull else { return dflt }
            guard case .bool(let b) = v else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be true or false, got \(v.serialized)") }
            return b
        }

        /// `n_steps` (or `n_steps_advantage`): an integer attribute, null for the whole session, or a symbolic input.
        func steps(_ key: String, _ dflt: NSteps) throws -> NSteps {
            if let n = named[key] { return .symbolic(n) }
            guard let v = attrs[key] else { return dflt }
            if v.isNull { return .whole }
            guard let n = v.int, case .number = v, n >= 1 else {
                throw AgentNetError.invalid("\(kind): '\(key)' must be a positive integer or null, got \(v.serialized)")
            }
            return .fixed(n)
        }

        /// `gamma_or_gammas`: an input node, or a number attribute (default 0.99).
        func gamma() throws -> NodeConvertible {
            if let g = named["gamma_or_gammas"] { return g }
            guard let v = attrs["gamma_or_gammas"], !v.isNull else { return 0.99 }
            guard case .number(let d) = v, d.isFinite else { throw AgentNetError.invalid("\(kind): 'gamma_or_gammas' must be a finite number, got \(v.serialized)") }
            return d
        }

        /// The loss by name, or nil for "return the terms".
        func loss() throws -> LossFunction? {
            guard let v = attrs["loss_function"] else { return Objectives.squaredError }
            if v.isNull { return nil }
            guard let s = v.string else { throw AgentNetError.invalid("\(kind): 'loss_function' must be a name or null, got \(v.serialized)") }
            return try Generic.loss(named: s)
        }
    }

    /// The `value_reference` node kind (`get_n_step_value_reference` / `get_1_step_value_reference`).
    public static func valueReference(_ attrs: JSON, _ inputs: [Node]) throws -> Node {
        let c = try Call("value_reference", attrs, inputs)
        return try Generic.nStepValueReference(c.required("state_values"), c.required("rewards"), isAlive: c.input("is_alive"),
                                               nSteps: c.steps("n_steps", .whole), gamma: c.gamma(), cropLast: c.flag("crop_last", true),
                                               stateValuesAfterEnd: c.input("state_values_after_end"), endAtTMax: c.flag("end_at_tmax", false),
                                               isTruncated: c.input("is_truncated"))
    }

    /// One or two nodes: the loss `[B,T]`; `(actor, critic)` for a2c with `return_separate`; the reference with
    /// `return_reference`; `(reference, predicted)` for a null `loss_function` (a2c: `(actor, reference)`; the
    /// caller forms the critic from its own V).
    public static func objective(_ kind: String, _ attrs: JSON, _ inputs: [Node]) throws -> [Node] {
        let c = try Call(kind, attrs, inputs)
        let loss = try c.loss()
        let returnReference = try c.flag("return_reference", false)
        func finish(_ t: TDTerms) throws -> [Node] {
            if returnReference { return [t.reference] }
            guard let loss else { return [t.reference, t.predicted] }
            return [try t.loss(loss)]
        }
        switch kind {
        case "qlearning":
            if let a = attrs["aggregation_function"], a.string != "deprecated" {
                throw AgentNetError.invalid("qlearning: aggregation_function is deprecated; pass state_values_target instead")
            }
            return try finish(QLearning.terms(
                qvalues: c.required("qvalues"), actions: c.required("actions"), rewards: c.required("rewards"), isAlive: c.input("is_alive"),
                qvaluesTarget: c.input("qvalues_target"), stateValuesTarget: c.input("state_values_target"), nSteps: c.steps("n_steps", .fixed(1)),
                gamma: c.gamma(), cropLast: c.flag("crop_last", true), stateValuesTargetAfterEnd: c.input("state_values_target_after_end"),
                considerReferenceConstant: c.flag("consider_reference_constant", true), forceEndAtLastTick: c.flag("force_end_at_last_tick", false),
                isTruncated: c.input("is_truncated")))
        case "sarsa":
            return try finish(SARSA.terms(
                qvalues: c.required("qvalues"), actions: c.required("actions"), rewards: c.required("rewards"), isAlive: c.input("is_alive"),
                qvaluesTarget: c.input("qvalues_target"), nSteps: c.steps("n_steps", .fixed(1)), gamma: c.gamma(),
                cropLast: c.flag("crop_last", true), stateValuesTargetAfterEnd: c.input("state_values_target_after_end"),
                considerReferenceConstant: c.flag("consider_reference_constant", true), forceEndAtLastTick: c.flag("force_end_at_last_tick", false),
                isTruncated: c.input("is_truncated")))
        case "dpg_critic":
            return try finish(DPG.criticTerms(
                actionQvalues: c.required("action_qvalues"), stateValues: c.required("state_values"), rewards: c.required("rewards"),
                isAlive: c.input("is_alive"), nSteps: c.steps("n_steps", .fixed(1)), gamma: c.gamma(), cropLast: c.flag("crop_last", true),
                stateValuesAfterEnd: c.input("state_values_after_end"), forceEndAtLastTick: c.flag("force_end_at_last_tick", false),
                considerReferenceConstant: c.flag("consider_reference_constant", true), isTruncated: c.input("is_truncated")))
        case "a2c":
            let advantage: A2C.AdvantageSteps
            if c.input("n_steps_advantage") == nil, attrs["n_steps_advantage"] == nil || attrs["n_steps_advantage"]?.string == "same" {
                advantage = .same
            } else {
                advantage = .steps(try c.steps("n_steps_advantage", .fixed(1)))
            }
            let t = try A2C.terms(
                policy: c.required("policy"), stateValues: c.required("state_values"), actions: c.required("actions"), rewards: c.required("rewards"),
                isAlive: c.input("is_alive"), stateValuesTarget: c.input("state_values_target"), nSteps: c.steps("n_steps", .fixed(1)),
                nStepsAdvantage: advantage, gamma: c.gamma(), cropLast: c.flag("crop_last", true),
                stateValuesTargetAfterEnd: c.input("state_values_target_after_end"), stateValuesAfterEnd: c.input("state_values_after_end"),
                considerValueReferenceConstant: c.flag("consider_value_reference_constant", true),
                forceEndAtLastTick: c.flag("force_end_at_last_tick", false), treatPolicyAsLogpolicy: c.flag("treat_policy_as_logpolicy", false),
                isTruncated: c.input("is_truncated"))
            guard let loss else { return [t.actor, t.critic.reference] }
            let critic = try t.critic.loss(loss)
            return try c.flag("return_separate", false) ? [t.actor, critic] : [T.add(t.actor, critic)]
        case "reinforce":
            var baseline = c.input("baseline")
            if let b = baseline { baseline = try stateValueMatrix(b, "baseline", "reinforce.get_elementwise_objective") }
            return [try Reinforce.elementwiseObjective(
                policy: c.required("policy"), actions: c.required("actions"), rewards: c.required("rewards"), isAlive: c.input("is_alive"),
                baseline: baseline, gamma: c.gamma(), cropLast: c.flag("crop_last", true),
                treatPolicyAsLogpolicy: c.flag("treat_policy_as_logpolicy", false), isTruncated: c.input("is_truncated"))]
        default:
            throw AgentNetError.invalid("unknown learning objective '\(kind)'")
        }
    }
}
