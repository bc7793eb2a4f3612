/// The seed's `LSTMCell`: one LSTM tick with optional peepholes (Lasagne's LSTMLayer, no forget-gate bias offset).

/// With previous cell `c` and output `h` `[batch, units]` and inputs `x_k`:
///
///     [i, f, g, o]_pre = sum over [h, x_1, ...] of x . W + b    // one stacked matmul per controller
///     i = f_i(i_pre + w_ci * c);  f = f_f(f_pre + w_cf * c)
///     g = f_g(g_pre) [dropout];  c' = g * i + c * f
///     o = f_o(o_pre + w_co * c');  h' = o * f_h(c')             // the output peephole sees the new cell
///
/// Two outputs: `cell` (named `<name>.cell`) and `output` (`<name>.output`), both `[batch, units]`. Parameters
/// `<name>.b_<channel>` (not regularizable) and `<name>.W_<controller>_<channel>` channel by channel for channels
/// `to_ingate, to_forgetgate, to_cell, to_outgate` (a controller is named by its layer's name, else `ctrl<k>`,
/// `k = 0` for `h`), then the peepholes `<name>.W_cell_to_{ingate,forgetgate,outgate}_peephole.scales` `[units]`
/// (not regularizable). `gradClipping` clips the gradients at the four pre-activations (before the peepholes).
public final class LSTMCell: GatedLayer, MultiOutputLayer {
    public static let channels = ["to_ingate", "to_forgetgate", "to_cell", "to_outgate"]
    public static let keys = ["cell", "output"]
    public let numUnits: Int
    /// The input, forget and output gates', the candidate's and the output's.
    public let inputgateNonlinearity: Nonlinearity, forgetgateNonlinearity: Nonlinearity, outputgateNonlinearity: Nonlinearity
    public let cellNonlinearity: Nonlinearity, outputNonlinearity: Nonlinearity
    public let gradClipping: Float
    public let dropout: Double
    /// `[controller][gate]` over `[h, x_1, ...]`, `[gate]` biases and the peepholes (`w_ci, w_cf, w_co`, or none).
    public private(set) var weights: [[Node]] = [], biases: [Node?] = [], peepholes: [Node] = []
    /// `<name>.cell`, `<name>.output`.
    public let outputNames: [String]
    private let noise: DropoutLayer?
    private let stacked = StackedParams()

