import AgentNet
import AgentNetTestSupport
import Glibc

// One-tick graphs made of engine layers only (DenseLayer, merge layers), so Recurrence is tested apart from the
// memory cells: a tanh RNN and a hand-written GRU, each with a float64 reference loop over the same weights.

/// `layer` connected to `incoming` (the zoo's layers are made from shapes).
func connected<L: Layer>(_ layer: L, _ incoming: [Layer]) throws -> L {
    try layer.setIncoming(incoming)
    return layer
}

func sum(_ layers: [Layer], _ coefficients: [Float]? = nil, name: String? = nil) throws -> Layer {
    try connected(ElemwiseSumLayer(inputShapes: layers.map(\.outputShape), coefficients: coefficients, name: name), layers)
}

func product(_ a: Layer, _ b: Layer) throws -> Layer {
    try connected(ElemwiseMergeLayer(inputShapes: [a.outputShape, b.outputShape], function: .mul), [a, b])
}

func linear(_ x: Layer, _ units: Int, bias: Bool = true, name: String) throws -> DenseLayer {
    try DenseLayer(x, numUnits: units, b: bias ? .initializer(.constant(0)) : nil, nonlinearity: .linear, name: name)
}

/// Gives every bias a random value, so references check that biases are added.
func randomizeBiases(_ layers: [Layer], seed: UInt64 = 7) throws {
    for (i, p) in try getAllParams(layers).enumerated() where p.name.hasSuffix(".b") {
        try p.value?.set(Check.random(p.value?.shape ?? [], seed: seed + UInt64(i)))
    }
}

/// Float64 helpers for the references: row-major `[rows, n]` matrices as `[[Double]]`.
enum StepRef {
    static func rows(_ t: Tensor, _ n: Int) -> [[Double]] {
        let v = t.scalars.map(Double.init)
        return stride(from: 0, to: v.count, by: n).map { Array(v[$0..<($0 + n)]) }
    }
    static func dot(_ x: [[Double]], _ w: [[Double]]) -> [[Double]] {
        x.map { row in (0..<w[0].count).map { j in zip(row, w).reduce(0) { $0 + $1.0 * $1.1[j] } } }
    }
    static func add(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] { zip(a, b).map { zip($0, $1).map(+) } }
    static func addRow(_ a: [[Double]], _ b: [Double]) -> [[Double]] { a.map { zip($0, b).map(+) } }
    static func map(_ a: [[Double]], _ f: (Double) -> Double) -> [[Double]] { a.map { $0.map(f) } }
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    /// `xs[:, t]` of a `[batch, ticks, n]` tensor.
    static func tick(_ xs: Tensor, _ t: Int) -> [[Double]] {
        let (b, ticks, n) = (xs.shape[0], xs.shape[1], xs.shape[2])
        let v = xs.scalars
        return (0..<b).map { i in (0..<n).map { Double(v[(i * ticks + t) * n + $0]) } }
    }
    /// `[batch, ticks, n]` from per-tick `[batch, n]` values.
    static func stacked(_ seq: [[[Double]]]) -> [Float] {
        let b = seq[0].count
        return (0..<b).flatMap { i in seq.flatMap { $0[i].map(Float.init) } }
    }
}

/// `h' = tanh(x·W + b + h·U)`.
struct RNNStep {
    let x = InputLayer(shape: [nil, 3], name: "x_t"), hPrev = InputLayer(shape: [nil, 4], name: "h_prev")
    let toHid: DenseLayer, hidToHid: DenseLayer
    let h: Layer

    init(name: String = "rnn") throws {
        toHid = try linear(x, 4, name: name + ".in")
        hidToHid = try linear(hPrev, 4, bias: false, name: name + ".hid")
        h = try NonlinearityLayer(sum([toHid, hidToHid]), nonlinearity: .tanh, name: name)
        try randomizeBiases([h])
    }

