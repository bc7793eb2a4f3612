/// The seed's `GRUCell`: one GRU tick (Lasagne/cuDNN variant: the reset gate multiplies `h . U_c`).

/// With inputs `x_k` and previous state `h` `[batch, units]`:
///
///     r = f_r(sum_k x_k . W_k,r + b_r + h . U_r);  u = f_u(sum_k x_k . W_k,u + b_u + h . U_u)
///     c = f_c(sum_k x_k . W_k,c + b_c + r * (h . U_c));  c = dropout(c)
///     h' = (1 - u) * h + u * c
///
/// Without inputs the reset and update biases join `h . U` and the candidate bias stays outside `r * (.)`.
/// Parameters (in this order) `<name>.b_<channel>` (not regularizable) and `<name>.W_<input>_<channel>` channel by
/// channel, then `<name>.W_<state>_<channel>`, for channels `to_resetgate, to_updategate, to_hidden_update`; an
/// input is named by its layer's name, else `ctrl<k>` (`k` from 1), the state by its layer's name, else `ctrl0`.
/// With `gradClipping` the gradients are clipped at the inputs, at `h . U` and at the candidate's pre-activation.
/// `dropout` ("recurrent dropout without memory loss", arXiv:1603.05118) is off when `deterministic`.
public final class GRUCell: GatedLayer {
    public static let channels = ["to_resetgate", "to_updategate", "to_hidden_update"]
    public let numUnits: Int
    /// For the reset gate (the seed calls it the forget gate), the update gate and the candidate.
    public let forgetgateNonlinearity: Nonlinearity, updategateNonlinearity: Nonlinearity, hiddenUpdateNonlinearity: Nonlinearity
    public let gradClipping: Float
    public let dropout: Double
    /// `[gate]`: the state's weights `U`, the biases, and `[input][gate]` the inputs' weights `W`.
    public private(set) var hiddenWeights: [Node] = [], biases: [Node?] = [], inputWeights: [[Node]] = []
    private let noise: DropoutLayer?
    private let stacked = StackedParams()

