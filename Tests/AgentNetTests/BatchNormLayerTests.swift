import AgentNet
import AgentNetTestSupport
import Testing

/// Mean and (biased) variance in float64.
private func meanVar(_ v: [Double]) -> (Double, Double) {
    let m = v.reduce(0, +) / Double(v.count)
    var s = 0.0
    for e in v { s += (e - m) * (e - m) }
    return (m, s / Double(v.count))
}

@Suite struct EmbeddingAndBatchNormTests {
    @Test func embeddingLooksUpRowsAndSumsTheirGradients() throws {
        let w = SharedValue(Check.distinct([5, 3]))
        let l = try EmbeddingLayer(inputShape: [nil, 2], inputSize: 5, outputSize: 3, W: .shared(w))
        #expect(l.outputShape == [nil, 2, 3])
        let idx = Check.ints([4, 0, 4, 2], [2, 2])
        let y = try runLayer(l, [idx])
        let wv = w.value.scalars
        var rows = [Float]()
        for i in [4, 0, 4, 2] { rows += Array(wv[(i * 3)..<(i * 3 + 3)]) }
        #expect(y.scalars == rows)
        let g = try grad(T.sum(l.output(for: [Node.constant(idx)], options: LayerOptions())), wrt: [w.node])[0]
        let counts: [Float] = [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2]
        #expect(try Function(inputs: [], outputs: [g])([])[0].scalars == counts)
        #expect(Check.throwsAny { try l.output(for: [Node.constant(Check.floats([0, 1], [1, 2]))], options: LayerOptions()) })
        #expect(Check.throwsAny { try EmbeddingLayer(inputShape: [nil], inputSize: 0, outputSize: 3) })
    }

    @Test func batchNormNormalizesAndRecordsRunningAverages() throws {
        let x = Check.random([8, 3, 2], seed: 4)
        let l = try BatchNormLayer(inputShape: [nil, 3, 2], alpha: 0.5)
        #expect(l.params.map(\.name) == ["beta", "gamma", "mean", "inv_std"])
        #expect(l.params.map(\.tags) == [["trainable"], ["trainable", "regularizable"], [], []])
        let y = try runLayer(l, [x]).scalars
        // float64 reference: per channel c over (batch, position)
        for c in 0..<3 {
            var idx = [Int]()
            for b in 0..<8 { for p in 0..<2 { idx.append(b * 6 + c * 2 + p) } }
            let (m, varc) = meanVar(idx.map { Double(x.scalars[$0]) })
            for i in idx {
                let want: Double = (Double(x.scalars[i]) - m) / (varc + 1e-4).squareRoot()
                #expect(Swift.abs(Double(y[i]) - want) < 1e-4)
            }
        }
        // running averages after one training step with alpha 0.5: mean <- 0.5·0 + 0.5·batch mean
        let xin = Node.input("x", shape: [nil, 3, 2])
        let out = try l.output(for: [xin], options: LayerOptions())
        #expect(l.updates.count == 2 && l.updates[0].0 === l.mean && l.updates[1].0 === l.invStd)
        _ = try Function(inputs: [xin], outputs: [out], updates: l.updates)([x])
        for c in 0..<3 {
            var v = [Double]()
            for b in 0..<8 { for p in 0..<2 { v.append(Double(x.scalars[b * 6 + c * 2 + p])) } }
            let (m, varc) = meanVar(v)
            let wantInv: Double = 0.5 + 0.5 / (varc + 1e-4).squareRoot()
            #expect(Swift.abs(Double(l.mean.value.scalars[c]) - 0.5 * m) < 1e-5)
            #expect(Swift.abs(Double(l.invStd.value.scalars[c]) - wantInv) < 1e-3)
        }
    }

    @Test func batchNormDeterministicUsesTheAveragesAndHasGradients() throws {
        let x = Check.random([6, 4], seed: 8)
        let mean = SharedValue(try Tensor([Float]([0.5, -0.5, 0, 1]), shape: [4]))
        let inv = SharedValue(try Tensor([Float]([2, 1, 0.5, 4]), shape: [4]))
        let l = try BatchNormLayer(inputShape: [nil, 4], beta: nil, gamma: nil, mean: .shared(mean), invStd: .shared(inv))
        let y = try runLayer(l, [x], deterministic: true).scalars
        let m: [Float] = [0.5, -0.5, 0, 1], s: [Float] = [2, 1, 0.5, 4]
        let xv = x.scalars
        var expected = [Float](repeating: 0, count: 24)
        for i in 0..<24 { expected[i] = (xv[i] - m[i % 4]) * s[i % 4] }
        #expect(Check.same(y, expected))
        #expect(l.updates.isEmpty)
        #expect(try layerGradientError(try BatchNormLayer(inputShape: [nil, 4]), [x]) < 2e-2)
        #expect(Check.error { try BatchNormLayer(inputShape: [nil, nil]) }?.message.contains("needs specified input sizes") == true)
        #expect(Check.throwsAny { try BatchNormLayer(inputShape: [nil, 3], axes: [2]) })
        #expect(Check.throwsAny { try BatchNormLayer(inputShape: [nil, 3], alpha: 2) })
    }
}
