import AgentNet
import AgentNetTestSupport
import Testing

@Suite struct NoiseLayersTests {
    let x = Check.random([64, 50], seed: 3, positive: true)

    @Test func dropoutZeroesAboutPAndRescalesTheRest() throws {
        let l = try DropoutLayer(inputShape: [nil, 50], p: .constant(0.25), seed: 11)
        let y = try Function(inputs: [], outputs: [l.output(for: [Node.constant(x)], options: LayerOptions())])([])[0].scalars
        let dropped = y.filter { $0 == 0 }.count
        #expect(Swift.abs(Float(dropped) / Float(y.count) - 0.25) < 0.03)
        let xs = x.scalars
        for i in 0..<y.count where y[i] != 0 {
            let want: Float = xs[i] / 0.75
            #expect(Swift.abs(y[i] - want) < 1e-5)
        }
        #expect(try runLayer(l, [x], deterministic: true).scalars == x.scalars)
    }

    @Test func dropoutSharesTheMaskAlongSharedAxes() throws {
        let l = try DropoutLayer(inputShape: [nil, 50], p: .constant(0.5), rescale: false, sharedAxes: [-1], seed: 5)
        let y = try Function(inputs: [], outputs: [l.output(for: [Node.constant(x)], options: LayerOptions())])([])[0].scalars
        let xs = x.scalars
        for r in 0..<64 {
            let row = Array(y[(r * 50)..<(r * 50 + 50)]), input = Array(xs[(r * 50)..<(r * 50 + 50)])
            let zero = row.allSatisfy { $0 == 0 }
            #expect(zero || row == input)
        }
        #expect(Check.throwsAny { try DropoutLayer(inputShape: [nil, 3], sharedAxes: [2], seed: 1) })
        #expect(Check.throwsAny { try DropoutLayer(inputShape: [nil, 3], p: .constant(1), seed: 1) })
    }

    @Test func noiseIsReproducibleFromTheSeedAndFreshPerOutput() throws {
        func draw(_ l: Layer) throws -> [Float] {
            try Function(inputs: [], outputs: [l.output(for: [Node.constant(x)], options: LayerOptions())])([])[0].scalars
        }
        let a = try GaussianNoiseLayer(inputShape: [nil, 50], sigma: .constant(0.5), seed: 7)
        let b = try GaussianNoiseLayer(inputShape: [nil, 50], sigma: .constant(0.5), seed: 7)
        let first = try draw(a)
        #expect(first == (try draw(b)))
        #expect(first != (try draw(a)))  // the second output of a layer draws from the next generator
        let xv = x.scalars
        var mean = 0.0, sq = 0.0
        for i in 0..<first.count { let d = Double(first[i] - xv[i]); mean += d; sq += d * d }
        mean /= Double(first.count)
        let std = (sq / Double(first.count) - mean * mean).squareRoot()
        #expect(Swift.abs(mean) < 0.05)
        #expect(Swift.abs(std - 0.5) < 0.05)
        #expect(try runLayer(a, [x], deterministic: true).scalars == x.scalars)
        #expect(Check.throwsAny { try GaussianNoiseLayer(inputShape: [nil, 3], sigma: .constant(-1), seed: 1) })
    }

    @Test func symbolicRateIsASecondInput() throws {
        let l = try GaussianNoiseLayer(inputShape: [nil, 50], sigma: .input, seed: 3)
        let zero = try Function(inputs: [], outputs: [l.output(for: [Node.constant(x), Node.scalar(0)], options: LayerOptions())])([])[0]
        #expect(zero.scalars == x.scalars)
        let d = try DropoutLayer(inputShape: [nil, 50], p: .input, seed: 3)
        let kept = try Function(inputs: [], outputs: [d.output(for: [Node.constant(x), Node.scalar(0)], options: LayerOptions())])([])[0]
        #expect(kept.scalars == x.scalars)
    }
}
