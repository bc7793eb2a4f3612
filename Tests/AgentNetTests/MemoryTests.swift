import AgentNet
import AgentNetTestSupport
import Glibc
import Testing

/// RNNCell, GRUCell, LSTMCell, GateLayer and GRUMemoryLayer (Sources/AgentNet/Memory): forward against the float64
/// references of MemoryCellReference.swift (50 ticks with the states fed back, and single ticks in every
/// `Check.eval` mode), the options each supports, finite-difference gradients with respect to inputs and parameters,
/// gradient clipping, the parameter names/tags/counts the Python tests expect, and the registry path Python uses.
@Suite struct MemoryTests {
    init() { Initializer.rng.reseed(7) }

    /// `h [nil, 4]`, `x1 [nil, 5]`, `x2 [nil, 2, 3]` (flattened by the cells).
    let h = InputLayer(shape: [nil, 4], name: "h"), x1 = InputLayer(shape: [nil, 5], name: "x1"), x2 = InputLayer(shape: [nil, 2, 3], name: "x2")
    /// The previous cell of an LSTM.
    let c = InputLayer(shape: [nil, 4], name: "c")
    /// One tick's values: a state `[3, 4]`, then `x1` and `x2`.
    var hv: Tensor { Check.random([3, 4], seed: 7) }
    var cv: Tensor { Check.random([3, 4], seed: 8) }
    var xs: [Tensor] { CellTest.tickInputs(0) }

    /// `layer`'s outputs for `values` in every `Check.eval` mode (which must agree exactly), deterministic.
    func oneTick(_ layer: Layer, _ values: [Tensor]) throws -> [Tensor] {
        try Check.eval(values) { try CellTest.outputs(layer, $0) }
    }

    func compiled(_ inputs: [InputLayer], _ outputs: [Layer], deterministic: Bool = true) throws -> Function {
        try Function(inputs: inputs.map(\.inputVar), outputs: getOutput(outputs, options: LayerOptions(deterministic: deterministic)), checkFinite: false)
    }

    // MARK: RNNCell

    @Test func rnnCellMatchesTheReferenceOver50Ticks() throws {
        let cell = try RNNCell(prevState: h, inputs: [x1, x2], name: "rnn")
        let P = try CellTest.randomize(cell)
        let r = try CellTest.rollout(compiled([h, x1, x2], [cell]), initial: [CellRef.zeros(3, 4)]) { s, xs in
            [CellRef.rnn(P, prefix: "rnn", h: s[0], xs: xs)]
        }
        #expect(r.diff < 2e-6 && r.scale > 0.3, "diff \(r.diff), scale \(r.scale)")
    }

    @Test func rnnCellOptionsMatchTheReference() throws {
        let variants: [(RNNCell, Nonlinearity, [InputLayer])] = [
            (try RNNCell(prevState: h, inputs: [x1, x2], nonlinearity: .rectify, numUnits: 4, name: "rnn"), .rectify, [x1, x2]),
            (try RNNCell(prevState: h, inputs: [x2], nonlinearity: .sigmoid, name: "rnn", b: nil), .sigmoid, [x2]),
            (try RNNCell(prevState: h, nonlinearity: .leakyRectify(0.1), name: "rnn"), .leakyRectify(0.1), []),
            (try RNNCell(prevState: h, inputs: [x1], nonlinearity: .linear, name: "rnn", gradClipping: 3), .linear, [x1]),
        ]
        for (k, (cell, f, inputs)) in variants.enumerated() {
            let P = try CellTest.randomize(cell, seed: UInt64(k + 2))
            let values = [hv] + inputs.map { $0 === x1 ? xs[0] : xs[1] }
            let got = try oneTick(cell, values)[0]
            let want = CellRef.rnn(P, prefix: "rnn", h: CellRef.mat(hv), xs: values.dropFirst().map(CellRef.mat), f: f)
            #expect(got.shape == [3, 4] && CellRef.maxDiff(got.scalars, want) < 2e-6, "variant \(k)")
        }
        #expect(variants[1].0.bias == nil && variants[1].0.params.count == 2)
    }

    // MARK: GRUCell

    @Test func gruCellMatchesTheReferenceOver50Ticks() throws {
        let cell = try GRUCell(prevState: h, inputs: [x1, x2], name: "gru")
        let P = try CellTest.randomize(cell)
        let r = try CellTest.rollout(compiled([h, x1, x2], [cell]), initial: [CellRef.zeros(3, 4)]) { s, xs in
            [CellRef.gru(P, prefix: "gru", state: "h", h: s[0], inputs: [("x1", xs[0]), ("x2", xs[1])])]
        }
        #expect(r.diff < 2e-6 && r.scale > 0.3, "diff \(r.diff), scale \(r.scale)")
    }

    /// Without inputs the candidate's bias stays outside `r ⊙ (h U_c)` (the reference's formula with no inputs).
    @Test func gruCellWithoutInputsMatchesTheReferenceOver50Ticks() throws {
        let cell = try GRUCell(prevState: h, name: "gru")
        let P = try CellTest.randomize(cell, scale: 1.2)
        let r = try CellTest.rollout(compiled([h], [cell]), initial: [CellRef.mat(hv)], inputs: { _ in [] }) { s, _ in
            [CellRef.gru(P, prefix: "gru", state: "h", h: s[0], inputs: [])]
        }
        #expect(r.diff < 2e-6 && r.scale > 0.3, "diff \(r.diff), scale \(r.scale)")
    }