    /// - Parameters:
    ///   - inputShapes: the previous state's, then the inputs'; `inputNames` their layers' names.
    ///   - hiddenWeights: one or one per gate; `inputWeights` per `[gate][input]` (each level one for all or one
    ///     each); `biases` one or one per gate (nil: none).
    ///   - seed: of the dropout noise.
    public init(inputShapes: [[Int?]], inputNames: [String?], numUnits: Int? = nil, hiddenWeights: [GivenParam] = [.normal],
                inputWeights: [[GivenParam]] = [[.normal]], biases: [GivenParam?] = [.zero],
                forgetgateNonlinearity: Nonlinearity = .sigmoid, updategateNonlinearity: Nonlinearity = .sigmoid,
                hiddenUpdateNonlinearity: Nonlinearity = .tanh, dropout: Double = 0, seed: UInt64 = 0,
                cellName: String? = "YetAnotherGRULayer", gradClipping: Float = 0) throws {
        let owner = cellName.map { "GRUCell '\($0)'" } ?? "GRUCell"
        guard !inputShapes.isEmpty, inputNames.count == inputShapes.count else {
            throw AgentNetError.invalid("\(owner) takes the previous state and the inputs, with one name each; got \(inputShapes.count) shapes and \(inputNames.count) names")
        }
        guard dropout >= 0, dropout < 1 else { throw AgentNetError.invalid("\(owner): dropout must be in [0, 1), got \(dropout)") }
        let units = try Cell.units(numUnits, state: inputShapes[0], what: "prev_state", stateName: inputNames[0], owner: owner)
        let widths = try Cell.widths(Array(inputShapes.dropFirst()), names: Array(inputNames.dropFirst()), what: "input", owner: owner)
        let hid = try spread(hiddenWeights, 3, "weight_init[0] (hidden -> gates)", owner)
        let inp = try spread(inputWeights, 3, "weight_init[1] (inputs -> gates)", owner).enumerated().map { g, w in
            widths.isEmpty ? [] : try spread(w, widths.count, "weight_init[1][\(g)] (inputs -> one gate)", owner)
        }
        let bs = try spread(biases, 3, "bias_init", owner)
        (self.numUnits, self.dropout, self.gradClipping) = (units, dropout, Swift.abs(gradClipping))
        self.forgetgateNonlinearity = forgetgateNonlinearity
        self.updategateNonlinearity = updategateNonlinearity
        self.hiddenUpdateNonlinearity = hiddenUpdateNonlinearity
        noise = dropout == 0 ? nil : try DropoutLayer(inputShape: [inputShapes[0][0], units], p: .constant(dropout), seed: seed)
        super.init(inputShapes: inputShapes, name: cellName, owner: "GRUCell", cellName: cellName)
        let prefix = (cellName ?? "") + "."
        let stateName = nonEmpty(inputNames[0]) ?? "ctrl0"
        func gate(_ g: Int) -> JSON { .number(Double(g)) }
        func bias(_ g: Int) throws -> Node? {
            try bs[g].map { try param($0, shape: [units], name: "\(prefix)b_\(Self.channels[g])", tags: ["trainable"], slot: [.string("b"), gate(g)]) }
        }
        func hidden(_ g: Int) throws -> Node {
            try param(hid[g], shape: [units, units], name: "\(prefix)W_\(stateName)_\(Self.channels[g])", slot: [.string("W_hid"), gate(g)])
        }
        if widths.isEmpty {
            for g in 0..<2 {
                self.biases.append(try bias(g))
                self.hiddenWeights.append(try hidden(g))
            }
            self.hiddenWeights.append(try hidden(2))
            self.biases.append(try bias(2))
            return
        }
        self.inputWeights = Array(repeating: [], count: widths.count)
        for g in 0..<3 {
            self.biases.append(try bias(g))
            for (k, n) in widths.enumerated() {
                let input = nonEmpty(inputNames[k + 1]) ?? "ctrl\(k + 1)"
                self.inputWeights[k].append(try param(inp[g][k], shape: [n, units], name: "\(prefix)W_\(input)_\(Self.channels[g])",
                                                 slot: [.string("W_in"), gate(g), .number(Double(k))]))
            }
        }
        for g in 0..<3 { self.hiddenWeights.append(try hidden(g)) }
    }

    /// The seed's signature: `weightInit` is one spec, or `[hidden, input]` specs as in the designated initializer.
    public convenience init(prevState: Layer, inputs: [Layer] = [], numUnits: Int? = nil,
                            hiddenWeights: [ParamSpec] = [.initializer(.normal(std: 0.01, mean: 0))],
                            inputWeights: [[ParamSpec]] = [[.initializer(.normal(std: 0.01, mean: 0))]],
                            biasInit: [ParamSpec?] = [.initializer(.constant(0))], forgetgateNonlinearity: Nonlinearity = .sigmoid,
                            updategateNonlinearity: Nonlinearity = .sigmoid, hiddenUpdateNonlinearity: Nonlinearity = .tanh,
                            dropout: Double = 0, seed: UInt64? = nil, name: String? = "YetAnotherGRULayer", gradClipping: Float = 0) throws {
        let incoming = [prevState] + inputs
        try self.init(inputShapes: incoming.map(\.outputShape), inputNames: incoming.map(\.name), numUnits: numUnits,
                      hiddenWeights: hiddenWeights.map(GivenParam.spec), inputWeights: inputWeights.map { $0.map(GivenParam.spec) },
                      biases: biasInit.map { $0.map(GivenParam.spec) }, forgetgateNonlinearity: forgetgateNonlinearity,
                      updategateNonlinearity: updategateNonlinearity, hiddenUpdateNonlinearity: hiddenUpdateNonlinearity,
                      dropout: dropout, seed: seed ?? Initializer.rng.drawing { Initializer.rng.next() }, cellName: name, gradClipping: gradClipping)
        try setIncoming(incoming)
    }

