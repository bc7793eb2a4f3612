import AgentNet
import AgentNetTestSupport
import Glibc
import Testing

// One-tick graphs made of engine layers only (DenseLayer, merge layers), so Recurrence is tested apart from the
// memory cells: a tanh RNN and a hand-written GRU, each with a float64 reference loop over the same weights.

/// `layer` connected to `incoming` (the zoo's layers are made from shapes).
private func connected<L: Layer>(_ layer: L, _ incoming: [Layer]) throws -> L {
    try layer.setIncoming(incoming)
    return layer
}

private func sum(_ layers: [Layer], _ coefficients: [Float]? = nil, name: String? = nil) throws -> Layer {
    try connected(ElemwiseSumLayer(inputShapes: layers.map(\.outputShape), coefficients: coefficients, name: name), layers)
}

private func product(_ a: Layer, _ b: Layer) throws -> Layer {
    try connected(ElemwiseMergeLayer(inputShapes: [a.outputShape, b.outputShape], function: .mul), [a, b])
}

private func linear(_ x: Layer, _ units: Int, bias: Bool = true, name: String) throws -> DenseLayer {
    try DenseLayer(x, numUnits: units, b: bias ? .initializer(.constant(0)) : nil, nonlinearity: .linear, name: name)
}

/// Gives every bias a random value, so references check that biases are added.
private func randomizeBiases(_ layers: [Layer], seed: UInt64 = 7) throws {
    for (i, p) in try getAllParams(layers).enumerated() where p.name.hasSuffix(".b") {
        try p.value?.set(Check.random(p.value?.shape ?? [], seed: seed + UInt64(i)))
    }
}

/// Float64 helpers for the references: row-major `[rows, n]` matrices as `[[Double]]`.
private enum Ref {
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
private struct RNNStep {
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
        let W = Ref.rows(toHid.W.value, 4), U = Ref.rows(hidToHid.W.value, 4), b = toHid.b!.value.scalars.map(Double.init)
        var h = h0 ?? Array(repeating: Array(repeating: 0, count: 4), count: xs.shape[0])
        var out: [[[Double]]] = []
        for t in 0..<xs.shape[1] {
            let new = Ref.map(Ref.add(Ref.addRow(Ref.dot(Ref.tick(xs, t), W), b), Ref.dot(h, U)), tanh)
            h = mask.map { m in h.indices.map { i in m[i][t] != 0 ? new[i] : h[i] } } ?? new
            out.append(h)
        }
        return out
    }
}

/// A GRU written with DenseLayer and merge layers: `r = σ(x·Wr + br + h·Ur)`, `u = σ(x·Wu + bu + h·Uu)`,
/// `c = tanh(x·Wc + bc + r ⊙ (h·Uc))`, `h' = h + u ⊙ c − u ⊙ h`.
private struct GRUStep {
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
        func W(_ k: String) -> [[Double]] { Ref.rows(gates[k]!.W.value, n) }
        func b(_ k: String) -> [Double] { gates[k]!.b!.value.scalars.map(Double.init) }
        var h = h0 ?? Array(repeating: Array(repeating: 0, count: n), count: xs.shape[0])
        var out: [[[Double]]] = []
        for t in 0..<xs.shape[1] {
            let x = Ref.tick(xs, t)
            let r = Ref.map(Ref.add(Ref.addRow(Ref.dot(x, W("xr")), b("xr")), Ref.dot(h, W("hr"))), Ref.sigmoid)
            let u = Ref.map(Ref.add(Ref.addRow(Ref.dot(x, W("xu")), b("xu")), Ref.dot(h, W("hu"))), Ref.sigmoid)
            let hc = Ref.dot(h, W("hc"))
            let c = Ref.map(Ref.addRow(Ref.add(Ref.dot(x, W("xc")), zip(r, hc).map { zip($0, $1).map(*) }), b("xc")), tanh)
            h = h.indices.map { i in (0..<n).map { j in h[i][j] + u[i][j] * (c[i][j] - h[i][j]) } }
            out.append(h)
        }
        return out
    }
}