    @Test func gruCellNonlinearitiesBiasesAndUnitsMatchTheReference() throws {
        let fs: [Nonlinearity] = [.tanh, .softplus, .elu]
        let custom = try GRUCell(prevState: h, inputs: [x1, x2], numUnits: 4, forgetgateNonlinearity: fs[0], updategateNonlinearity: fs[1],
                                 hiddenUpdateNonlinearity: fs[2], name: "gru")
        let P = try CellTest.randomize(custom)
        let got = try oneTick(custom, [hv] + xs)[0]
        let inputs = [("x1", CellRef.mat(xs[0])), ("x2", CellRef.mat(xs[1]))]
        #expect(CellRef.maxDiff(got.scalars, CellRef.gru(P, prefix: "gru", state: "h", h: CellRef.mat(hv), inputs: inputs, f: fs)) < 2e-6)
        // no biases at all, or only on the update gate
        for biases in [[nil], [nil, ParamSpec.initializer(.constant(0)), nil]] as [[ParamSpec?]] {
            let cell = try GRUCell(prevState: h, inputs: [x1, x2], biasInit: biases, name: "gru")
            let P = try CellTest.randomize(cell, seed: 3)
            #expect(P.keys.filter { $0.contains(".b_") }.count == biases.compactMap { $0 }.count)
            let got = try oneTick(cell, [hv] + xs)[0]
            #expect(CellRef.maxDiff(got.scalars, CellRef.gru(P, prefix: "gru", state: "h", h: CellRef.mat(hv), inputs: inputs)) < 2e-6)
        }
    }

    /// Clipping changes gradients only; dropout is the identity when deterministic, and otherwise zeroes each
    /// candidate value or scales it by `1 / (1 - p)`.
    @Test func gruCellClippingAndDropoutForward() throws {
        let plain = try GRUCell(prevState: h, inputs: [x1, x2], name: "gru")
        let P = try CellTest.randomize(plain)
        let clipped = try GRUCell(prevState: h, inputs: [x1, x2], name: "gru", gradClipping: 0.1)
        let dropped = try GRUCell(prevState: h, inputs: [x1, x2], dropout: 0.5, seed: 3, name: "gru")
        for cell in [clipped, dropped] { try setAllParamValues([cell], getAllParamValues([plain])) }
        let want = try oneTick(plain, [hv] + xs)[0].scalars
        #expect(try oneTick(clipped, [hv] + xs)[0].scalars == want)
        #expect(try oneTick(dropped, [hv] + xs)[0].scalars == want)
        let (u, cand) = CellRef.gruGates(P, prefix: "gru", state: "h", h: CellRef.mat(hv), inputs: [("x1", CellRef.mat(xs[0])), ("x2", CellRef.mat(xs[1]))])
        let dropAll = CellRef.gruMix(h: CellRef.mat(hv), u: u, c: CellRef.zeros(3, 4))
        let keepAll = CellRef.gruMix(h: CellRef.mat(hv), u: u, c: CellRef.map(cand) { 2 * $0 })
        let got = try compiled([h, x1, x2], [dropped], deterministic: false)([hv] + xs)[0].scalars
        let (zeroed, kept) = matches(got, dropAll.flatMap { $0 }, keepAll.flatMap { $0 })
        #expect(zeroed + kept == 12 && zeroed > 0 && kept > 0, "\(zeroed) dropped, \(kept) kept")
    }

    /// How many of `got` equal `a` and how many equal `b` (within 1e-5; neither counts for neither).
    func matches(_ got: [Float], _ a: [Double], _ b: [Double]) -> (Int, Int) {
        var (na, nb) = (0, 0)
        for (g, (x, y)) in zip(got, zip(a, b)) {
            if Swift.abs(Double(g) - x) < 1e-5 { na += 1 } else if Swift.abs(Double(g) - y) < 1e-5 { nb += 1 }
        }
        return (na, nb)
    }

    // MARK: LSTMCell

