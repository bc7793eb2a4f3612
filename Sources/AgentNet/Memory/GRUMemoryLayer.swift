/// The seed's legacy `GRUMemoryLayer`: one GRU tick with Lasagne's `GRULayer` API (`Gate` parameter holders).

/// Initializers and nonlinearity of one gate (Lasagne's `layers.Gate`); `W_cell` (peepholes) is unused by GRUs.
public struct Gate {
    public var W_in: GivenParam, W_hid: GivenParam, b: GivenParam
    public var nonlinearity: Nonlinearity

    public init(W_in: GivenParam = .spec(.initializer(.normal(std: 0.1, mean: 0))),
                W_hid: GivenParam = .spec(.initializer(.normal(std: 0.1, mean: 0))), b: GivenParam = .zero,
                nonlinearity: Nonlinearity = .sigmoid) {
        (self.W_in, self.W_hid, self.b, self.nonlinearity) = (W_in, W_hid, b, nonlinearity)
    }
}

/// The same maths as `GRUCell` with one input:
///
///     r = f_r(x . W_in_r + b_r + h . W_hid_r);  u = f_u(x . W_in_u + b_u + h . W_hid_u)
///     c = f_c(x . W_in_c + b_c + r * (h . W_hid_c));  h' = (1 - u) * h + u * c
///
/// Inputs: the previous state `h` `[batch, units]` and the observation `x` `[batch, ...]` (flattened). Parameters
/// `<name>.W_in_to_<gate>`, `<name>.W_hid_to_<gate>` and `<name>.b_<gate>` (not regularizable) for the gates
/// `updategate, resetgate, hidden_update`, in that order (the seed's, which `setAllParamValues` relies on).
/// `gradClipping` (default 5, 0 for none) clips the gradients at the input, at `h . W_hid` and at the candidate's
/// pre-activation.
public final class GRUMemoryLayer: GatedLayer {
    public static let defaultName = "YetAnotherGRUMemoryLayer"
    /// The gates in parameter order.
    public static let gates = ["updategate", "resetgate", "hidden_update"]
    public let numUnits: Int
    public let gradClipping: Float
    /// In the order `resetgate, updategate, hidden_update`.
    public let nonlinearities: [Nonlinearity]
    /// `[W_in, W_hid, b]` for each gate, in the order `resetgate, updategate, hidden_update`.
    public private(set) var gateParams: [[Node]] = []
    private let stacked = StackedParams()

    /// `inputShapes`: the previous state's, then the observation's.
    public init(numUnits: Int, inputShapes: [[Int?]], resetgate: Gate = Gate(), updategate: Gate = Gate(),
                hiddenUpdate: Gate = Gate(nonlinearity: .tanh), gradClipping: Float = 5, name: String? = GRUMemoryLayer.defaultName) throws {
        let owner = "GRUMemoryLayer \(seedName(name))"
        guard inputShapes.count == 2 else {
            throw AgentNetError.invalid("\(owner) takes the previous state and the observation, got \(inputShapes.count) inputs")
        }
        let (state, obs) = (inputShapes[0], inputShapes[1])
        guard state.count == 2, state[1] == numUnits else {
            throw AgentNetError.shape("\(owner): num_units=\(numUnits) (new state shape \(seedShape([state.first ?? nil, numUnits]))) does not match prev_state_input of shape \(seedShape(state))")
        }
        guard obs.count >= 2, let nIn = flatWidth(obs) else {
            throw AgentNetError.shape("\(owner): observation_input has shape \(seedShape(obs)); it needs a batch axis and known sizes on the other axes")
        }
        (self.numUnits, self.gradClipping) = (numUnits, Swift.abs(gradClipping))
        nonlinearities = [resetgate.nonlinearity, updategate.nonlinearity, hiddenUpdate.nonlinearity]
        super.init(inputShapes: inputShapes, name: name, owner: "GRUMemoryLayer", cellName: name)
        let prefix = name.map { "\($0)." } ?? ""
        var byGate: [String: [Node]] = [:]
        for (gate, g) in zip(Self.gates, [updategate, resetgate, hiddenUpdate]) {
            byGate[gate] = [
                try param(g.W_in, shape: [nIn, numUnits], name: "\(prefix)W_in_to_\(gate)", slot: [.string(gate), .string("W_in")]),
                try param(g.W_hid, shape: [numUnits, numUnits], name: "\(prefix)W_hid_to_\(gate)", slot: [.string(gate), .string("W_hid")]),
                try param(g.b, shape: [numUnits], name: "\(prefix)b_\(gate)", tags: ["trainable"], slot: [.string(gate), .string("b")]),
            ]
        }
        gateParams = ["resetgate", "updategate", "hidden_update"].map { byGate[$0]! }
    }

