import AgentNet
import AgentNetTestSupport
import Testing

/// RNNCell (Sources/AgentNet/Memory/RNNCell.swift): forward against the float64 reference of MemoryCellReference.swift
/// (50 ticks with the state fed back, and single ticks of each option), finite-difference gradients, gradient clipping
/// at the state and inputs, and the parameter names, tags and counts python/tests/test_memory_cells.py expects.
@Suite final class RNNCellTests: CellSuite {
    // MARK: forward

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

    // MARK: gradients

    @Test func rnnCellGradients() throws {
        let cell = try RNNCell(prevState: h, inputs: [x1, x2], name: "rnn")
        try CellTest.randomize(cell)
        let r = try CellTest.gradientError(cell, [Check.random([2, 4], seed: 7)] + CellTest.tickInputs(0, batch: 2))
        #expect(r.error < 5e-4 && r.count == 8 + 10 + 12 + 16 + 4 + 20 + 24, "\(r)")
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

    // MARK: names, tags and counts

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
}