    @Test(arguments: [true, false]) func lstmCellMatchesTheReferenceOver50Ticks(peepholes: Bool) throws {
        let lstm = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], peepholes: peepholes, name: "lstm")
        let P = try CellTest.randomize(lstm)
        #expect(P.keys.contains { $0.contains("peephole") } == peepholes)
        let step = try compiled([c, h, x1, x2], [lstm.newCell, lstm.newOutput])
        let r = try CellTest.rollout(step, initial: [CellRef.zeros(3, 4), CellRef.zeros(3, 4)]) { s, xs in
            let o = CellRef.lstm(P, prefix: "lstm", c: s[0], ctrls: [("h", s[1]), ("x1", xs[0]), ("x2", xs[1])])
            return [o.cell, o.out]
        }
        #expect(r.diff < 2e-6 && r.scale > 0.3, "diff \(r.diff), scale \(r.scale)")
    }

    @Test func lstmCellNonlinearitiesBiasesAndNoInputsMatchTheReference() throws {
        let fs: (i: Nonlinearity, f: Nonlinearity, o: Nonlinearity, g: Nonlinearity, h: Nonlinearity) = (.tanh, .softplus, .linear, .elu, .sigmoid)
        let custom = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], numUnits: 4, forgetgateNonlinearity: fs.f, inputgateNonlinearity: fs.i,
                                  outputgateNonlinearity: fs.o, cellNonlinearity: fs.g, outputNonlinearity: fs.h, name: "lstm")
        let noBias = try LSTMCell(prevCell: c, prevOut: h, inputs: [x2], biasInit: [nil], name: "lstm")
        let noInputs = try LSTMCell(prevCell: c, prevOut: h, name: "lstm")
        let ctrls: [(name: String, x: CellMat)] = [("h", CellRef.mat(hv)), ("x1", CellRef.mat(xs[0])), ("x2", CellRef.mat(xs[1]))]
        let cases: [(LSTMCell, [Tensor], [(name: String, x: CellMat)], Bool)] = [
            (custom, [cv, hv] + xs, ctrls, true), (noBias, [cv, hv, xs[1]], [ctrls[0], ctrls[2]], false), (noInputs, [cv, hv], [ctrls[0]], false),
        ]
        for (k, (cell, values, ctrls, isCustom)) in cases.enumerated() {
            let P = try CellTest.randomize(cell, seed: UInt64(k + 1))
            let got = try oneTick(cell, values)
            let want = isCustom ? CellRef.lstm(P, prefix: "lstm", c: CellRef.mat(cv), ctrls: ctrls, f: fs)
                                : CellRef.lstm(P, prefix: "lstm", c: CellRef.mat(cv), ctrls: ctrls)
            #expect(got.map(\.shape) == [[3, 4], [3, 4]])
            #expect(CellRef.maxDiff(got[0].scalars, want.cell) < 2e-6 && CellRef.maxDiff(got[1].scalars, want.out) < 2e-6, "case \(k)")
        }
        #expect(noBias.biases.allSatisfy { $0 == nil } && noBias.params.count == 8 + 3)
    }

    @Test func lstmCellClippingAndDropoutForward() throws {
        let plain = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], name: "lstm")
        let P = try CellTest.randomize(plain)
        let clipped = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], name: "lstm", gradClipping: 0.01)
        let dropped = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], dropout: 0.5, seed: 5, name: "lstm")
        for cell in [clipped, dropped] { try setAllParamValues([cell], getAllParamValues([plain])) }
        let values = [cv, hv] + xs
        let want = try oneTick(plain, values).map(\.scalars)
        #expect(try oneTick(clipped, values).map(\.scalars) == want)
        #expect(try oneTick(dropped, values).map(\.scalars) == want)
        // the candidate is dropped: c' = g ⊙ m ⊙ i + c ⊙ f with m in {0, 2}
        let ref = CellRef.lstm(P, prefix: "lstm", c: CellRef.mat(cv), ctrls: [("h", CellRef.mat(hv)), ("x1", CellRef.mat(xs[0])), ("x2", CellRef.mat(xs[1]))])
        let got = try compiled([c, h, x1, x2], [dropped.newCell], deterministic: false)(values)[0].scalars
        let dropAll = CellRef.mul(CellRef.mat(cv), ref.forget), keepAll = CellRef.add(dropAll, CellRef.map(CellRef.mul(ref.g, ref.i)) { 2 * $0 })
        let (zeroed, kept) = matches(got, dropAll.flatMap { $0 }, keepAll.flatMap { $0 })
        #expect(zeroed + kept == 12 && zeroed > 0 && kept > 0, "\(zeroed) dropped, \(kept) kept")
    }

    // MARK: GateLayer

    @Test func gateLayerIntAndLayerChannelsMatchTheReference() throws {
        let v = InputLayer(shape: [nil, 5], name: "v")
        let gate = try GateLayer(gateControllers: [h, x2], channels: [.units(3), .layer(v)], gateNonlinearities: [.tanh, .linear],
                                 biasInit: [.initializer(.constant(0)), .initializer(.constant(0))], channelNames: ["a", nil], name: "g")
        let P = try CellTest.randomize(gate)
        #expect(gate.keys == ["ga", "gv"] && gate.outputShapes == [[nil, 3], [nil, 5]])
        let vv = Check.random([3, 5], seed: 9)
        let got = try oneTick(gate, [vv, hv, xs[1]])
        let ctrls: [(name: String, x: CellMat)] = [("h", CellRef.mat(hv)), ("x2", CellRef.mat(xs[1]))]
        #expect(CellRef.maxDiff(got[0].scalars, CellRef.gate(P, prefix: "g.", ctrls: ctrls, channel: "a", width: 3, f: .tanh)) < 2e-6)
        #expect(CellRef.maxDiff(got[1].scalars, CellRef.gate(P, prefix: "g.", ctrls: ctrls, channel: "v", width: 5, f: .linear, layer: CellRef.mat(vv))) < 2e-6)
        // the one-output layers by key
        let byKey = try compiled([v, h, x2], [gate["ga"], gate["gv"]])([vv, hv, xs[1]])
        #expect(byKey.map(\.scalars) == got.map(\.scalars))
    }

    @Test func gateLayerSingleChannelWithoutBiasFlattensTheLayerChannel() throws {
        let v = InputLayer(shape: [nil, 2, 2], name: "v")
        let gate = try GateLayer(gateControllers: [h], channels: [.layer(v)], biasInit: [nil])
        #expect(gate.keys == ["v"] && gate.outputShape == [nil, 4] && gate.params.map(\.name) == ["W_h_v"])
        let P = try CellTest.randomize(gate)
        let vv = Check.random([3, 2, 2], seed: 9)
        let got = try oneTick(gate, [vv, hv])[0]
        #expect(got.shape == [3, 4])
        #expect(CellRef.maxDiff(got.scalars, CellRef.gate(P, prefix: "", ctrls: [("h", CellRef.mat(hv))], channel: "v", width: 4, f: .sigmoid, layer: CellRef.mat(vv))) < 1e-6)
    }

    // MARK: GRUMemoryLayer

    @Test func gruMemoryLayerMatchesTheReferenceOver50Ticks() throws {
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x2, prevStateInput: h)
        let P = try CellTest.randomize(layer)
        #expect(layer.gradClipping == 5 && layer.outputShape == [nil, 4])
        let r = try CellTest.rollout(compiled([h, x2], [layer]), initial: [CellRef.zeros(3, 4)], inputs: { [CellTest.tickInputs($0)[1]] }) { s, xs in
            [CellRef.gruMemory(P, prefix: GRUMemoryLayer.defaultName, h: s[0], x: xs[0])]
        }
        #expect(r.diff < 2e-6 && r.scale > 0.3, "diff \(r.diff), scale \(r.scale)")
    }

    @Test func gruMemoryLayerGateNonlinearitiesMatchTheReference() throws {
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x1, prevStateInput: h, resetgate: Gate(nonlinearity: .tanh),
                                       updategate: Gate(nonlinearity: .sigmoid), hiddenUpdate: Gate(nonlinearity: .linear), gradClipping: 0, name: "m")
        let P = try CellTest.randomize(layer)
        let got = try oneTick(layer, [hv, xs[0]])[0]
        #expect(CellRef.maxDiff(got.scalars, CellRef.gruMemory(P, prefix: "m", h: CellRef.mat(hv), x: CellRef.mat(xs[0]), f: [.tanh, .sigmoid, .linear])) < 2e-6)
    }

    // MARK: gradients against finite differences (inputs and every parameter)

    @Test func rnnCellGradients() throws {
        let cell = try RNNCell(prevState: h, inputs: [x1, x2], name: "rnn")
        try CellTest.randomize(cell)
        let r = try CellTest.gradientError(cell, [Check.random([2, 4], seed: 7)] + CellTest.tickInputs(0, batch: 2))
        #expect(r.error < 5e-4 && r.count == 8 + 10 + 12 + 16 + 4 + 20 + 24, "\(r)")
    }

    @Test func gruCellGradients() throws {
        let cell = try GRUCell(prevState: h, inputs: [x1, x2], name: "gru")
        try CellTest.randomize(cell)
        let r = try CellTest.gradientError(cell, [Check.random([2, 4], seed: 7)] + CellTest.tickInputs(0, batch: 2))
        #expect(r.error < 5e-4 && r.count == 30 + 3 * (16 + 4 + 20 + 24), "\(r)")
        let bare = try GRUCell(prevState: h, name: "gru")
        try CellTest.randomize(bare, seed: 2)
        let b = try CellTest.gradientError(bare, [Check.random([2, 4], seed: 7)])
        #expect(b.error < 5e-4 && b.count == 8 + 3 * (16 + 4), "\(b)")
    }

    @Test(arguments: [true, false]) func lstmCellGradients(peepholes: Bool) throws {
        let lstm = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], peepholes: peepholes, name: "lstm")
        try CellTest.randomize(lstm)
        let r = try CellTest.gradientError(lstm, [Check.random([2, 4], seed: 8), Check.random([2, 4], seed: 7)] + CellTest.tickInputs(0, batch: 2))
        #expect(r.error < 5e-4 && r.count == 38 + 4 * (16 + 4 + 20 + 24) + (peepholes ? 12 : 0), "\(r)")
    }

    @Test func gateLayerGradients() throws {
        let v = InputLayer(shape: [nil, 5], name: "v")
        let gate = try GateLayer(gateControllers: [h, x2], channels: [.units(3), .layer(v)], gateNonlinearities: [.tanh, .sigmoid], name: "g")
        try CellTest.randomize(gate)
        let r = try CellTest.gradientError(gate, [Check.random([2, 5], seed: 9), Check.random([2, 4], seed: 7), CellTest.tickInputs(0, batch: 2)[1]])
        #expect(r.error < 5e-4 && r.count == 10 + 8 + 12 + (3 + 12 + 18) + (5 + 20 + 30), "\(r)")
    }

    @Test func gruMemoryLayerGradients() throws {
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x2, prevStateInput: h, gradClipping: 0)
        try CellTest.randomize(layer)
        let r = try CellTest.gradientError(layer, [Check.random([2, 4], seed: 7), CellTest.tickInputs(0, batch: 2)[1]])
        #expect(r.error < 5e-4 && r.count == 8 + 12 + 3 * (24 + 16 + 4), "\(r)")
    }

    // MARK: gradient clipping

    /// Gradients of `scale · sum(output)` with respect to `wrt` (indices into the layer's inputs).
    func scaledGradients(_ layer: Layer, _ values: [Tensor], wrt: [Int], scale: Float = 100) throws -> [[Float]] {
        let nodes = Check.inputs(for: values)
        let loss = try T.mul(T.sum(CellTest.outputs(layer, nodes)[0]), scale)
        return try Function(inputs: nodes, outputs: grad(loss, wrt: wrt.map { nodes[$0] }), checkFinite: false)(values).map(\.scalars)
    }

    @Test func rnnCellClipsTheGradientAtTheStateAndInputs() throws {
        let free = try RNNCell(prevState: h, inputs: [x1], name: "rnn")
        try CellTest.randomize(free)
        let clipped = try RNNCell(prevState: h, inputs: [x1], name: "rnn", gradClipping: -0.5)  // the seed takes |g|
        try setAllParamValues([clipped], getAllParamValues([free]))
        #expect(clipped.gradClipping == 0.5)
        let values = [hv, xs[0]]
        let unclipped = try scaledGradients(free, values, wrt: [0, 1]), got = try scaledGradients(clipped, values, wrt: [0, 1])
        #expect(unclipped[0].map(Swift.abs).max()! > 5)
        for (g, u) in zip(got, unclipped) { #expect(Check.same(g, u.map { Swift.min(0.5, Swift.max(-0.5, $0)) }, tol: 1e-6)) }
    }

    @Test func gruCellsClipTheGradientAtTheInput() throws {
        let free = try GRUCell(prevState: h, inputs: [x1], name: "gru")
        try CellTest.randomize(free)
        let clipped = try GRUCell(prevState: h, inputs: [x1], name: "gru", gradClipping: 0.1)
        try setAllParamValues([clipped], getAllParamValues([free]))
        let values = [hv, xs[0]]
        #expect(try scaledGradients(free, values, wrt: [1])[0].map(Swift.abs).max()! > 1)
        // the candidate's pre-activation is clipped too, so only the bound at x is exact: every value saturates
        #expect(try scaledGradients(clipped, values, wrt: [1])[0].allSatisfy { Swift.abs(Swift.abs($0) - 0.1) < 1e-6 })
        let legacy = try GRUMemoryLayer(numUnits: 4, observationInput: x1, prevStateInput: h)   // grad_clipping 5 by default
        try CellTest.randomize(legacy)
        let g = try scaledGradients(legacy, values, wrt: [1], scale: 1e4)[0].map(Swift.abs)
        #expect(g.max()! <= 5 + 1e-5 && g.max()! > 4.9)
    }

    @Test func lstmCellGradientClippingBoundsThePreactivationGradients() throws {
        let bound: Float = 0.01
        let lstm = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1], name: "lstm", gradClipping: bound)
        let P = try CellTest.randomize(lstm)
        let nodes = Check.inputs(for: [cv, hv, xs[0]])
        let loss = try T.mul(T.sum(CellTest.outputs(lstm, nodes)[1]), 1000)
        let got = try Function(inputs: nodes, outputs: grad(loss, wrt: [nodes[2]]), checkFinite: false)([cv, hv, xs[0]])[0].scalars
        // dL/dx = Σ_gates W_x_gate · (clipped pre-activation gradient), so |dL/dx_j| <= bound · Σ_gates Σ_u |W_x_gate[j, u]|
        let limit = (0..<5).map { j in
            Double(bound) * ["ingate", "forgetgate", "cell", "outgate"].reduce(0.0) { $0 + P["lstm.W_x1_to_\($1)"]![j].map(Swift.abs).reduce(0, +) }
        }
        for (i, g) in got.enumerated() { #expect(Double(Swift.abs(g)) <= limit[i % 5] + 1e-6) }
        #expect(got.map { Double(Swift.abs($0)) }.max()! > 0.5 * limit.min()!)
    }

    // MARK: names, tags and counts (as python/tests/test_memory_gate.py and test_memory_cells.py expect)

    func names(_ layers: [Layer], _ tags: [String: Bool] = [:]) throws -> [String] { try getAllParams(layers, tags: tags).map(\.name) }

    @Test func rnnCellNamesTagsAndDefaults() throws {
        let h3 = InputLayer(shape: [nil, 3], name: "h"), x = InputLayer(shape: [nil, 2, 2])
        let cell = try RNNCell(prevState: h3, inputs: [x, x], name: "rnn", Winp: [.initializer(.constant(1)), .initializer(.constant(2))])
        #expect(cell.name == "rnn.new_state" && cell.outputShape == [nil, 3])
        #expect(try names([cell]) == ["rnn.hid_to_hid.W", "rnn.hid_to_hid.b", "rnn.input0_to_hid.W", "rnn.input1_to_hid.W"])
        #expect(try names([cell], ["regularizable": false]) == ["rnn.hid_to_hid.b"])
        #expect(try countParams([cell]) == 9 + 3 + 12 + 12)
        let byName = CellTest.params(cell)
        #expect(byName["rnn.input1_to_hid.W"]!.count == 4 && byName["rnn.input1_to_hid.W"]!.allSatisfy { $0 == [2, 2, 2] })
        #expect(byName["rnn.hid_to_hid.W"]!.joined().allSatisfy { Swift.abs($0) <= 0.01 })     // Uniform(0.01)
        #expect(try names([RNNCell(prevState: h3)]) == [".hid_to_hid.W", ".hid_to_hid.b"])
        #expect(cell.paramSlots == [[.string("Whid")], [.string("b")], [.string("Winp"), .number(0)], [.string("Winp"), .number(1)]])
    }

    @Test func gruCellNamesTagsAndCounts() throws {
        let h3 = InputLayer(shape: [nil, 3], name: "h"), x = InputLayer(shape: [nil, 2], name: "x")
        let gates = GRUCell.channels
        let cell = try GRUCell(prevState: h3, inputs: [x])
        let expected = gates.flatMap { g in ["b", "W_x"].map { "YetAnotherGRULayer.\($0)_\(g)" } } + gates.map { "YetAnotherGRULayer.W_h_\($0)" }
        #expect(try names([cell]) == expected)
        #expect(try names([cell], ["regularizable": false]) == gates.map { "YetAnotherGRULayer.b_\($0)" })
        #expect(try countParams([cell]) == 3 * (9 + 6 + 3))
        #expect(try names([GRUCell(prevState: h3, inputs: [x], gradClipping: 1)]) == expected)   // clipping keeps the names
        let bare = try names([GRUCell(prevState: h3, name: "g")])
        #expect(Set(bare) == Set(gates.flatMap { g in ["W_h", "b"].map { "g.\($0)_\(g)" } }) && bare.count == 6)
        // unnamed layers: the state is ctrl0, the inputs ctrl1, ctrl2; 12 distinct names
        let anon = try names([GRUCell(prevState: InputLayer(shape: [nil, 10]), inputs: [InputLayer(shape: [nil, 3]), InputLayer(shape: [nil, 4])], name: "gru")])
        #expect(anon.count == 12 && Set(anon).count == 12 && anon.contains("gru.W_ctrl0_to_resetgate") && anon.contains("gru.W_ctrl2_to_hidden_update"))
        let std = CellTest.params(cell)["YetAnotherGRULayer.W_h_to_updategate"]!.joined().map { $0 * $0 }.reduce(0, +) / 9
        #expect(std.squareRoot() > 0.002 && std.squareRoot() < 0.03)   // Normal(0.01)
    }

    @Test func lstmCellNamesTagsAndCounts() throws {
        let c3 = InputLayer(shape: [nil, 3], name: "c"), h3 = InputLayer(shape: [nil, 3], name: "h"), x = InputLayer(shape: [nil, 2])
        let lstm = try LSTMCell(prevCell: c3, prevOut: h3, inputs: [x], name: "lstm")
        let gates = ["ingate", "forgetgate", "cell", "outgate"]
        let peeps = ["ingate", "forgetgate", "outgate"].map { "lstm.W_cell_to_\($0)_peephole.scales" }
        #expect(try names([lstm.newOutput]) == gates.flatMap { g in ["b", "W_h", "W_ctrl1"].map { "lstm.\($0)_to_\(g)" } } + peeps)
        #expect(try names([lstm.newOutput], ["regularizable": false]) == gates.map { "lstm.b_to_\($0)" } + peeps)
        #expect(try countParams([lstm.newCell]) == 4 * (3 + 9 + 6) + 9)
        #expect(try lstm.newCell.name == "lstm.cell" && lstm.newOutput.name == "lstm.output" && lstm.outputShapes == [[nil, 3], [nil, 3]])
        let plain = try LSTMCell(prevCell: c3, prevOut: h3, inputs: [x], peepholes: false)
        #expect(try !names([plain.newOutput]).contains { $0.contains("peephole") } && plain.params.count == 12)
        #expect(lstm.paramSlots.last == [.string("peepholes"), .number(2)] && lstm.paramSlots[2] == [.string("W"), .number(0), .number(1)])
    }

    @Test func gateLayerNamesAndOrder() throws {
        let v = InputLayer(shape: [nil, 5], name: "v")
        let gate = try GateLayer(gateControllers: [h, InputLayer(shape: [nil, 2, 3])], channels: [.units(3), .layer(v)], channelNames: ["a", nil], name: "g")
        #expect(try names([gate["ga"]]) == ["g.b_a", "g.W_h_a", "g.W_ctrl1_a", "g.b_v", "g.W_h_v", "g.W_ctrl1_v"])
        #expect(try names([gate], ["regularizable": false]) == ["g.b_a", "g.b_v"])
        let auto = try GateLayer(gateControllers: [InputLayer(shape: [nil, 2])], channels: [.units(1), .units(2)],
                                 biasInit: [.initializer(.constant(3)), nil], weightInit: [[.initializer(.constant(1))], [.initializer(.constant(2))]])
        #expect(auto.params.map(\.name) == ["b_gate0", "W_ctrl0_gate0", "W_ctrl0_gate1"] && auto.keys == ["gate0", "gate1"])
        let out = try oneTick(auto, [Check.floats([1, 1], [1, 2])])
        #expect(Check.same(out[0].scalars, [1 / (1 + exp(-5))], tol: 1e-6) && Check.same(out[1].scalars, [1 / (1 + exp(-4)), 1 / (1 + exp(-4))], tol: 1e-6))
    }

    @Test func gruMemoryLayerNamesAndDefaults() throws {
        let x = InputLayer(shape: [nil, 3])
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x, prevStateInput: h)
        let prefix = "YetAnotherGRUMemoryLayer."
        #expect(layer.params.map(\.name) == GRUMemoryLayer.gates.flatMap { g in ["W_in_to_\(g)", "W_hid_to_\(g)", "b_\(g)"].map { prefix + $0 } })
        #expect(try names([layer], ["regularizable": false]) == GRUMemoryLayer.gates.map { prefix + "b_" + $0 })
        #expect(try countParams([layer]) == 3 * (12 + 16 + 4))
        let w = CellTest.params(layer)[prefix + "W_in_to_resetgate"]!.joined().map { $0 * $0 }.reduce(0, +) / 12
        #expect(w.squareRoot() > 0.03 && w.squareRoot() < 0.25)   // Gate's Normal(0.1)
        #expect(Check.error { try GRUMemoryLayer(numUnits: 5, observationInput: x, prevStateInput: h) }?.message.contains("num_units=5") == true)
    }

    // MARK: the registry path Python uses (kind + attributes)

    @Test func registryMakesTheCellsAsTheInitializersDo() throws {
        func make(_ kind: String, _ attrs: [String: JSON], _ shapes: [[Int?]], name: String? = nil) throws -> Layer {
            try LayerRegistry.make(kind, .object(attrs), inputShapes: shapes, name: name) { _ in throw AgentNetError(.invalidHandle, "none") }
        }
        let inputNames: JSON = .array([.string("h"), .string("x")])
        let gru = try make("GRUCell", ["cell_name": .string("gru"), "input_names": inputNames, "num_units": .null], [[nil, 4], [nil, 5]])
        let direct = try GRUCell(prevState: h, inputs: [InputLayer(shape: [nil, 5], name: "x")], name: "gru")
        #expect(gru.params.map(\.name) == direct.params.map(\.name) && gru.params.map(\.tags) == direct.params.map(\.tags))
        #expect((gru as? LayerWithFacts)?.facts["param_slots"] == .array(direct.paramSlots.map { .array($0) }))
        let lstm = try make("LSTMCell", ["cell_name": .string("l"), "peepholes": .null, "input_names": .array([.string("c"), .string("h"), .string("x")])],
                            [[nil, 4], [nil, 4], [nil, 5]])
        #expect(lstm.params.count == 12 && lstm.outputCount == 2 && !lstm.params.contains { $0.name.contains("peephole") })
        let rnn = try make("RNNCell", ["cell_name": .string("r"), "b": .null, "grad_clipping": .number(-2)], [[nil, 4]])
        #expect(rnn.params.map(\.name) == ["r.hid_to_hid.W"] && (rnn as? RNNCell)?.gradClipping == 2)
        let gate = try make("GateLayer", ["channels": .array([.number(2), .null]), "channel_names": .array([.string("a"), .string("b")])],
                            [[nil, 3], [nil, 4]], name: "g")
        #expect(gate.params.map(\.name) == ["g.b_a", "g.W_ctrl0_a", "g.b_b", "g.W_ctrl0_b"] && gate.outputCount == 2)
        let memory = try make("GRUMemoryLayer", ["num_units": .number(4), "resetgate": .object(["nonlinearity": .null])], [[nil, 4], [nil, 3]], name: "m")
        #expect((memory as? GRUMemoryLayer)?.nonlinearities == [.linear, .sigmoid, .tanh] && memory.params.count == 9)
        #expect(Check.error { try make("GRUCell", ["dropout": .number(1)], [[nil, 4]]) }?.message.contains("dropout must be in [0, 1)") == true)
    }
}

