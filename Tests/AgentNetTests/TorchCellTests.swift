import AgentNet
import AgentNetTestSupport
import Testing

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

/// GRUCell and LSTMCell against torch.nn.GRUCell and LSTMCell (Fixtures/torch_cells.json): 50 ticks from zero states, the
/// float64 reference reproducing torch to 1e-12 (so its formulas are right) and the engine to 1e-6.
@Suite struct TorchCellTests {
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
}