private func run(_ outputs: [Node], _ inputs: [(Node, Tensor)]) throws -> [Tensor] {
    try Function(inputs: inputs.map(\.0), outputs: outputs, checkFinite: false)(inputs.map(\.1))
}

@Suite struct RecurrenceTests {
    init() { Initializer.rng.reseed(5) }

    // MARK: forward against hand-unrolled references

    @Test func rnnStateSequenceMatchesTheReferenceLoop() throws {
        let seq = InputLayer(shape: [nil, 25, 3], name: "seq")
        let step = try RNNStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev])
        #expect(try rec[step.h].outputShape == [nil, 25, 4])
        #expect(rec.nSteps == 25 && rec.incoming.count == 1 && rec.incoming[0] === seq)
        let xs = Check.random([5, 25, 3])
        let got = try run([getOutput(rec[step.h])], [(seq.inputVar, xs)])[0]
        #expect(got.shape == [5, 25, 4])
        #expect(Check.same(got.scalars, Ref.stacked(step.reference(xs)), tol: 1e-5))
    }

    @Test func gruStepMatchesTheReferenceLoopWithStateInit() throws {
        let seq = InputLayer(shape: [nil, 6, 3]), h0 = InputLayer(shape: [nil, 5], name: "h0")
        let step = try GRUStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev], stateInit: [step.h: h0])
        #expect(rec.incoming.map { $0 === h0 } == [true, false])
        let xs = Check.random([3, 6, 3]), init0 = Check.random([3, 5], seed: 2)
        let got = try run([getOutput(rec[step.h])], [(seq.inputVar, xs), (h0.inputVar, init0)])[0]
        #expect(Check.same(got.scalars, Ref.stacked(step.reference(xs, h0: Ref.rows(init0, 5))), tol: 1e-5))
        // the same with state_init as a list, in state order
        let listed = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev], stateInit: .list([h0]))
        let again = try run([getOutput(listed[step.h])], [(seq.inputVar, xs), (h0.inputVar, init0)])[0]
        #expect(again.scalars == got.scalars)
    }

    @Test func getOutputIsStatesThenTrackedOutputsAndNonsequencesReachEveryTick() throws {
        let seq = InputLayer(shape: [nil, 7, 3]), biasOuter = InputLayer(shape: [nil, 4], name: "bias_outer")
        let step = try RNNStep()
        let biasT = InputLayer(shape: [nil, 4], name: "bias_t")
        let biased = try sum([step.h, biasT], name: "h_biased")
        let doubled = try sum([biased], [2], name: "doubled")
        let rec = try Recurrence(inputNonsequences: [biasT: biasOuter], inputSequences: [step.x: seq], trackedOutputs: [doubled, biased],
                                 stateVariables: [biased: step.hPrev])
        #expect(rec.keys.map { $0 === biased } == [true, false] && rec.outputCount == 2)
        let xs = Check.random([3, 7, 3]), bv = Check.random([3, 4], seed: 2)
        let outs = try getOutputs([rec], inputs: [])[0]
        let (hs, ds) = try { let r = try run(outs, [(seq.inputVar, xs), (biasOuter.inputVar, bv)]); return (r[0], r[1]) }()
        #expect(Check.same(ds.scalars, hs.scalars.map { 2 * $0 }, tol: 1e-6))
        // h_t = tanh(x_t W + b + h_{t-1} U) + bias
        let W = Ref.rows(step.toHid.W.value, 4), U = Ref.rows(step.hidToHid.W.value, 4), b = step.toHid.b!.value.scalars.map(Double.init)
        var h = Array(repeating: Array(repeating: 0.0, count: 4), count: 3), ref: [[[Double]]] = []
        for t in 0..<7 {
            h = Ref.add(Ref.map(Ref.add(Ref.addRow(Ref.dot(Ref.tick(xs, t), W), b), Ref.dot(h, U)), tanh), Ref.rows(bv, 4))
            ref.append(h)
        }
        #expect(Check.same(hs.scalars, Ref.stacked(ref), tol: 1e-5))
        let (states, tracked) = try rec.sequenceLayers()
        #expect(states.map(\.index) == [0] && tracked.map(\.index) == [1, 0])
    }

    /// The seed's mask test: rows [1,1,1,0,0] keep the tick-2 state afterwards, rows [0,0,1,1,1] keep the zero
    /// initial state for ticks 0 and 1; a linear RNN with bias 100 makes every unmasked tick change the state.
    @Test func maskFreezesStatesAndTrackedOutputs() throws {
        let seq = InputLayer(shape: [nil, 5, 2]), mask = InputLayer(shape: [nil, 5], name: "rnn mask [batch,tick]")
        let x = InputLayer(shape: [nil, 2]), prev = InputLayer(shape: [nil, 3])
        let hid = try DenseLayer(prev, numUnits: 3, b: .initializer(.constant(100)), nonlinearity: .linear, name: "rnn.hid_to_hid")
        let rnn = try sum([hid, linear(x, 3, bias: false, name: "rnn.input0_to_hid")], name: "rnn")
        let out = try DenseLayer(rnn, numUnits: 10, nonlinearity: .softmax)
        let rec = try Recurrence(inputSequences: [x: seq], trackedOutputs: [out], stateVariables: [rnn: prev], maskInput: mask)
        var m = [Float](repeating: 0, count: 20)
        for i in 0..<2 { for t in 0..<3 { m[i * 5 + t] = 1 } }
        for i in 2..<4 { for t in 2..<5 { m[i * 5 + t] = 1 } }
        let r = try run(try getOutput([rec[rnn], rec[out]]), [(seq.inputVar, Check.random([4, 5, 2])), (mask.inputVar, try Tensor(m, shape: [4, 5]))])
        let (h, o) = (r[0].scalars, r[1].scalars)
        #expect(r[0].shape == [4, 5, 3] && r[1].shape == [4, 5, 10])
        func changes(_ i: Int, _ t: Int) -> Bool { (0..<3).allSatisfy { h[(i * 5 + t + 1) * 3 + $0] != h[(i * 5 + t) * 3 + $0] } }
        func stays(_ i: Int, _ t: Int) -> Bool { (0..<3).allSatisfy { h[(i * 5 + t + 1) * 3 + $0] == h[(i * 5 + t) * 3 + $0] } }
        for i in 0..<2 { #expect(changes(i, 0) && changes(i, 1) && stays(i, 2) && stays(i, 3)) }
        for i in 2..<4 { #expect(stays(i, 0) && changes(i, 1) && changes(i, 2) && changes(i, 3)) }
        #expect(h[(2 * 5) * 3..<(2 * 5 + 2) * 3].allSatisfy { $0 == 0 })          // zero initial state kept
        #expect(o[(2 * 5) * 10..<(2 * 5 + 2) * 10].allSatisfy { $0 == 0 })        // tracked outputs start at zeros
        #expect(Array(o[(4 + 0) * 10..<(4 + 1) * 10]) == Array(o[(2 + 0) * 10..<(2 + 1) * 10]))  // row 0: tick 4 = tick 2
    }

    @Test func delayedStatesAreShiftedOneTick() throws {
        let seq = InputLayer(shape: [nil, 4, 3])
        let step = try RNNStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev], delayedStates: [step.h])
        let xs = Check.random([2, 4, 3])
        let got = try run([getOutput(rec[step.h])], [(seq.inputVar, xs)])[0].scalars
        let ref = step.reference(xs)
        let shifted = [Array(repeating: Array(repeating: 0.0, count: 4), count: 2)] + ref.dropLast()
        #expect(Check.same(got, Ref.stacked(shifted), tol: 1e-5))
    }

    @Test func withoutOuterInputsTheBatchSizeIsNeeded() throws {
        let prev = InputLayer(shape: [nil, 1], name: "prev")
        let next = try connected(BiasLayer(inputShape: [nil, 1], b: .initializer(.constant(1)), name: "next"), [prev])
        #expect(Check.error { try Recurrence(stateVariables: [next: prev], nSteps: 3) }?.message.contains("batch_size must be given") == true)
        let rec = try Recurrence(stateVariables: [next: prev], nSteps: 3, batchSize: 2)
        #expect(try rec[next].outputShape == [2, 3, 1])
        #expect(try run([getOutput(rec[next])], [])[0].scalars == [1, 2, 3, 1, 2, 3])
        // a symbolic batch size must be computable from shapes when the function is compiled, e.g. another input's
        let v = Node.input("v", shape: [nil, 2])
        let symbolic = try Recurrence(stateVariables: [next: prev], nSteps: 2, batchSize: .symbolic(T.index(T.shape(v), 0)))
        #expect(symbolic.outputShape == [nil, 2, 1])
        #expect(try run([getOutput(symbolic[next])], [(v, Check.random([3, 2]))])[0].shape == [3, 2, 1])
        #expect(Check.error { try Recurrence(stateVariables: [next: prev], nSteps: 2, batchSize: .symbolic(v)) }?.message.contains("symbolic scalar") == true)
    }

    // MARK: one tick

    @Test func oneStepMatchesOneTickOfTheReference() throws {
        let seq = InputLayer(shape: [nil, 3, 3])
        let step = try RNNStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev])
        let x = Check.random([2, 1, 3]), h = Check.random([2, 4], seed: 1)
        let xs = try Tensor(x.scalars, shape: [2, 3])
        let expected = Ref.stacked(step.reference(x, h0: Ref.rows(h, 4)))
        let (states, outs) = try rec.oneStep(prevStates: [Node.constant(h)], currentInputs: [Node.constant(xs)])
        #expect(outs.isEmpty && states.count == 1)
        #expect(Check.same(try run(states, [])[0].scalars, expected, tol: 1e-5))
        let byLayer = try rec.oneStep(prevStates: [step.h: Node.constant(h)], currentInputs: [step.x: Node.constant(xs)])
        #expect(Check.same(try run(byLayer.newStates, [])[0].scalars, expected, tol: 1e-5))
        #expect(Check.error { try rec.oneStep(prevStates: [:], currentInputs: [step.x: Node.constant(xs)]) }?.message.contains("no previous value for state(s) NonlinearityLayer 'rnn'") == true)
        #expect(Check.error { try rec.oneStep(prevStates: [step.h: Node.constant(h)], currentInputs: [seq: Node.constant(xs)]) }?.message.contains("is not a registered input") == true)
        #expect(Check.error { try rec.oneStep(prevStates: [], currentInputs: []) }?.message.contains("got 0 previous states for 1 states") == true)
    }

    // MARK: parameters

    /// The seed's substituted-input test: a registered input stands for its subgraph, so the parameters of the
    /// layers below it are not the Recurrence's (they belong to the outer graph).
    @Test func parametersExcludeSubstitutedInputs() throws {
        let sequence = InputLayer(shape: [nil, 25, 3], name: "input sequence")
        let sequenceIntermediate = InputLayer(shape: [nil, 25, 5], name: "intermediate values sequence")
        let initial = InputLayer(shape: [nil, 10], name: "gru zero tick")
        let input = InputLayer(shape: [nil, 3], name: "input"), prev = InputLayer(shape: [nil, 10], name: "prev rnn")
        let intermediate = try DenseLayer(input, numUnits: 5, name: "intermediate")
        let gru = try sum([linear(intermediate, 10, name: "rnn.x"), linear(prev, 10, name: "rnn.h")], name: "rnn")
        let rec = try Recurrence(inputSequences: [input: sequence], stateVariables: [gru: prev], stateInit: [gru: initial])
        #expect(try getAllParams(rec[gru]).contains { $0.value === intermediate.b })
        let rec2 = try Recurrence(inputSequences: [intermediate: sequenceIntermediate], stateVariables: [gru: prev], stateInit: [gru: initial])
        #expect(try !getAllParams(rec2[gru]).contains { $0.value === intermediate.b })
        #expect(rec2.params.map(\.name) == ["rnn.x.W", "rnn.x.b", "rnn.h.W", "rnn.h.b"])
        #expect(rec2.paramSources.map { $0.layer.name ?? "" } == ["rnn.x", "rnn.x", "rnn.h", "rnn.h"])
        let r = try run([getOutput(rec2[gru])], [(sequenceIntermediate.inputVar, Check.random([5, 25, 5])), (initial.inputVar, Check.random([5, 10]))])
        #expect(r[0].shape == [5, 25, 10])
        // an outer layer feeding the sequence is counted through the outer graph, once
        let pre = try DenseLayer(sequence, numUnits: 5, numLeadingAxes: 2, name: "pre")
        let rec3 = try Recurrence(inputSequences: [intermediate: pre], stateVariables: [gru: prev])
        #expect(try getAllParams(rec3[gru]).map(\.name) == ["pre.W", "pre.b", "rnn.x.W", "rnn.x.b", "rnn.h.W", "rnn.h.b"])
        #expect(try getAllParams(rec3[gru], tags: ["regularizable": true]).map(\.name) == ["pre.W", "rnn.x.W", "rnn.h.W"])
    }

    /// The seed's shape tests: a GRU with an initial state, and three states of two widths with dropout on one.
    @Test func seedShapes() throws {
        let sequence = InputLayer(shape: [nil, 25, 3]), initial = InputLayer(shape: [nil, 20], name: "cell zero tick")
        let step = try RNNStep()
        let rnnBig = try NonlinearityLayer(linear(step.h, 10, name: "to10"), nonlinearity: .tanh)
        let prevRnn = InputLayer(shape: [nil, 10]), prevCell = InputLayer(shape: [nil, 20]), prevHid = InputLayer(shape: [nil, 20])
        let rnn = try sum([rnnBig, prevRnn])
        let cell = try sum([prevCell, linear(rnn, 20, name: "cell_in"), linear(prevHid, 20, name: "hid_in")])
        let hid = try DropoutLayer(inputShape: [nil, 20], p: .constant(0.5), seed: 3)
        try hid.setIncoming([try NonlinearityLayer(cell, nonlinearity: .tanh)])
        let rec = try Recurrence(inputSequences: [step.x: sequence], stateVariables: [step.h: step.hPrev, rnn: prevRnn, hid: prevHid, cell: prevCell],
                                 stateInit: [cell: initial])
        #expect(rec.unusedInputs.isEmpty)
        let out = try run(try getOutput([rec[rnn], rec[cell], rec[hid]]), [(sequence.inputVar, Check.random([5, 25, 3])), (initial.inputVar, Check.random([5, 20]))])
        #expect(out.map(\.shape) == [[5, 25, 10], [5, 25, 20], [5, 25, 20]])
        #expect(try getAllParams(rec[rnn]).count == 9)
    }

    // MARK: gradients through time

    @Test func gradientsThroughTimeMatchFiniteDifferences() throws {
        let seq = InputLayer(shape: [2, 4, 3])
        let step = try GRUStep(units: 3)
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev])
        let xs = Check.distinct([2, 4, 3])
        // with respect to the input sequence
        #expect(try Check.gradientError([xs]) { x in
            try Check.probe(getOutput(rec[step.h], inputs: [(seq, x[0])]))
        } < 2e-2)
        // with respect to every parameter, perturbing the shared values
        let loss = try Check.probe(getOutput(rec[step.h]))
        let params = try getAllParams(rec[step.h])
        #expect(params.count == 9)
        let grads = try run(try grad(loss, wrt: params.map(\.node)), [(seq.inputVar, xs)])
        let value = try Function(inputs: [seq.inputVar], outputs: [loss], checkFinite: false)
        let eps: Float = 1e-2
        var worst: Float = 0
        for (p, g) in zip(params, grads) {
            let shared = try #require(p.value), v = shared.value
            for i in 0..<v.count {
                let plus = v.copy(), minus = v.copy()
                plus.floats[i] += eps
                minus.floats[i] -= eps
                try shared.set(plus); let fp = Double(try value([xs])[0].scalars[0])
                try shared.set(minus); let fm = Double(try value([xs])[0].scalars[0])
                try shared.set(v)
                let numeric = Float((fp - fm) / (2 * Double(eps)))
                worst = Swift.max(worst, Swift.abs(numeric - g.scalars[i]) / Swift.max(1, Swift.abs(numeric)))
            }
        }
        #expect(worst < 2e-2)
    }

    /// Backpropagation through time from Swift alone: the GRU reads a sequence of numbers and a readout predicts
    /// their running sum at every tick; Adam brings the squared error well down.
    @Test func trainingStepWithAdamLowersTheLoss() throws {
        let seq = InputLayer(shape: [nil, 5, 1])
        let step = try GRUStep(inputs: 1, units: 8)
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev])
        let readout = try DenseLayer(rec[step.h], numUnits: 1, nonlinearity: .linear, numLeadingAxes: 2, name: "readout")
        let target = Node.input("target", shape: [nil, 5, 1])
        let loss = try T.mean(T.square(T.sub(getOutput(readout), target)))
        let params = try getAllParams(readout, tags: ["trainable": true]).compactMap(\.value)
        let train = try Function(inputs: [seq.inputVar, target], outputs: [loss],
                                 updates: Updates.adam(.loss(loss), params: params, learningRate: 0.02).pairs)
        let xs = Check.random([16, 5, 1], seed: 11)
        var sums = [Float](), acc = [Float](repeating: 0, count: 16)
        for i in 0..<16 { for t in 0..<5 { acc[i] += xs.scalars[i * 5 + t]; sums.append(acc[i] / 2) } }
        let ys = try Tensor(sums, shape: [16, 5, 1])
        let first = try train([xs, ys])[0].scalars[0]
        var last = first
        for _ in 0..<150 { last = try train([xs, ys])[0].scalars[0] }
        #expect(last < first * 0.2, "loss \(first) -> \(last)")
    }

    // MARK: options, randomness, nesting

    @Test func dropoutDrawsPerTickAndRecurrenceFlagsReachTheOneTickLayers() throws {
        let prev = InputLayer(shape: [nil, 50], name: "prev")
        let zeroed = try connected(ScaleLayer(inputShape: [nil, 50], scales: .initializer(.constant(0))), [prev])
        let ones = try connected(BiasLayer(inputShape: [nil, 50], b: .initializer(.constant(1))), [zeroed])
        let drop = try connected(DropoutLayer(inputShape: [nil, 50], p: .constant(0.5), seed: 9, name: "drop"), [ones])
        let rec = try Recurrence(stateVariables: [drop: prev], nSteps: 3, batchSize: 2)
        let f = try Function(inputs: [], outputs: [try getOutput(rec[drop])])
        let a = try f([])[0].scalars, b = try f([])[0].scalars
        #expect(a != b)                                      // the generator advances between calls
        #expect(Array(a[0..<50]) != Array(a[50..<100]))      // each tick draws its own mask
        let det = try getOutput(rec[drop], options: LayerOptions(deterministic: true))
        #expect(try run([det], [])[0].scalars.allSatisfy { $0 == 1 })
        let flagged = try getOutput(rec[drop], options: LayerOptions(json: .object(["recurrence_flags": .object(["deterministic": .bool(true)])])))
        #expect(try run([flagged], [])[0].scalars.allSatisfy { $0 == 1 })
        #expect(Check.error { try getOutput(rec[drop], options: LayerOptions(json: .object(["recurrence_flags": .number(1)]))) }?.message.contains("must be a dict") == true)
    }

    /// An inner Recurrence over a per-tick sub-sequence, inside an outer Recurrence over ticks.
    @Test func nestedRecurrence() throws {
        let outerSeq = InputLayer(shape: [nil, 3, 2, 3], name: "outer_seq"), subSeq = InputLayer(shape: [nil, 2, 3], name: "sub_seq")
        let step = try RNNStep()
        let inner = try Recurrence(inputSequences: [step.x: subSeq], stateVariables: [step.h: step.hPrev], name: "inner")
        let last = try connected(SliceLayer(inputShape: [nil, 2, 4], indices: .index(-1), axis: 1, name: "last"), [try inner[step.h]])
        let accPrev = InputLayer(shape: [nil, 4], name: "acc_prev")
        let acc = try sum([accPrev, last], name: "acc")
        let outer = try Recurrence(inputSequences: [subSeq: outerSeq], stateVariables: [acc: accPrev], name: "outer")
        #expect(outer.params.map(\.node) == inner.params.map(\.node))
        let xs = Check.random([2, 3, 2, 3])
        let got = try run([getOutput(outer[acc])], [(outerSeq.inputVar, xs)])[0]
        var total = Array(repeating: Array(repeating: 0.0, count: 4), count: 2), ref: [[[Double]]] = []
        for t in 0..<3 {
            var values: [Float] = []
            for i in 0..<2 {
                let start = (i * 3 + t) * 6
                values += xs.scalars[start..<(start + 6)]
            }
            let sub = try Tensor(values, shape: [2, 2, 3])
            total = Ref.add(total, step.reference(sub)[1])
            ref.append(total)
        }
        #expect(Check.same(got.scalars, Ref.stacked(ref), tol: 1e-5))
    }

    // MARK: construction-time errors

    @Test func constructionErrorsNameTheLayersAndShapes() throws {
        let step = try RNNStep()
        let (x, h, hPrev) = (step.x, step.h, step.hPrev)
        let known = InputLayer(shape: [nil, 3, 3]), unknownLength = InputLayer(shape: [nil, nil, 3])
        func message(_ body: () throws -> Recurrence) -> String { Check.error(body)?.message ?? "no error" }
        #expect(message { try Recurrence(inputSequences: [x: known], trackedOutputs: [h]) }.contains("uses InputLayer 'h_prev' (None, 4), which is not registered"))
        let wrongPrev = InputLayer(shape: [nil, 5], name: "wrong_prev")
        #expect(message { try Recurrence(inputSequences: [x: known], stateVariables: [h: wrongPrev]) }
            == "Recurrence 'YetAnotherRecurrence': state NonlinearityLayer 'rnn' has shape (None, 4) but its previous-state input InputLayer 'wrong_prev' has shape (None, 5)")
        #expect(message { try Recurrence(inputSequences: [x: InputLayer(shape: [nil, 3], name: "flat")], stateVariables: [h: hPrev], nSteps: 2) }.contains("must have a time axis"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev]) }.contains("n_steps must be given"))
        let rec = try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], unrollScan: false, nSteps: 5)
        #expect(rec.outputShape == [nil, 5, 4])
        #expect(message { try Recurrence(inputSequences: [x: known], stateVariables: [h: hPrev], nSteps: 4) }.contains("n_steps=4 but the input sequences have length 3"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], stateInit: [h: InputLayer(shape: [nil, 7])], nSteps: 2) }.contains("initial value"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], stateInit: .list([nil, nil]), nSteps: 2) }.contains("2 entries for 1 states"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], stateInit: [x: nil], nSteps: 2) }.contains("not a key of state_variables"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], nSteps: 2, delayedStates: [x]) }.contains("delayed state"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], nSteps: 2, maskInput: InputLayer(shape: [nil, 2, 1])) }.contains("mask_input"))
        let sine = try NonlinearityLayer(h, nonlinearity: .sigmoid)
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev, sine: hPrev], nSteps: 2) }.contains("used by more than one state"))
        #expect(message { try Recurrence(inputNonsequences: [x: InputLayer(shape: [nil, 9])], stateVariables: [h: hPrev], nSteps: 2) }.contains("non-sequence"))
        #expect(message { try Recurrence(inputSequences: [x: known, x: known], stateVariables: [h: hPrev]) }.contains("input_sequences has InputLayer 'x_t' twice"))
        #expect(message { try Recurrence(inputSequences: [x: known, InputLayer(shape: [nil, 2]): InputLayer(shape: [nil, 4, 2])], stateVariables: [h: hPrev]) }.contains("different lengths [3, 4]"))
        #expect(message { try Recurrence(stateVariables: [h: hPrev], nSteps: 0, batchSize: 1) }.contains("n_steps must be a positive int"))
        #expect(message { try Recurrence(inputSequences: [x: known], stateVariables: [h: hPrev], batchSize: 0) }.contains("batch_size must be a positive int"))
        let two = try DictLayer(["a": h, "b": hPrev], order: ["a", "b"])
        #expect(message { try Recurrence(inputSequences: [x: known], trackedOutputs: [two], stateVariables: [h: hPrev]) }.contains("has 2 outputs"))
        #expect(Check.error { try rec[hPrev] }?.message.contains("has no output for InputLayer 'h_prev'") == true)
        let spare = InputLayer(shape: [nil, 2], name: "spare")
        let warned = try Recurrence(inputNonsequences: [spare: InputLayer(shape: [nil, 2])], inputSequences: [x: known], stateVariables: [h: hPrev])
        #expect(warned.unusedInputs.map { $0 === spare } == [true])
    }

    @Test func registryBuildsARecurrenceFromKindAndAttributes() throws {
        let seq = InputLayer(shape: [nil, 4, 3])
        let step = try RNNStep()
        var objects: [Int64: AnyObject] = [1: step.h, 2: step.hPrev, 3: step.x, 4: seq]
        let n = Node.input("n", dtype: .int32, shape: [])
        objects[5] = n
        let attrs = try JSON.parse(#"{"state_variables": [[1, 2]], "input_sequences": [[3, 4]], "state_init": {"list": [null]}, "name": "r"}"#)
        let layer = try LayerRegistry.make("Recurrence", attrs, inputShapes: [], name: "r") { h in
            guard let o = objects[h] else { throw AgentNetError(.invalidHandle, "no object \(h)") }
            return o
        }
        let rec = try #require(layer as? Recurrence)
        #expect(rec.nSteps == 4 && rec.outputShapes == [[nil, 4, 4]] && rec.description == "Recurrence(n_steps=4, states=1, outputs=0) (?, 4, 4)")
        let xs = Check.random([2, 4, 3])
        #expect(Check.same(try run([getOutput(rec[step.h])], [(seq.inputVar, xs)])[0].scalars, Ref.stacked(step.reference(xs)), tol: 1e-5))
        for (bad, expected) in [(#"{"state_variables": [[1]]}"#, "pairs"), (#"{"state_variables": [[1, 2]], "n_steps": "2.5", "batch_size": 1}"#, "got 2.5"),
                                (#"{"state_variables": [[1, 9]], "n_steps": 2, "batch_size": 1}"#, "no object 9"),
                                (#"{"state_variables": [[1, 2]], "input_sequences": [[3, 4]], "batch_size_var": 5}"#, ""),
                                (#"{"state_variables": [[1, 2]], "n_steps": 2, "state_init": 7, "batch_size": 1}"#, "state_init must be")] {
            let e = Check.error {
                try LayerRegistry.make("Recurrence", try JSON.parse(bad), inputShapes: [], name: nil) { h in
                    guard let o = objects[h] else { throw AgentNetError(.invalidHandle, "no object \(h)") }
                    return o
                }
            }
            if expected.isEmpty { #expect(e == nil) } else { #expect(e?.message.contains(expected) == true, "\(bad): \(e?.message ?? "no error")") }
        }
    }
}
