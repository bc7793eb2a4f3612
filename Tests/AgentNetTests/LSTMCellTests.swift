import AgentNet
import AgentNetTestSupport
import Testing

/// LSTMCell (Sources/AgentNet/Memory/LSTMCell.swift): forward against the float64 reference of MemoryCellReference.swift
/// (50 ticks with and without peepholes, nonlinearities, biases, no inputs, clipping and dropout), finite-difference
/// gradients, the bound gradient clipping puts on the pre-activation gradients, and the parameter names, tags and
/// counts python/tests/test_memory_cells.py expects.
@Suite final class LSTMCellTests: CellSuite {
    // MARK: forward

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

    // MARK: gradients

    @Test(arguments: [true, false]) func lstmCellGradients(peepholes: Bool) throws {
        let lstm = try LSTMCell(prevCell: c, prevOut: h, inputs: [x1, x2], peepholes: peepholes, name: "lstm")
        try CellTest.randomize(lstm)
        let r = try CellTest.gradientError(lstm, [Check.random([2, 4], seed: 8), Check.random([2, 4], seed: 7)] + CellTest.tickInputs(0, batch: 2))
        #expect(r.error < 5e-4 && r.count == 38 + 4 * (16 + 4 + 20 + 24) + (peepholes ? 12 : 0), "\(r)")
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

    // MARK: names, tags and counts

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
}