    /// The seed's signature.
    public convenience init(numUnits: Int, observationInput: Layer, prevStateInput: Layer, resetgate: Gate = Gate(),
                            updategate: Gate = Gate(), hiddenUpdate: Gate = Gate(nonlinearity: .tanh), gradClipping: Float = 5,
                            name: String? = GRUMemoryLayer.defaultName) throws {
        try self.init(numUnits: numUnits, inputShapes: [prevStateInput.outputShape, observationInput.outputShape], resetgate: resetgate,
                      updategate: updategate, hiddenUpdate: hiddenUpdate, gradClipping: gradClipping, name: name)
        try setIncoming([prevStateInput, observationInput])
    }

    public override var outputShape: [Int?] { inputShapes[0] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[0] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let n = numUnits, h = inputs[0]
        let joined = try stacked.get { try (0..<3).map { k in try StackedParams.join(gateParams.map { $0[k] }) } }
        // [batch, 3 units], gates in the order reset, update, hidden update
        let (wIn, wHid, b) = (joined[0]!, joined[1]!, joined[2]!)
        let hid = try Cell.clip(T.dot(h, wHid), gradClipping)
        let x = try Cell.clip(Cell.flat(inputs[1]), gradClipping)
        let inp = try T.add(T.dot(x, wIn), b)
        let reset = try nonlinearities[0].apply(T.add(Cell.columns(hid, 0, n), Cell.columns(inp, 0, n)))
        let update = try nonlinearities[1].apply(T.add(Cell.columns(hid, n, 2 * n), Cell.columns(inp, n, 2 * n)))
        let candidate = try T.add(Cell.columns(inp, 2 * n, 3 * n), T.mul(reset, Cell.columns(hid, 2 * n, 3 * n)))
        let c = try nonlinearities[2].apply(Cell.clip(candidate, gradClipping))
        return try T.add(T.mul(T.sub(1, update), h), T.mul(update, c))
    }

    public override var attributes: [String] { ["num_units=\(numUnits)", "grad_clipping=\(gradClipping)"] }
}

extension LayerRegistry {
    static let gruMemoryLayers: [String: Maker] = [
        // resetgate, updategate, hidden_update: {"W_in", "W_hid", "b", "nonlinearity"} each (Lasagne's Gate)
        "GRUMemoryLayer": { s in
            func gate(_ key: String, _ nonlinearity: Nonlinearity) throws -> Gate {
                let g = s.attrs[key] ?? .object([:])
                let normal = GivenParam.spec(.initializer(.normal(std: 0.1, mean: 0)))
                func p(_ k: String, _ dflt: GivenParam) throws -> GivenParam {
                    guard let v = g[k] else { return dflt }
                    guard let given = try s.given(v, "\(key).\(k)") else { throw AgentNetError.invalid("GRUMemoryLayer: \(key).\(k) cannot be None") }
                    return given
                }
                let f = try g["nonlinearity"].map { $0.isNull ? .linear : try s.nonlinearity(value: $0, "\(key).nonlinearity") } ?? nonlinearity
                return Gate(W_in: try p("W_in", normal), W_hid: try p("W_hid", normal), b: try p("b", .zero), nonlinearity: f)
            }
            return try GRUMemoryLayer(numUnits: s.int("num_units"), inputShapes: s.inputShapes, resetgate: gate("resetgate", .sigmoid),
                                      updategate: gate("updategate", .sigmoid), hiddenUpdate: gate("hidden_update", .tanh),
                                      gradClipping: s.gradClipping(5), name: s.name)
        },
    ]
}
