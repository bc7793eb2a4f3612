/// Builds update rules, constraints and objectives by kind name and JSON attributes: the generic constructors behind
/// `agn_updates_create`, `agn_updates_apply` and (for objectives and `norm_constraint`) `agn_node_create`.
/// Hyperparameters are all given (the caller's signature holds the defaults), each as a number or as
/// `{"node": <id>}` for a symbolic scalar, resolved by the caller's `node` closure.
public enum UpdatesRegistry {
    public static let rules = ["sgd", "momentum", "nesterov_momentum", "adagrad", "rmsprop", "adadelta", "adam", "adamax"]
    public static let appliers = ["apply_momentum", "apply_nesterov_momentum"]
    public static let nodeKinds = ["squared_error", "binary_crossentropy", "categorical_crossentropy", "huber_loss",
                                   "aggregate", "norm_constraint"]

    /// The update list of rule `kind` over `params`.
    public static func makeRule(_ kind: String, _ attrs: JSON, _ lossOrGrads: LossOrGradients, params: [SharedValue],
                                node: @escaping (Int) throws -> Node) throws -> UpdateList {
        let h = Hyper(kind: kind, attrs: attrs, node: node)
        switch kind {
        case "sgd": return try Updates.sgd(lossOrGrads, params: params, learningRate: h["learning_rate"])
        case "momentum":
            return try Updates.momentum(lossOrGrads, params: params, learningRate: h["learning_rate"], momentum: h["momentum"])
        case "nesterov_momentum":
            return try Updates.nesterovMomentum(lossOrGrads, params: params, learningRate: h["learning_rate"], momentum: h["momentum"])
        case "adagrad":
            return try Updates.adagrad(lossOrGrads, params: params, learningRate: h["learning_rate"], epsilon: h["epsilon"])
        case "rmsprop":
            return try Updates.rmsprop(lossOrGrads, params: params, learningRate: h["learning_rate"], rho: h["rho"], epsilon: h["epsilon"])
        case "adadelta":
            return try Updates.adadelta(lossOrGrads, params: params, learningRate: h["learning_rate"], rho: h["rho"], epsilon: h["epsilon"])
        case "adam", "adamax":
            let rule = kind == "adam" ? Updates.adam : Updates.adamax
            return try rule(lossOrGrads, params, h["learning_rate"], h["beta1"], h["beta2"], h["epsilon"])
        default:
            throw AgentNetError.invalid("unknown update rule '\(kind)' (known: \(rules.joined(separator: ", ")))")
        }
    }

    /// `apply_momentum` / `apply_nesterov_momentum` over an update list; `params` nil for all of its keys.
    public static func apply(_ kind: String, _ attrs: JSON, _ updates: UpdateList, params: [SharedValue]?,
                             node: @escaping (Int) throws -> Node) throws -> UpdateList {
        let h = Hyper(kind: kind, attrs: attrs, node: node)
        switch kind {
        case "apply_momentum": return try Updates.applyMomentum(updates, params: params, momentum: h["momentum"])
        case "apply_nesterov_momentum": return try Updates.applyNesterovMomentum(updates, params: params, momentum: h["momentum"])
        default: throw AgentNetError.invalid("unknown update modifier '\(kind)' (known: \(appliers.joined(separator: ", ")))")
        }
    }

    /// An objective or `norm_constraint` node; nil when `kind` is none of `nodeKinds` (an op kind).
    public static func makeNode(_ kind: String, _ attrs: JSON, _ inputs: [Node]) throws -> Node? {
        guard nodeKinds.contains(kind) else { return nil }
        func arity(_ n: ClosedRange<Int>) throws {
            guard n.contains(inputs.count) else {
                throw AgentNetError.invalid("\(kind) takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound) or \(n.upperBound)") input(s), got \(inputs.count)")
            }
        }
        func number(_ key: String) throws -> Float {
            guard let d = attrs[key]?.double, d.isFinite else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a finite number") }
            return Float(d)
        }
        switch kind {
        case "squared_error": try arity(2...2); return try Objectives.squaredError(inputs[0], inputs[1])
        case "binary_crossentropy": try arity(2...2); return try Objectives.binaryCrossentropy(inputs[0], inputs[1])
        case "categorical_crossentropy": try arity(2...2); return try Objectives.categoricalCrossentropy(inputs[0], inputs[1])
        case "huber_loss": try arity(2...2); return try Objectives.huberLoss(inputs[0], inputs[1], delta: number("delta"))
        case "aggregate":
            try arity(1...2)
            let raw = attrs["mode"] ?? .string("mean")
            guard let mode = raw.string.flatMap(Objectives.Mode.init(rawValue:)) else {
                throw AgentNetError.invalid("mode must be 'mean', 'sum' or 'normalized_sum', got \(raw.string.map { "'\($0)'" } ?? raw.serialized)")
            }
            return try Objectives.aggregate(inputs[0], weights: inputs.count == 2 ? inputs[1] : nil, mode: mode)
        default:
            try arity(1...1)
            var axes: [Int]? = nil
            if let v = attrs["norm_axes"], !v.isNull {
                let bad = AgentNetError.invalid("norm_constraint: norm_axes must be a list of integers, got \(v.serialized)")
                guard let list = v.array else { throw bad }
                axes = try list.map { guard let i = $0.int else { throw bad }; return i }
            }
            return try Updates.normConstraint(inputs[0], maxNorm: number("max_norm"), normAxes: axes, epsilon: number("epsilon"))
        }
    }

    /// Reads hyperparameters of one call: a number, or `{"node": id}`.
    struct Hyper {
        let kind: String, attrs: JSON, node: (Int) throws -> Node

        subscript(_ key: String) -> NodeConvertible {
            get throws {
                guard let v = attrs[key], !v.isNull else { throw AgentNetError.invalid("\(kind): missing hyperparameter '\(key)'") }
                if let d = v.double { return d }
                guard let id = v["node"]?.int else {
                    throw AgentNetError.invalid("\(kind): hyperparameter '\(key)' must be a number or {\"node\": handle}, got \(v.serialized)")
                }
                return try node(id)
            }
        }
    }
}
