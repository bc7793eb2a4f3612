import AgentNet
import AgentNetTestSupport
import Glibc

// Float64 references of the memory cells (reference semantics §3), written as plain loops over [[Double]] so they
// share no code with the engine, and the helpers the cell tests share (parameters by name, rollouts, gradients).

/// A row-major matrix `[rows][cols]`.
typealias CellMat = [[Double]]
/// Parameters by name: matrices as they are, vectors as one row.
typealias CellParams = [String: CellMat]

enum CellRef {
    // MARK: matrices

    /// `t` as `[batch, features]` (trailing axes flattened).
    static func mat(_ t: Tensor) -> CellMat {
        let rows = t.shape[0], cols = rows == 0 ? 0 : t.count / rows
        let v = t.scalars.map(Double.init)
        return (0..<rows).map { Array(v[($0 * cols)..<(($0 + 1) * cols)]) }
    }
    static func vec(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }
    static func zeros(_ rows: Int, _ cols: Int) -> CellMat { Array(repeating: Array(repeating: 0, count: cols), count: rows) }
    static func dot(_ x: CellMat, _ w: CellMat) -> CellMat {
        x.map { row in
            (0..<w[0].count).map { j in
                var s = 0.0
                for k in row.indices { s += row[k] * w[k][j] }
                return s
            }
        }
    }
    static func elementwise(_ a: CellMat, _ b: CellMat, _ f: (Double, Double) -> Double) -> CellMat {
        zip(a, b).map { zip($0, $1).map(f) }
    }
    static func add(_ a: CellMat, _ b: CellMat) -> CellMat { elementwise(a, b, +) }
    static func mul(_ a: CellMat, _ b: CellMat) -> CellMat { elementwise(a, b, *) }
    /// `a + v` (`v` broadcast over rows).
    static func addRow(_ a: CellMat, _ v: [Double]) -> CellMat { a.map { zip($0, v).map(+) } }
    /// `a * v` (`v` broadcast over rows).
    static func mulRow(_ a: CellMat, _ v: [Double]) -> CellMat { a.map { zip($0, v).map(*) } }
    static func map(_ a: CellMat, _ f: (Double) -> Double) -> CellMat { a.map { $0.map(f) } }
    static func floats(_ a: CellMat) -> [Float] { a.flatMap { $0.map(Float.init) } }
    static func tensor(_ a: CellMat) -> Tensor { try! Tensor(floats(a), shape: [a.count, a.first?.count ?? 0]) }
    static func maxAbs(_ a: CellMat) -> Double { a.flatMap { $0 }.map(Swift.abs).max() ?? 0 }
    /// Largest `|a - b|` (both flattened in the same order).
    static func maxDiff(_ a: [Float], _ b: CellMat) -> Double {
        zip(a, b.flatMap { $0 }).map { Swift.abs(Double($0) - $1) }.max() ?? 0
    }

    /// The elementwise nonlinearities, in float64.
    static func function(_ f: Nonlinearity) -> (Double) -> Double {
        switch f {
        case .linear: return { $0 }
        case .sigmoid: return { 1 / (1 + exp(-$0)) }
        case .tanh: return { Glibc.tanh($0) }
        case .rectify: return { Swift.max(0, $0) }
        case .leakyRectify(let a): return { $0 > 0 ? $0 : Double(a) * $0 }
        case .elu: return { $0 > 0 ? $0 : exp($0) - 1 }
        case .softplus: return { log1p(exp($0)) }
        default: preconditionFailure("no elementwise float64 reference for \(f)")
        }
    }

    // MARK: the cells

    /// `x_k · P[W(name_k)]` summed over the controllers, plus `P[bias]` when the cell has it; zeros `[rows, units]` for
    /// no controllers.
    static func affine(_ P: CellParams, _ ctrls: [(name: String, x: CellMat)], weight: (String) -> String,
                       bias: String?, rows: Int, units: Int) -> CellMat {
        var s = zeros(rows, units)
        for (name, x) in ctrls { s = add(s, dot(x, P[weight(name)]!)) }
        if let bias, let b = P[bias] { s = addRow(s, b[0]) }
        return s
    }