    public override var outputShape: [Int?] { [inputShapes[0][0], numUnits] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { [shapes.first?.first ?? nil, numUnits] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let n = numUnits, h = inputs[0]
        // without inputs the reset and update biases join h . U; the candidate's bias is added after r * (.)
        let joined = try stacked.get {
            let gateBiases = inputWeights.isEmpty ? Array(biases[..<2]) + [nil] : biases
            return [try StackedParams.join(hiddenWeights), try StackedParams.joinBiases(gateBiases, widths: [n, n, n])]
                + (try inputWeights.map { try StackedParams.join($0) })
        }
        let (hiddenStack, biasStack, inputStacks) = (joined[0]!, joined[1], joined.dropFirst(2).map { $0! })
        let candidate: Node, update: Node
        if inputStacks.isEmpty {
            let hid = try Cell.clip(Cell.affine([h], [hiddenStack], biasStack), gradClipping)  // [batch, 3 units]
            let reset = try forgetgateNonlinearity.apply(Cell.columns(hid, 0, n))
            update = try updategateNonlinearity.apply(Cell.columns(hid, n, 2 * n))
            let gated = try T.mul(reset, Cell.columns(hid, 2 * n, 3 * n))
            candidate = try biases[2].map { try T.add(gated, $0) } ?? gated
        } else {
            let hid = try Cell.clip(T.dot(h, hiddenStack), gradClipping)
            let xs = try inputs.dropFirst().map { try Cell.clip(Cell.flat($0), gradClipping) }
            let inp = try Cell.affine(xs, inputStacks, biasStack)
            let reset = try forgetgateNonlinearity.apply(T.add(Cell.columns(inp, 0, n), Cell.columns(hid, 0, n)))
            update = try updategateNonlinearity.apply(T.add(Cell.columns(inp, n, 2 * n), Cell.columns(hid, n, 2 * n)))
            candidate = try T.add(Cell.columns(inp, 2 * n, 3 * n), T.mul(reset, Cell.columns(hid, 2 * n, 3 * n)))
        }
        var c = try hiddenUpdateNonlinearity.apply(Cell.clip(candidate, gradClipping))
        if let noise { c = try noise.output(for: [c], options: options) }
        return try T.add(T.mul(T.sub(1, update), h), T.mul(update, c))
    }

    public override var attributes: [String] {
        ["num_units=\(numUnits)"] + (gradClipping != 0 ? ["grad_clipping=\(gradClipping)"] : []) + (dropout != 0 ? ["dropout=\(dropout)"] : [])
    }
}

extension LayerRegistry {
    static let gruCellLayers: [String: Maker] = [
        // W_hid: per gate; W_in: per [gate][input]; b: per gate (null: none); each level one for all or one each
        "GRUCell": { s in
            let drop = try s.dropout()
            let weights = try s.list("W_in", [.null]).map { w in try (w.array ?? [w]).map { try s.given($0.isNull ? nil : $0, "W_in") ?? .normal } }
            return try GRUCell(inputShapes: s.inputShapes, inputNames: s.inputNames(), numUnits: s.optionalInt("num_units"),
                               hiddenWeights: s.givenItems("W_hid", .normal).map { $0! }, inputWeights: weights,
                               biases: s.givenItems("b", .zero, optional: true),
                               forgetgateNonlinearity: s.nonlinearity("forgetgate_nonlinearity", .sigmoid),
                               updategateNonlinearity: s.nonlinearity("updategate_nonlinearity", .sigmoid),
                               hiddenUpdateNonlinearity: s.nonlinearity("hidden_update_nonlinearity", .tanh),
                               dropout: drop.p, seed: drop.seed, cellName: s.attrs["cell_name"]?.string, gradClipping: s.gradClipping(0))
        },
    ]
}
