import AgentNet
import AgentNetTestSupport
import Testing

/// GRUCell (Sources/AgentNet/Memory/GRUCell.swift): forward against the float64 reference of MemoryCellReference.swift
/// (50 ticks with and without inputs, nonlinearities, biases, clipping and dropout), finite-difference gradients,
/// gradient clipping at the input (also GRUMemoryLayer's default), and the parameter names, tags and counts
/// python/tests/test_memory_cells.py expects.
@Suite final class GRUCellTests: CellSuite {
    // MARK: forward

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

    // MARK: gradients

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

    // MARK: names, tags and counts

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
}
