import AgentNet
import AgentNetTestSupport
import Testing

/// Backpropagation through time in an unrolled Recurrence: gradients against finite differences (the input sequence
/// and every parameter), and a few Adam steps that lower a loss.
@Suite struct RecurrenceGradientTests {
    init() { Initializer.rng.reseed(5) }

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
}