    /// The reference loop; where `mask[b][t]` is 0 the state keeps its value.
    func reference(_ xs: Tensor, h0: [[Double]]? = nil, mask: [[Double]]? = nil) -> [[[Double]]] {
        let W = StepRef.rows(toHid.W.value, 4), U = StepRef.rows(hidToHid.W.value, 4), b = toHid.b!.value.scalars.map(Double.init)
        var h = h0 ?? Array(repeating: Array(repeating: 0, count: 4), count: xs.shape[0])
        var out: [[[Double]]] = []
        for t in 0..<xs.shape[1] {
            let new = StepRef.map(StepRef.add(StepRef.addRow(StepRef.dot(StepRef.tick(xs, t), W), b), StepRef.dot(h, U)), tanh)
            h = mask.map { m in h.indices.map { i in m[i][t] != 0 ? new[i] : h[i] } } ?? new
            out.append(h)
        }
        return out
    }
}

/// A GRU written with DenseLayer and merge layers: `r = σ(x·Wr + br + h·Ur)`, `u = σ(x·Wu + bu + h·Uu)`,
/// `c = tanh(x·Wc + bc + r ⊙ (h·Uc))`, `h' = h + u ⊙ c − u ⊙ h`.
struct GRUStep {
    let x: InputLayer, hPrev: InputLayer
    let gates: [String: DenseLayer]
    let h: Layer

    init(inputs: Int = 3, units: Int = 5, name: String = "gru") throws {
        x = InputLayer(shape: [nil, inputs], name: "x_t")
        hPrev = InputLayer(shape: [nil, units], name: "h_prev")
        var g: [String: DenseLayer] = [:]
        for gate in ["r", "u", "c"] {
            g["x" + gate] = try linear(x, units, name: "\(name).x\(gate)")
            g["h" + gate] = try linear(hPrev, units, bias: false, name: "\(name).h\(gate)")
        }
        let r = try NonlinearityLayer(sum([g["xr"]!, g["hr"]!]), nonlinearity: .sigmoid)
        let u = try NonlinearityLayer(sum([g["xu"]!, g["hu"]!]), nonlinearity: .sigmoid)
        let c = try NonlinearityLayer(sum([g["xc"]!, product(r, g["hc"]!)]), nonlinearity: .tanh)
        h = try sum([hPrev, product(u, c), product(u, hPrev)], [1, 1, -1], name: name)
        gates = g
        try randomizeBiases([h])
    }

    func reference(_ xs: Tensor, h0: [[Double]]? = nil) -> [[[Double]]] {
        let n = hPrev.outputShape[1]!
        func W(_ k: String) -> [[Double]] { StepRef.rows(gates[k]!.W.value, n) }
        func b(_ k: String) -> [Double] { gates[k]!.b!.value.scalars.map(Double.init) }
        var h = h0 ?? Array(repeating: Array(repeating: 0, count: n), count: xs.shape[0])
        var out: [[[Double]]] = []
        for t in 0..<xs.shape[1] {
            let x = StepRef.tick(xs, t)
            let r = StepRef.map(StepRef.add(StepRef.addRow(StepRef.dot(x, W("xr")), b("xr")), StepRef.dot(h, W("hr"))), StepRef.sigmoid)
            let u = StepRef.map(StepRef.add(StepRef.addRow(StepRef.dot(x, W("xu")), b("xu")), StepRef.dot(h, W("hu"))), StepRef.sigmoid)
            let hc = StepRef.dot(h, W("hc"))
            let c = StepRef.map(StepRef.addRow(StepRef.add(StepRef.dot(x, W("xc")), zip(r, hc).map { zip($0, $1).map(*) }), b("xc")), tanh)
            h = h.indices.map { i in (0..<n).map { j in h[i][j] + u[i][j] * (c[i][j] - h[i][j]) } }
            out.append(h)
        }
        return out
    }
}

/// The values of `outputs` with each input node fed its tensor (finite checks off).
func run(_ outputs: [Node], _ inputs: [(Node, Tensor)]) throws -> [Tensor] {
    try Function(inputs: inputs.map(\.0), outputs: outputs, checkFinite: false)(inputs.map(\.1))
}