    /// RNNCell: `h' = f(h · W_hh + b + Σ_i x_i · W_i)` with `<prefix>.hid_to_hid.{W,b}` and `<prefix>.input<i>_to_hid.W`.
    static func rnn(_ P: CellParams, prefix: String, h: CellMat, xs: [CellMat], f: Nonlinearity = .tanh) -> CellMat {
        var s = dot(h, P[prefix + ".hid_to_hid.W"]!)
        if let b = P[prefix + ".hid_to_hid.b"] { s = addRow(s, b[0]) }
        for (i, x) in xs.enumerated() { s = add(s, dot(x, P["\(prefix).input\(i)_to_hid.W"]!)) }
        return map(s, function(f))
    }

    /// GRUCell's update gate `u` and candidate `c` (before dropout):
    /// `r = f_r(Σ x W_r + b_r + h U_r)`, `u = f_u(Σ x W_u + b_u + h U_u)`, `c = f_c(Σ x W_c + b_c + r ⊙ (h U_c))`.
    /// Weights `<prefix>.W_<name>_<channel>`, biases `<prefix>.b_<channel>` (absent ones are zero).
    static func gruGates(_ P: CellParams, prefix: String, state: String, h: CellMat, inputs: [(name: String, x: CellMat)],
                         f: [Nonlinearity] = [.sigmoid, .sigmoid, .tanh]) -> (u: CellMat, c: CellMat) {
        let units = h[0].count
        func pre(_ channel: String) -> CellMat {
            affine(P, inputs, weight: { "\(prefix).W_\($0)_\(channel)" }, bias: "\(prefix).b_\(channel)", rows: h.count, units: units)
        }
        func hid(_ channel: String) -> CellMat { dot(h, P["\(prefix).W_\(state)_\(channel)"]!) }
        let r = map(add(pre("to_resetgate"), hid("to_resetgate")), function(f[0]))
        let u = map(add(pre("to_updategate"), hid("to_updategate")), function(f[1]))
        let c = map(add(pre("to_hidden_update"), mul(r, hid("to_hidden_update"))), function(f[2]))
        return (u, c)
    }

    /// `h' = (1 - u) ⊙ h + u ⊙ c`.
    static func gruMix(h: CellMat, u: CellMat, c: CellMat) -> CellMat {
        add(elementwise(u, h) { (1 - $0) * $1 }, mul(u, c))
    }

    static func gru(_ P: CellParams, prefix: String, state: String, h: CellMat, inputs: [(name: String, x: CellMat)],
                    f: [Nonlinearity] = [.sigmoid, .sigmoid, .tanh]) -> CellMat {
        let (u, c) = gruGates(P, prefix: prefix, state: state, h: h, inputs: inputs, f: f)
        return gruMix(h: h, u: u, c: c)
    }

    /// LSTMCell's pieces: the gates `i, f, o`, the candidate `g` (before dropout) and the new cell and output, with
    /// `candidateScale` multiplying `g` (a dropout mask):
    /// `i = f_i(i_pre + w_ci ⊙ c)`, `f = f_f(f_pre + w_cf ⊙ c)`, `c' = g ⊙ i + c ⊙ f`, `o = f_o(o_pre + w_co ⊙ c')`,
    /// `h' = o ⊙ f_h(c')`; pre-activations over the controllers `[h, x_1, ...]`.
    static func lstm(_ P: CellParams, prefix: String, c: CellMat, ctrls: [(name: String, x: CellMat)],
                     f: (i: Nonlinearity, f: Nonlinearity, o: Nonlinearity, g: Nonlinearity, h: Nonlinearity) = (.sigmoid, .sigmoid, .sigmoid, .tanh, .tanh),
                     candidateScale: CellMat? = nil) -> (cell: CellMat, out: CellMat, g: CellMat, i: CellMat, forget: CellMat) {
        let units = c[0].count
        func pre(_ gate: String) -> CellMat {
            affine(P, ctrls, weight: { "\(prefix).W_\($0)_to_\(gate)" }, bias: "\(prefix).b_to_\(gate)", rows: c.count, units: units)
        }
        func peep(_ gate: String, _ x: CellMat) -> CellMat {
            P["\(prefix).W_cell_to_\(gate)_peephole.scales"].map { mulRow(x, $0[0]) } ?? zeros(c.count, units)
        }
        let i = map(add(pre("ingate"), peep("ingate", c)), function(f.i))
        let fg = map(add(pre("forgetgate"), peep("forgetgate", c)), function(f.f))
        let g = map(pre("cell"), function(f.g))
        let cell = add(mul(candidateScale.map { mul(g, $0) } ?? g, i), mul(c, fg))
        let o = map(add(pre("outgate"), peep("outgate", cell)), function(f.o))
        return (cell, mul(o, map(cell, function(f.h))), g, i, fg)
    }