    /// - Parameters:
    ///   - inputShapes: the previous cell's and output's, then the inputs'; `inputNames` their layers' names.
    ///   - weights: per `[gate][controller]` over `[h, x_1, ...]` (each level one for all or one each); `biases`
    ///     one or one per gate (nil: none); `peepholeWeights` one or one per peephole, nil for no peepholes.
    public init(inputShapes: [[Int?]], inputNames: [String?], numUnits: Int? = nil, weights: [[GivenParam]] = [[.normal]],
                biases: [GivenParam?] = [.zero], peepholeWeights: [GivenParam]? = [.normal],
                forgetgateNonlinearity: Nonlinearity = .sigmoid, inputgateNonlinearity: Nonlinearity = .sigmoid,
                outputgateNonlinearity: Nonlinearity = .sigmoid, cellNonlinearity: Nonlinearity = .tanh,
                outputNonlinearity: Nonlinearity = .tanh, dropout: Double = 0, seed: UInt64 = 0, cellName: String? = nil,
                gradClipping: Float = 0) throws {
        let owner = cellName.map { "LSTMCell '\($0)'" } ?? "LSTMCell"
        guard inputShapes.count >= 2, inputNames.count == inputShapes.count else {
            throw AgentNetError.invalid("\(owner) takes the previous cell and output and the inputs, with one name each; got \(inputShapes.count) shapes and \(inputNames.count) names")
        }
        guard dropout >= 0, dropout < 1 else { throw AgentNetError.invalid("\(owner): dropout must be in [0, 1), got \(dropout)") }
        let units = try Cell.units(numUnits, state: inputShapes[0], what: "prev_cell", stateName: inputNames[0], owner: owner)
        guard inputShapes[1].count == 2, inputShapes[1][1] == inputShapes[0][1] else {
            throw AgentNetError.shape("\(owner): prev_out \(seedName(inputNames[1])) of shape \(seedShape(inputShapes[1])) must match prev_cell \(seedName(inputNames[0])) of shape \(seedShape(inputShapes[0]))")
        }
        let widths = [units] + (try Cell.widths(Array(inputShapes.dropFirst(2)), names: Array(inputNames.dropFirst(2)), what: "input", owner: owner))
        let ws = try spread(weights, 4, "weight_init", owner).enumerated().map { g, w in
            try spread(w, widths.count, "weight_init for channel '\(Self.channels[g])'", owner)
        }
        let bs = try spread(biases, 4, "bias_init", owner)
        let peeps = try peepholeWeights.map { try spread($0, 3, "peepholes_W_init", owner) }
        (self.numUnits, self.dropout, self.gradClipping) = (units, dropout, Swift.abs(gradClipping))
        (self.forgetgateNonlinearity, self.inputgateNonlinearity, self.outputgateNonlinearity) = (forgetgateNonlinearity, inputgateNonlinearity, outputgateNonlinearity)
        (self.cellNonlinearity, self.outputNonlinearity) = (cellNonlinearity, outputNonlinearity)
        let prefix = cellName ?? ""
        outputNames = [prefix + ".cell", prefix + ".output"]
        noise = dropout == 0 ? nil : try DropoutLayer(inputShape: [inputShapes[0][0], units], p: .constant(dropout), seed: seed)
        super.init(inputShapes: inputShapes, name: cellName, owner: "LSTMCell", cellName: cellName)
        let controllers = [1] + Array(2..<inputShapes.count)  // h, then the inputs: input index of each controller
        self.weights = Array(repeating: [], count: widths.count)
        for g in 0..<4 {
            self.biases.append(try bs[g].map {
                try param($0, shape: [units], name: "\(prefix).b_\(Self.channels[g])", tags: ["trainable"], slot: [.string("b"), .number(Double(g))])
            })
            for (k, input) in controllers.enumerated() {
                let ctrl = nonEmpty(inputNames[input]) ?? "ctrl\(k)"
                self.weights[k].append(try param(ws[g][k], shape: [widths[k], units], name: "\(prefix).W_\(ctrl)_\(Self.channels[g])",
                                            slot: [.string("W"), .number(Double(g)), .number(Double(k))]))
            }
        }
        for (j, gate) in ["ingate", "forgetgate", "outgate"].enumerated() {
            guard let peeps else { break }
            peepholes.append(try param(peeps[j], shape: [units], name: "\(prefix).W_cell_to_\(gate)_peephole.scales", tags: ["trainable"],
                                       slot: [.string("peepholes"), .number(Double(j))]))
        }
    }

    /// The seed's signature; `peepholes: false` means no peephole weights.
    public convenience init(prevCell: Layer, prevOut: Layer, inputs: [Layer] = [], numUnits: Int? = nil, peepholes: Bool = true,
                            weightInit: [[ParamSpec]] = [[.initializer(.normal(std: 0.01, mean: 0))]],
                            biasInit: [ParamSpec?] = [.initializer(.constant(0))],
                            peepholesWInit: [ParamSpec] = [.initializer(.normal(std: 0.01, mean: 0))],
                            forgetgateNonlinearity: Nonlinearity = .sigmoid, inputgateNonlinearity: Nonlinearity = .sigmoid,
                            outputgateNonlinearity: Nonlinearity = .sigmoid, cellNonlinearity: Nonlinearity = .tanh,
                            outputNonlinearity: Nonlinearity = .tanh, dropout: Double = 0, seed: UInt64? = nil, name: String? = nil,
                            gradClipping: Float = 0) throws {
        let incoming = [prevCell, prevOut] + inputs
        try self.init(inputShapes: incoming.map(\.outputShape), inputNames: incoming.map(\.name), numUnits: numUnits,
                      weights: weightInit.map { $0.map(GivenParam.spec) }, biases: biasInit.map { $0.map(GivenParam.spec) },
                      peepholeWeights: peepholes ? peepholesWInit.map(GivenParam.spec) : nil, forgetgateNonlinearity: forgetgateNonlinearity,
                      inputgateNonlinearity: inputgateNonlinearity, outputgateNonlinearity: outputgateNonlinearity,
                      cellNonlinearity: cellNonlinearity, outputNonlinearity: outputNonlinearity, dropout: dropout,
                      seed: seed ?? Initializer.rng.drawing { Initializer.rng.next() }, cellName: name, gradClipping: gradClipping)
        try setIncoming(incoming)
    }

