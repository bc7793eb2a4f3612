/// The seed's `SwitchLayer`: if-then-else per batch row.

/// `then[i]` where `condition[i] != 0`, else `else[i]`. The condition is `[batch]` or `[batch, ...]` matching the
/// branches' leading axes (int, bool or float); a condition of lower rank gets trailing size-1 axes, so it always
/// selects whole batch rows. (The seed passed it straight to `T.switch`, where a `[batch]` condition broadcasts from
/// the right and selects along the last axis of `[batch, n]` branches.) The branches have equal shapes and
/// dtypes; the output has theirs.
public final class SwitchLayer: Layer {
    private let dtype: DType

    /// `inputShapes` are the condition's and the two branches'; `branchDTypes` the branches' dtypes (then, else).
    public init(inputShapes: [[Int?]], branchDTypes: (DType, DType) = (.float32, .float32), name: String? = nil) throws {
        guard inputShapes.count == 3 else {
            throw AgentNetError.invalid("SwitchLayer takes a condition and two branches, got \(inputShapes.count) inputs")
        }
        let (cond, then, other) = (inputShapes[0], inputShapes[1], inputShapes[2])
        dtype = branchDTypes.0
        super.init(inputShapes: inputShapes, name: name)
        guard then == other else {
            throw AgentNetError.shape("\(label): the branches must have equal shapes, got \(seedShape(then)) (then) and \(seedShape(other)) (else)")
        }
        guard branchDTypes.0 == branchDTypes.1 else {
            throw AgentNetError.invalid("\(label): the branches must have equal dtypes, got \(branchDTypes.0) (then) and \(branchDTypes.1) (else)")
        }
        guard 1 <= cond.count, cond.count <= then.count, zip(cond, then).allSatisfy(sizesAgree) else {
            throw AgentNetError.shape("\(label): the condition shape \(seedShape(cond)) must match the leading axes of the branch shape \(seedShape(then))")
        }
    }

    public convenience init(condition: Layer, thenBranch: Layer, elseBranch: Layer, name: String? = nil) throws {
        try self.init(inputShapes: [condition.outputShape, thenBranch.outputShape, elseBranch.outputShape],
                      branchDTypes: (thenBranch.outputDType, elseBranch.outputDType), name: name)
        try setIncoming([condition, thenBranch, elseBranch])
    }

    public override var outputShape: [Int?] { inputShapes[1] }
    public override var outputDType: DType { dtype }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[1] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        var cond = inputs[0]
        let extra = inputs[1].rank - cond.rank
        if extra > 0 { cond = try T.dimshuffle(cond, Array(0..<cond.rank) + Array(repeating: -1, count: extra)) }
        return try T.where_(cond, inputs[1], inputs[2])
    }
}

extension LayerRegistry {
    static let switchLayers: [String: Maker] = [
        "SwitchLayer": { s in
            let dtypes = try s.attrs["dtypes"]?.array.map { try $0.map { try s.dtype(value: $0) } } ?? [.float32, .float32]
            guard dtypes.count == 2 else { throw AgentNetError.invalid("SwitchLayer: 'dtypes' must name the two branches' dtypes, got \(dtypes.count)") }
            return try SwitchLayer(inputShapes: s.inputShapes, branchDTypes: (dtypes[0], dtypes[1]), name: s.name)
        },
    ]
}