    /// GateLayer: `g_c = f_c(b_c + Σ_k x_k · W_{k,c})`, times `L_c` for a layer channel.
    static func gate(_ P: CellParams, prefix: String, ctrls: [(name: String, x: CellMat)], channel: String, width: Int,
                     f: Nonlinearity, layer: CellMat? = nil) -> CellMat {
        let s = affine(P, ctrls, weight: { "\(prefix)W_\($0)_\(channel)" }, bias: "\(prefix)b_\(channel)", rows: ctrls[0].x.count, units: width)
        let g = map(s, function(f))
        return layer.map { mul(g, $0) } ?? g
    }

    /// GRUMemoryLayer: the GRU with `<prefix>.W_in_to_<gate>`, `<prefix>.W_hid_to_<gate>`, `<prefix>.b_<gate>`.
    static func gruMemory(_ P: CellParams, prefix: String, h: CellMat, x: CellMat,
                          f: [Nonlinearity] = [.sigmoid, .sigmoid, .tanh]) -> CellMat {
        func inp(_ g: String) -> CellMat { addRow(dot(x, P["\(prefix).W_in_to_\(g)"]!), P["\(prefix).b_\(g)"]![0]) }
        func hid(_ g: String) -> CellMat { dot(h, P["\(prefix).W_hid_to_\(g)"]!) }
        let r = map(add(inp("resetgate"), hid("resetgate")), function(f[0]))
        let u = map(add(inp("updategate"), hid("updategate")), function(f[1]))
        let c = map(add(inp("hidden_update"), mul(r, hid("hidden_update"))), function(f[2]))
        return gruMix(h: h, u: u, c: c)
    }
}

// MARK: - shared helpers of the cell tests

enum CellTest {
    /// The values of `layer`'s parameters by name, in float64 (vectors as one row).
    static func params(_ layer: Layer) -> CellParams {
        var out: CellParams = [:]
        for p in layer.params {
            guard let v = p.value?.value else { continue }
            out[p.name] = v.shape.count == 1 ? [CellRef.vec(v)] : CellRef.mat(v)
        }
        return out
    }

    /// Sets every parameter of `layer` to values uniform in `[-scale, scale)` (biases too, so the references check
    /// that each is added); returns them by name.
    @discardableResult
    static func randomize(_ layer: Layer, scale: Float = 0.8, seed: UInt64 = 1) throws -> CellParams {
        for (k, p) in layer.params.enumerated() {
            guard let s = p.value else { throw CheckFailure("\(p.name) has no shared value") }
            let r = Check.random(s.shape, seed: seed * 1000 + UInt64(k))
            try s.set(Tensor(r.scalars.map { $0 * scale }, shape: s.shape))
        }
        return params(layer)
    }

    /// Sets the parameters of `layer` from `values` by name (rounded to float32); every parameter must be named there.
    static func set(_ layer: Layer, _ values: CellParams) throws {
        let names = Set(layer.params.map(\.name))
        guard names == Set(values.keys) else {
            throw CheckFailure("parameters \(names.sorted()) but values for \(values.keys.sorted())")
        }
        for p in layer.params {
            let s = p.value!, v = values[p.name]!.flatMap { $0 }.map(Float.init)
            try s.set(Tensor(v, shape: s.shape))
        }
    }

    /// Per-tick inputs `x1 [batch, 5]` and `x2 [batch, 2, 3]` (a 3-D input the cells flatten).
    static func tickInputs(_ t: Int, batch: Int = 3) -> [Tensor] {
        [Check.random([batch, 5], seed: 100 + UInt64(t)), Check.random([batch, 2, 3], seed: 300 + UInt64(t))]
    }

