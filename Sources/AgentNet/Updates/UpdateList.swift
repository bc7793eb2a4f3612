/// What the update rules share: the ordered update list they return, the loss-or-gradients argument, checked
/// hyperparameters and zero-initialised optimizer state.

/// Shared value → new value in insertion order: the `OrderedDict` Lasagne's update rules return. Setting the value
/// of a shared already present keeps its position (as an `OrderedDict` does); a new one is appended.
/// `Function(inputs:outputs:updates: list.pairs)` compiles it.
public struct UpdateList: Sequence {
    public private(set) var pairs: [(SharedValue, Node)] = []

    public init(_ pairs: [(SharedValue, Node)] = []) {
        for (s, v) in pairs { self[s] = v }
    }

    public subscript(_ shared: SharedValue) -> Node? {
        get { pairs.first { $0.0 === shared }?.1 }
        set {
            let i = pairs.firstIndex { $0.0 === shared }
            switch (i, newValue) {
            case let (i?, v?): pairs[i].1 = v
            case let (i?, nil): pairs.remove(at: i)
            case let (nil, v?): pairs.append((shared, v))
            case (nil, nil): break
            }
        }
    }

    public var keys: [SharedValue] { pairs.map(\.0) }
    public var count: Int { pairs.count }
    public func makeIterator() -> IndexingIterator<[(SharedValue, Node)]> { pairs.makeIterator() }
}

/// The first argument of every update rule: a scalar loss (differentiated with respect to the parameters) or one
/// gradient expression per parameter.
public enum LossOrGradients {
    case loss(Node)
    case gradients([Node])
}

public extension Updates {
    /// Lasagne's `get_or_compute_grads`: the gradients of a scalar loss, or the given list (checked to have one
    /// entry per parameter).
    static func getOrComputeGrads(_ lossOrGrads: LossOrGradients, params: [SharedValue]) throws -> [Node] {
        switch lossOrGrads {
        case .gradients(let g):
            guard g.count == params.count else { throw AgentNetError.invalid("Got \(g.count) gradient expressions for \(params.count) parameters") }
            for (i, (x, p)) in zip(g, params).enumerated() where x.rank != p.rank {
                throw AgentNetError.shape("gradient \(i) has rank \(x.rank), its parameter \(p.name ?? "") has rank \(p.rank)")
            }
            return try g.map { try T.cast($0, .float32) }
        case .loss(let loss):
            guard loss.rank == 0 else {
                throw AgentNetError.invalid("the loss must be a scalar, got an expression of rank \(loss.rank) (aggregate it first, e.g. with agentnet.objectives.aggregate)")
            }
            return try grad(loss, wrt: params.map(\.node))
        }
    }
}

/// Namespace of the update rules (Lasagne's `lasagne.updates`): `Updates.adam(.loss(loss), params: ps)`.
public enum Updates {
    /// A hyperparameter as a float32 scalar node. A number (or a constant) is checked against `valid`, whose
    /// description names the range in the error; a symbolic scalar (a shared learning rate) is taken as it is.
    static func hyper(_ x: NodeConvertible, _ name: String, _ range: String, _ valid: (Double) -> Bool) throws -> Node {
        let n = x.node()
        guard n.rank == 0 else { throw AgentNetError.invalid("\(name) must be a scalar, got an expression of rank \(n.rank)") }
        guard n.dtype != .bool else { throw AgentNetError.dtype("\(name) must be a number, got a bool expression") }
        if let c = n.constantValue {
            let v = Double(c.scalars[0])
            guard v.isFinite, valid(v) else { throw AgentNetError.invalid("\(name) must be \(range), got \(v)") }
        }
        return try T.cast(n, .float32)
    }

    static func learningRate(_ x: NodeConvertible) throws -> Node { try hyper(x, "learning_rate", "finite", { _ in true }) }
    static func epsilon(_ x: NodeConvertible) throws -> Node { try hyper(x, "epsilon", "finite and >= 0", { $0 >= 0 }) }
    /// Decay rates (momentum, rho): in [0, 1].
    static func rate(_ x: NodeConvertible, _ name: String) throws -> Node { try hyper(x, name, "in [0, 1]", { $0 >= 0 && $0 <= 1 }) }
    /// Adam's betas: in [0, 1), since the bias corrections divide by 1 − betaᵗ.
    static func beta(_ x: NodeConvertible, _ name: String) throws -> Node { try hyper(x, name, "in [0, 1)", { $0 >= 0 && $0 < 1 }) }

    /// A float32 zero value shaped like the parameter's current value, named `<param>.<suffix>` (or `suffix`).
    static func zerosLike(_ param: SharedValue, _ suffix: String) throws -> SharedValue {
        let base = param.node.name ?? param.name
        return SharedValue(try Tensor(zeros: param.shape, dtype: .float32), name: base.map { "\($0).\(suffix)" } ?? suffix)
    }

    /// The time step shared by Adam and Adamax: a float32 scalar, 0 before the first step.
    static func timeStep(_ name: String) -> SharedValue { SharedValue(Tensor(scalar: 0), name: name) }
}
