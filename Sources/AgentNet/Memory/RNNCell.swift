/// The seed's `RNNCell`: a vanilla RNN step.

/// `h' = f(h . W_hh + b + sum_i flatten(x_i) . W_i)`, `[batch, units]`.
///
/// Inputs: the previous state `h` `[batch, units]`, then the inputs `x_i` `[batch, ...]` (flattened; there may be
/// none). Parameters `<name>.hid_to_hid.W` `[units, units]`, `<name>.hid_to_hid.b` `[units]` (not regularizable)
/// and `<name>.input<i>_to_hid.W` `[n_i, units]`; the layer itself is named `<name>.new_state`. With
/// `gradClipping` the gradients reaching `h` and the inputs are clipped to `[-g, g]`.
public final class RNNCell: GatedLayer {
    public let numUnits: Int
    public let nonlinearity: Nonlinearity
    public let gradClipping: Float
    public private(set) var hidToHid: Node!
    public private(set) var bias: Node?
    public private(set) var inputWeights: [Node] = []

    /// `inputShapes`: the previous state's, then the inputs'; `inputNames` their layers' names (for messages).
    public init(inputShapes: [[Int?]], inputNames: [String?], nonlinearity: Nonlinearity = .tanh, numUnits: Int? = nil,
                cellName: String? = nil, gradClipping: Float = 0, Whid: GivenParam = .spec(.initializer(.uniform(low: -0.01, high: 0.01))),
                Winp: [GivenParam] = [.spec(.initializer(.uniform(low: -0.01, high: 0.01)))], b: GivenParam? = .zero) throws {
        let owner = cellName.map { "RNNCell '\($0)'" } ?? "RNNCell"
        guard !inputShapes.isEmpty, inputNames.count == inputShapes.count else {
            throw AgentNetError.invalid("\(owner) takes the previous state and the inputs, with one name each; got \(inputShapes.count) shapes and \(inputNames.count) names")
        }
        let units = try Cell.units(numUnits, state: inputShapes[0], what: "prev_state", stateName: inputNames[0], owner: owner)
        let widths = try Cell.widths(Array(inputShapes.dropFirst()), names: Array(inputNames.dropFirst()), what: "input", owner: owner)
        let perInput = widths.isEmpty ? [] : try spread(Winp, widths.count, "Winp", owner)
        (self.numUnits, self.nonlinearity, self.gradClipping) = (units, nonlinearity, Swift.abs(gradClipping))
        let prefix = cellName ?? ""
        super.init(inputShapes: inputShapes, name: prefix + ".new_state", owner: "RNNCell", cellName: cellName)
        hidToHid = try param(Whid, shape: [units, units], name: prefix + ".hid_to_hid.W", slot: [.string("Whid")])
        bias = try b.map { try param($0, shape: [units], name: prefix + ".hid_to_hid.b", tags: ["trainable"], slot: [.string("b")]) }
        for (i, (w, n)) in zip(perInput, widths).enumerated() {
            inputWeights.append(try param(w, shape: [n, units], name: "\(prefix).input\(i)_to_hid.W", slot: [.string("Winp"), .number(Double(i))]))
        }
    }

    /// The seed's signature (`Whid`, `Winp` default to `Uniform(0.01)`; `Winp` is one for all inputs or one each).
    public convenience init(prevState: Layer, inputs: [Layer] = [], nonlinearity: Nonlinearity = .tanh, numUnits: Int? = nil,
                            name: String? = nil, gradClipping: Float = 0, Whid: ParamSpec = .initializer(.uniform(low: -0.01, high: 0.01)),
                            Winp: [ParamSpec] = [.initializer(.uniform(low: -0.01, high: 0.01))], b: ParamSpec? = .initializer(.constant(0))) throws {
        let incoming = [prevState] + inputs
        try self.init(inputShapes: incoming.map(\.outputShape), inputNames: incoming.map(\.name), nonlinearity: nonlinearity,
                      numUnits: numUnits, cellName: name, gradClipping: gradClipping, Whid: .spec(Whid), Winp: Winp.map(GivenParam.spec),
                      b: b.map(GivenParam.spec))
        try setIncoming(incoming)
    }

    public override var outputShape: [Int?] { [inputShapes[0][0], numUnits] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { [shapes.first?.first ?? nil, numUnits] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let xs = try inputs.map { try Cell.clip($0, gradClipping) }
        var s = try T.dot(xs[0], hidToHid)
        if let bias { s = try T.add(s, bias) }
        for (x, w) in zip(xs.dropFirst(), inputWeights) { s = try T.add(s, T.dot(Cell.flat(x), w)) }
        return try nonlinearity.apply(s)
    }

    public override var attributes: [String] {
        ["num_units=\(numUnits)", "nonlinearity=\(nonlinearity.name)"] + (gradClipping != 0 ? ["grad_clipping=\(gradClipping)"] : [])
    }
}

extension LayerRegistry {
    static let rnnCellLayers: [String: Maker] = [
        "RNNCell": { s in
            let uniform = GivenParam.spec(.initializer(.uniform(low: -0.01, high: 0.01)))
            return try RNNCell(inputShapes: s.inputShapes, inputNames: s.inputNames(), nonlinearity: s.nonlinearity("nonlinearity", .tanh),
                               numUnits: s.optionalInt("num_units"),
                               cellName: s.attrs["cell_name"]?.string, gradClipping: s.gradClipping(0), Whid: s.given("Whid", uniform),
                               Winp: s.givenItems("Winp", uniform).map { $0! }, b: s.givenItems("b", .zero, optional: true)[0])
        },
    ]
}