    /// Runs the compiled one-tick `step` (inputs: the states, then the tick's inputs; outputs: the new states) for
    /// `ticks` ticks from `initial`, feeding its outputs back, beside `reference` (the same tick in float64).
    /// Returns the largest difference over every tick and state, and the largest reference magnitude.
    static func rollout(_ step: Function, initial: [CellMat], ticks: Int = 50, inputs: (Int) -> [Tensor] = { CellTest.tickInputs($0) },
                        reference: ([CellMat], [CellMat]) -> [CellMat]) throws -> (diff: Double, scale: Double) {
        var states = initial.map(CellRef.tensor), ref = initial
        var diff = 0.0, scale = 0.0
        for t in 0..<ticks {
            let xs = inputs(t)
            states = try step(states + xs)
            ref = reference(ref, xs.map(CellRef.mat))
            for (s, r) in zip(states, ref) {
                diff = Swift.max(diff, CellRef.maxDiff(s.scalars, r))
                scale = Swift.max(scale, CellRef.maxAbs(r))
            }
        }
        return (diff, scale)
    }

    /// `layer`'s outputs for `nodes`, deterministic.
    static func outputs(_ layer: Layer, _ nodes: [Node], deterministic: Bool = true) throws -> [Node] {
        try layer.outputs(for: nodes, options: LayerOptions(deterministic: deterministic))
    }

    /// Compares `T.grad` of a nonlinear scalar of every output of `layer` (`Check.probe`, output `k` weighted `k + 1`)
    /// with central differences, with respect to each input value and each element of every parameter (perturbing
    /// the shared values). Returns the largest relative error and how many derivatives were compared.
    static func gradientError(_ layer: Layer, _ values: [Tensor], eps: Float = 1e-2) throws -> (error: Float, count: Int) {
        let nodes = Check.inputs(for: values)
        let outs = try outputs(layer, nodes)
        var cost = try Check.probe(outs[0])
        for (k, o) in outs.enumerated().dropFirst() { cost = try T.add(cost, T.mul(Check.probe(o), Float(k + 1))) }
        let shared = try layer.params.map { p -> SharedValue in
            guard let v = p.value else { throw CheckFailure("\(p.name) has no shared value") }
            return v
        }
        return try Check.finiteDifferenceError(cost: cost, inputs: nodes, values: values, parameters: shared, eps: eps)
    }
}

// MARK: - the suites' shared inputs

/// What the cell suites (RNNCellTests, GRUCellTests, LSTMCellTests, GateLayerTests, GRUMemoryLayerTests) share: the
/// input layers and one tick's values their cells are built on, and the evaluations they check. A class, so each
/// suite is a `final class` subclass and every test gets fresh layers; the initializers' generator is reseeded per test.
class CellSuite {
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

    /// How many of `got` equal `a` and how many equal `b` (within 1e-5; neither counts for neither).
    func matches(_ got: [Float], _ a: [Double], _ b: [Double]) -> (Int, Int) {
        var (na, nb) = (0, 0)
        for (g, (x, y)) in zip(got, zip(a, b)) {
            if Swift.abs(Double(g) - x) < 1e-5 { na += 1 } else if Swift.abs(Double(g) - y) < 1e-5 { nb += 1 }
        }
        return (na, nb)
    }

    /// Gradients of `scale · sum(output)` with respect to `wrt` (indices into the layer's inputs).
    func scaledGradients(_ layer: Layer, _ values: [Tensor], wrt: [Int], scale: Float = 100) throws -> [[Float]] {
        let nodes = Check.inputs(for: values)
        let loss = try T.mul(T.sum(CellTest.outputs(layer, nodes)[0]), scale)
        return try Function(inputs: nodes, outputs: grad(loss, wrt: wrt.map { nodes[$0] }), checkFinite: false)(values).map(\.scalars)
    }

    func names(_ layers: [Layer], _ tags: [String: Bool] = [:]) throws -> [String] { try getAllParams(layers, tags: tags).map(\.name) }
}