    public var outputShapes: [[Int?]] { [outputShape, outputShape] }
    public var outputDTypes: [DType] { [.float32, .float32] }
    public override var outputShape: [Int?] { [inputShapes[0][0], numUnits] }
    public override var outputCount: Int { 2 }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { [shapes.first?.first ?? nil, numUnits] }

    /// The new cell `c'` and output `h'` as one-output layers.
    public var newCell: ElementLayer { get throws { try ElementLayer(self, index: 0, name: outputNames[0]) } }
    public var newOutput: ElementLayer { get throws { try ElementLayer(self, index: 1, name: outputNames[1]) } }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        let n = numUnits, c = inputs[0]
        let joined = try stacked.get {
            try weights.map { try StackedParams.join($0) } + [StackedParams.joinBiases(biases, widths: [n, n, n, n])]
        }
        let pre = try Cell.clip(Cell.affine(Array(inputs.dropFirst()), joined.dropLast().map { $0! }, joined.last!), gradClipping)
        var ingate = try Cell.columns(pre, 0, n), forgetgate = try Cell.columns(pre, n, 2 * n)
        var outgate = try Cell.columns(pre, 3 * n, 4 * n)
        if !peepholes.isEmpty {
            ingate = try T.add(ingate, T.mul(c, peepholes[0]))
            forgetgate = try T.add(forgetgate, T.mul(c, peepholes[1]))
        }
        ingate = try inputgateNonlinearity.apply(ingate)
        forgetgate = try forgetgateNonlinearity.apply(forgetgate)
        var candidate = try cellNonlinearity.apply(Cell.columns(pre, 2 * n, 3 * n))
        if let noise { candidate = try noise.output(for: [candidate], options: options) }
        let cell = try T.add(T.mul(candidate, ingate), T.mul(c, forgetgate))
        if !peepholes.isEmpty { outgate = try T.add(outgate, T.mul(cell, peepholes[2])) }
        let out = try T.mul(outputgateNonlinearity.apply(outgate), outputNonlinearity.apply(cell))
        return [cell, out]
    }

    public override var attributes: [String] {
        ["num_units=\(numUnits)"] + (peepholes.isEmpty ? ["peepholes=False"] : []) + (gradClipping != 0 ? ["grad_clipping=\(gradClipping)"] : [])
            + (dropout != 0 ? ["dropout=\(dropout)"] : [])
    }
}

extension LayerRegistry {
    static let lstmCellLayers: [String: Maker] = [
        // W: per [gate][controller over h, x_1, ...]; b: per gate (null: none); peepholes: per peephole, or null
        "LSTMCell": { s in
            let drop = try s.dropout()
            let weights = try s.list("W", [.null]).map { w in try (w.array ?? [w]).map { try s.given($0.isNull ? nil : $0, "W") ?? .normal } }
            let peepholes = s.attrs["peepholes"]?.isNull == true ? nil : try s.givenItems("peepholes", .normal).map { $0! }
            return try LSTMCell(inputShapes: s.inputShapes, inputNames: s.inputNames(), numUnits: s.optionalInt("num_units"), weights: weights,
                                biases: s.givenItems("b", .zero, optional: true), peepholeWeights: peepholes,
                                forgetgateNonlinearity: s.nonlinearity("forgetgate_nonlinearity", .sigmoid),
                                inputgateNonlinearity: s.nonlinearity("inputgate_nonlinearity", .sigmoid),
                                outputgateNonlinearity: s.nonlinearity("outputgate_nonlinearity", .sigmoid),
                                cellNonlinearity: s.nonlinearity("cell_nonlinearity", .tanh),
                                outputNonlinearity: s.nonlinearity("output_nonlinearity", .tanh),
                                dropout: drop.p, seed: drop.seed, cellName: s.attrs["cell_name"]?.string, gradClipping: s.gradClipping(0))
        },
    ]
}