// MARK: - torch's cells and the README's Swift GRU

/// The directory of this source file (the fixtures and README.md are read from the source tree; no Foundation).
private func sourceDirectory(_ file: String = #filePath) -> String { String(file[..<file.lastIndex(of: "/")!]) }

private func readText(_ path: String) throws -> String {
    guard let f = fopen(path, "rb") else { throw CheckFailure("cannot open \(path)") }
    defer { fclose(f) }
    var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&chunk, 1, chunk.count, f)
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func trimmed(_ s: Substring) -> String { String(s.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()) }

/// Fixtures/torch_cells.json: python/tests/data/torch_cells.npz (torch.nn.GRUCell and LSTMCell in float64, 50 ticks
/// of `x [50, 3, 5]` from zero states, 4 units) converted once to JSON, every array flattened with its shape.
private struct TorchCells {
    let arrays: [String: (shape: [Int], data: [Double])]

    init() throws {
        let json = try JSON.parse(readText(sourceDirectory() + "/Fixtures/torch_cells.json"))
        guard case .object(let a)? = json["arrays"] else { throw CheckFailure("torch_cells.json has no arrays") }
        arrays = try a.mapValues { v in
            guard let shape = v["shape"]?.array?.compactMap(\.int), let data = v["data"]?.array?.compactMap(\.double),
                  data.count == shape.reduce(1, *) else { throw CheckFailure("torch_cells.json: malformed array") }
            return (shape, data)
        }
    }

    /// Gate `k` of torch's `[gates · n, m]` weight `name`, transposed to our `[m, n]`.
    func weight(_ name: String, _ k: Int, n: Int = 4, sign: Double = 1) -> CellMat {
        let (shape, data) = arrays[name]!
        let m = shape[1]
        return (0..<m).map { i in (0..<n).map { j in sign * data[(k * n + j) * m + i] } }
    }

    func bias(_ name: String, _ k: Int, n: Int = 4) -> [Double] { Array(arrays[name]!.data[(k * n)..<((k + 1) * n)]) }

    /// A `[rows, cols]` array.
    func mat(_ name: String) -> CellMat {
        let (shape, data) = arrays[name]!
        return (0..<shape[0]).map { Array(data[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }

    /// `x[t]` `[3, 5]`.
    func x(_ t: Int) -> CellMat {
        let data = arrays["x"]!.data
        return (0..<3).map { b in Array(data[((t * 3 + b) * 5)..<((t * 3 + b + 1) * 5)]) }
    }
}

@Suite struct MemoryFixtureTests {
    /// torch: `r = σ(W_ir x + b_ir + W_hr h + b_hr)`, `z = σ(...)`, `n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))`,
    /// `h' = (1 − z) ⊙ n + z ⊙ h`. Ours has no `b_hn` (stored as 0) and `u = 1 − z = σ(−z_pre)`: the update gate's
    /// weights and bias are torch's negated; torch's hidden biases add to the input ones.
    @Test func gruCellMatchesTorchGRUCell() throws {
        let fx = try TorchCells()
        let h = InputLayer(shape: [nil, 4], name: "h"), x = InputLayer(shape: [nil, 5], name: "x")
        let cell = try GRUCell(prevState: h, inputs: [x], name: "gru")
        var P: CellParams = [:]
        for (k, (gate, sign)) in [("to_resetgate", 1.0), ("to_updategate", -1.0), ("to_hidden_update", 1.0)].enumerated() {
            P["gru.W_x_\(gate)"] = fx.weight("gru_weight_ih", k, sign: sign)
            P["gru.W_h_\(gate)"] = fx.weight("gru_weight_hh", k, sign: sign)
            P["gru.b_\(gate)"] = [zip(fx.bias("gru_bias_ih", k), fx.bias("gru_bias_hh", k)).map { sign * ($0 + $1) }]
        }
        #expect(fx.bias("gru_bias_hh", 2).allSatisfy { $0 == 0 })
        try CellTest.set(cell, P)
        // the float64 reference reproduces torch (so the reference formulas are right), the engine both
        var ref = CellRef.zeros(3, 4)
        for t in 0..<50 { ref = CellRef.gru(P, prefix: "gru", state: "h", h: ref, inputs: [("x", fx.x(t))]) }
        let torch = fx.mat("gru_h")
        #expect(CellRef.maxDiff(CellRef.floats(ref), torch) < 1e-6)
        #expect(zip(ref.joined(), torch.joined()).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        let step = try Function(inputs: [h.inputVar, x.inputVar], outputs: [getOutput(cell)])
        var state = try Tensor(zeros: [3, 4])
        for t in 0..<50 { state = try step([state, CellRef.tensor(fx.x(t))])[0] }
        #expect(CellRef.maxDiff(state.scalars, torch) < 1e-6, "\(CellRef.maxDiff(state.scalars, torch))")
        #expect(CellRef.maxAbs(torch) > 0.3)
    }

    /// torch.nn.LSTMCell has the same gates (order i, f, g, o) and no peepholes; its hidden biases add to the input ones.
    @Test func lstmCellWithoutPeepholesMatchesTorchLSTMCell() throws {
        let fx = try TorchCells()
        let c = InputLayer(shape: [nil, 4], name: "c"), h = InputLayer(shape: [nil, 4], name: "h"), x = InputLayer(shape: [nil, 5], name: "x")
        let lstm = try LSTMCell(prevCell: c, prevOut: h, inputs: [x], peepholes: false, name: "lstm")
        var P: CellParams = [:]
        for (k, gate) in ["to_ingate", "to_forgetgate", "to_cell", "to_outgate"].enumerated() {
            P["lstm.W_x_\(gate)"] = fx.weight("lstm_weight_ih", k)
            P["lstm.W_h_\(gate)"] = fx.weight("lstm_weight_hh", k)
            P["lstm.b_\(gate)"] = [zip(fx.bias("lstm_bias_ih", k), fx.bias("lstm_bias_hh", k)).map(+)]
        }
        try CellTest.set(lstm, P)
        var (rc, rh) = (CellRef.zeros(3, 4), CellRef.zeros(3, 4))
        for t in 0..<50 {
            let o = CellRef.lstm(P, prefix: "lstm", c: rc, ctrls: [("h", rh), ("x", fx.x(t))])
            (rc, rh) = (o.cell, o.out)
        }
        #expect(zip(rc.joined(), fx.mat("lstm_c").joined()).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        #expect(zip(rh.joined(), fx.mat("lstm_h").joined()).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        let step = try Function(inputs: [c.inputVar, h.inputVar, x.inputVar], outputs: getOutput([lstm.newCell, lstm.newOutput]))
        var states = [try Tensor(zeros: [3, 4]), try Tensor(zeros: [3, 4])]
        for t in 0..<50 { states = try step(states + [CellRef.tensor(fx.x(t))]) }
        let (dc, dh) = (CellRef.maxDiff(states[0].scalars, fx.mat("lstm_c")), CellRef.maxDiff(states[1].scalars, fx.mat("lstm_h")))
        #expect(dc < 1e-6 && dh < 1e-6, "cell \(dc), output \(dh)")
        #expect(CellRef.maxAbs(fx.mat("lstm_h")) > 0.3)
    }

    /// README.md's Swift GRU block, as written there (`readmeSwiftGRUBlockIsTheCodeRunHere` keeps the two alike),
    /// then its output against the float64 reference.
    @Test func readmeSwiftGRUExampleRuns() throws {
        let sequence = InputLayer(shape: [nil, 25, 3])                       // [batch, tick, features]
        let x = InputLayer(shape: [nil, 3]), prevH = InputLayer(shape: [nil, 10])
        let h = try GRUCell(prevState: prevH, inputs: [x], name: "gru")      // one tick
        let rec = try Recurrence(inputSequences: [x: sequence], stateVariables: [h: prevH])
        let run = try Function(inputs: [sequence.inputVar], outputs: [getOutput(rec[h])])
        let xs = try Tensor((0..<375).map { Float($0 % 11) / 5 - 1 }, shape: [5, 25, 3])
        let hs = try run([xs])[0]                                            // shape [5, 25, 10]

        #expect(hs.shape == [5, 25, 10])
        for weights in ["default", "random"] {
            if weights == "random" { try CellTest.randomize(h, scale: 0.5) }
            let P = CellTest.params(h), got = try run([xs])[0].scalars
            var state = CellRef.zeros(5, 10), worst = 0.0, scale = 0.0
            for t in 0..<25 {
                let xt = (0..<5).map { b in (0..<3).map { Double(xs.scalars[(b * 25 + t) * 3 + $0]) } }
                state = CellRef.gru(P, prefix: "gru", state: "ctrl0", h: state, inputs: [("ctrl1", xt)])
                for b in 0..<5 { for j in 0..<10 { worst = Swift.max(worst, Swift.abs(Double(got[(b * 25 + t) * 10 + j]) - state[b][j])) } }
                scale = Swift.max(scale, CellRef.maxAbs(state))
            }
            #expect(worst < 1e-6 * scale && scale > (weights == "random" ? 0.3 : 1e-4), "\(weights): \(worst), scale \(scale)")
        }
    }

    @Test func readmeSwiftGRUBlockIsTheCodeRunHere() throws {
        let readme = try readText(sourceDirectory() + "/../../README.md").split(separator: "\n", omittingEmptySubsequences: false)
        var blocks: [[Substring]] = [], current: [Substring]? = nil
        for line in readme {
            if current == nil, line == "```swift" { current = [] } else if line == "```", let block = current { blocks.append(block); current = nil } else { current?.append(line) }
        }
        let gru = try #require(blocks.first { $0.contains { $0.contains("GRUCell(") } }, "README.md has no Swift block with GRUCell")
        let source = Set(try readText(#filePath).split(separator: "\n").map(trimmed))
        let lines = gru.map(trimmed).filter { !$0.isEmpty && $0 != "import AgentNet" }
        #expect(lines.count >= 6)
        for line in lines { #expect(source.contains(line), "README line not run by readmeSwiftGRUExampleRuns: \(line)") }
    }
}
