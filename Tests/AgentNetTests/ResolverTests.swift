@testable import AgentNet
import AgentNetTestSupport
import Testing

/// Action frequencies over `n` rows, and a check that each is within 4.5 binomial standard deviations of `want`.
private func frequencies(_ actions: Tensor, _ k: Int) -> [Double] {
    var counts = [Double](repeating: 0, count: k)
    for a in actions.scalars { counts[Int(a)] += 1 }
    return counts.map { $0 / Double(actions.count) }
}

private func withinBinomial(_ got: [Double], _ want: [Double], n: Int) -> Bool {
    zip(got, want).allSatisfy { g, p in Swift.abs(g - p) <= 4.5 * (p * (1 - p) / Double(n)).squareRoot() }
}

private func tiled(_ row: [Float], _ n: Int) -> Tensor {
    try! Tensor((0..<n).flatMap { _ in row }, shape: [n, row.count])
}

@Suite struct ResolverTests {
    let n = 100_000

    @Test func greedyIsTheArgmaxAsInt32() throws {
        let r = try BaseResolver(policyShape: [nil, 3], name: "greedy")
        let q = try Tensor([0, 2, 1, 5, -1, 4] as [Float], shape: [2, 3])
        let a = try Check.eval1([q]) { try r.output(for: $0, options: LayerOptions()) }
        #expect(a.dtype == .int32 && a.shape == [2] && a.scalars == [1, 0])
        #expect(r.outputShape == [nil] && r.outputDType == .int32)
        let f = try BaseResolver(policyShape: [nil, 3], outputDType: .float32, name: nil)
        #expect(try Check.eval1([q]) { try f.output(for: $0, options: LayerOptions()) }.dtype == .float32)
    }

    @Test func epsilonGreedyFrequenciesMatchTheSeedExample() throws {
        let r = try EpsilonGreedyResolver(policyShape: [nil, 4], epsilon: .constant(0.3), seed: 7)
        let f = try Function(inputs: [], outputs: [r.output(for: [Node.constant(tiled([0, 0, 3, 1], n))], options: LayerOptions())])
        let got = frequencies(try f([])[0], 4)
        #expect(withinBinomial(got, [0.075, 0.075, 0.775, 0.075], n: n), "got \(got)")
        // The generator advances on every call: the second call acts differently.
        #expect(try f([])[0].scalars != (try f([])[0].scalars))
    }

    @Test func epsilonIsASharedValueByDefaultAndSettable() throws {
        let r = try EpsilonGreedyResolver(policyShape: [nil, 4], seed: 3)
        let eps = try #require(r.epsilonValue)
        #expect(eps.value.scalars == [0.1] && eps.name == "e-greedy.epsilon")
        let f = try Function(inputs: [], outputs: [r.output(for: [Node.constant(tiled([0, 0, 3, 1], n))], options: LayerOptions())])
        #expect(withinBinomial(frequencies(try f([])[0], 4), [0.025, 0.025, 0.925, 0.025], n: n))
        try eps.set(Tensor(scalar: 0))
        #expect(try f([])[0].scalars.allSatisfy { $0 == 2 })
        try eps.set(Tensor(scalar: 1))
        #expect(withinBinomial(frequencies(try f([])[0], 4), [0.25, 0.25, 0.25, 0.25], n: n))
    }

    @Test func epsilonAsAnInputExpression() throws {
        let r = try EpsilonGreedyResolver(policyShape: [nil, 2], epsilon: .input, seed: 3)
        let q = Node.input("q", shape: [nil, 2]), e = Node.input("e", shape: [])
        let f = try Function(inputs: [q, e], outputs: [r.output(for: [q, e], options: LayerOptions())])
        #expect(try f([tiled([1, 0], 1000), Tensor(scalar: 0)])[0].scalars.allSatisfy { $0 == 0 })
        #expect(try f([tiled([1, 0], 1000), Tensor(scalar: 1)])[0].scalars.contains(1))
    }

    @Test func sameSeedSameActionsOtherSeedOthers() throws {
        func run(_ seed: UInt64) throws -> [[Float]] {
            let r = try ProbabilisticResolver(policyShape: [nil, 4], seed: seed)
            let e = try EpsilonGreedyResolver(policyShape: [nil, 4], epsilon: .constant(0.5), seed: seed)
            let p = Node.constant(tiled([0.1, 0.2, 0.3, 0.4], 200))
            let f = try Function(inputs: [], outputs: [r.output(for: [p], options: LayerOptions()), e.output(for: [p], options: LayerOptions())])
            return try (0..<3).flatMap { _ in try f([]).map(\.scalars) }
        }
        #expect(try run(5) == run(5))
        #expect(try run(5) != run(6))
    }

    @Test func probabilisticSamplesByInverseCDF() throws {
        let r = try ProbabilisticResolver(policyShape: [nil, 4], seed: 11)
        // Unnormalised weights are divided by their row sum.
        let f = try Function(inputs: [], outputs: [r.output(for: [Node.constant(tiled([1, 2, 3, 4], n))], options: LayerOptions())])
        let got = frequencies(try f([])[0], 4)
        #expect(withinBinomial(got, [0.1, 0.2, 0.3, 0.4], n: n), "got \(got)")
        let normed = try ProbabilisticResolver(policyShape: [nil, 4], assumeNormalized: true, seed: 11)
        let g = try Function(inputs: [], outputs: [normed.output(for: [Node.constant(tiled([0.1, 0.2, 0.3, 0.4], n))], options: LayerOptions())])
        #expect(withinBinomial(frequencies(try g([])[0], 4), [0.1, 0.2, 0.3, 0.4], n: n))
        // A row whose last cumulative sum falls short of 1 still gives valid ids; zero-probability actions never come.
        let h = try Function(inputs: [], outputs: [normed.output(for: [Node.constant(tiled([0.5, 0, 0.4999], 10_000))], options: LayerOptions())])
        let a = try h([])[0].scalars
        #expect(a.allSatisfy { $0 == 0 || $0 == 2 })
    }

    @Test func probabilisticGreedyFlagGivesTheArgmax() throws {
        let r = try ProbabilisticResolver(policyShape: [nil, 3])
        let q = try Tensor([0.2, 0.5, 0.3, 0.6, 0.3, 0.1] as [Float], shape: [2, 3])
        let options = try LayerOptions(json: .object(["greedy": .bool(true)]))
        #expect(try Check.eval1([q]) { try r.output(for: $0, options: options) }.scalars == [1, 0])
    }

    @Test func gaussianSamplesAroundTheMeanAndClips() throws {
        let r = try GaussianResolver(meanShape: [nil, 2], logStdShape: [1, 2], low: -1, high: 3, seed: 2)
        let mean = tiled([0.5, 2], n), logStd = try Tensor([Float(-1.6094379), Float(-0.6931472)], shape: [1, 2])
        let a = try Function(inputs: [], outputs: [r.output(for: [Node.constant(mean), Node.constant(logStd)], options: LayerOptions())])([])[0]
        #expect(a.shape == [n, 2])
        let s = a.scalars
        let col0 = stride(from: 0, to: s.count, by: 2).map { Double(s[$0]) }
        let col1 = stride(from: 1, to: s.count, by: 2).map { Double(s[$0]) }
        let m0: Double = col0.reduce(0, +) / Double(n)
        let ss: Double = col0.map { ($0 - m0) * ($0 - m0) }.reduce(0, +)
        let sd0 = (ss / Double(n)).squareRoot()
        #expect(Swift.abs(m0 - 0.5) < 0.005 && Swift.abs(sd0 - 0.2) < 0.005)
        #expect(col1.allSatisfy { $0 >= -1 && $0 <= 3 } && col1.contains(3))
        let clippedShare = Double(col1.filter { $0 == 3 }.count) / Double(n)
        #expect(Swift.abs(clippedShare - 0.0228) < 0.004)  // P(N(2, 0.5) > 3) = P(Z > 2)
        let greedy = try LayerOptions(json: .object(["greedy": .bool(true)]))
        let g = try Check.eval1([try Tensor([0.5, 4] as [Float], shape: [1, 2]), logStd]) { try r.output(for: $0, options: greedy) }
        #expect(g.scalars == [0.5, 3])
    }

    @Test func gaussianSampleIsReparameterised() throws {
        // d sample / d mean = 1 and d sample / d logStd = exp(logStd) * xi = sample - mean (no bounds).
        let r = try GaussianResolver(meanShape: [nil, 3], logStdShape: [nil, 3], low: nil, high: nil, seed: 9)
        let m = Node.input("m", shape: [4, 3]), l = Node.input("l", shape: [4, 3])
        let a = try r.output(for: [m, l], options: LayerOptions())
        let gs = try grad(T.sum(a), wrt: [m, l])
        let mv = Check.random([4, 3], seed: 1), lv = Check.random([4, 3], seed: 2)
        let out = try Function(inputs: [m, l], outputs: [a] + gs)([mv, lv])
        #expect(out[1].scalars.allSatisfy { $0 == 1 })
        let want = zip(out[0].scalars, mv.scalars).map { $0 - $1 }
        #expect(Check.maxDiff(out[2].scalars, want) < 1e-5)
    }

    @Test func badInputIsAClearError() throws {
        #expect(Check.error { try BaseResolver(policyShape: [nil, 3, 2], name: nil) }?.message.contains("[batch, n_actions]") == true)
        #expect(Check.error { try EpsilonGreedyResolver(policyShape: [nil], epsilon: .constant(0.1)) }?.message.contains("[batch, n_actions]") == true)
        #expect(Check.throwsAny { try EpsilonGreedyResolver(policyShape: [nil, 2], epsilon: .constant(1.5)) })
        #expect(Check.throwsAny { try EpsilonGreedyResolver(policyShape: [nil, 2], epsilon: .shared(SharedValue(Check.floats([1, 2])))) })
        #expect(Check.throwsAny { try ProbabilisticResolver(policyShape: [nil, 0]) })
        #expect(Check.throwsAny { try GaussianResolver(meanShape: [nil, 2], logStdShape: [nil, 3]) })
        #expect(Check.throwsAny { try GaussianResolver(meanShape: [nil, 2], logStdShape: [nil, 2], low: 1, high: 0) })
        let r = try BaseResolver(policyShape: [nil, 3], name: nil)
        #expect(Check.throwsAny { try r.output(for: [Node.input("x", shape: [nil])], options: LayerOptions()) })
        #expect(Check.throwsAny { try r.output(for: [Node.input("x", dtype: .int32, shape: [nil, 3])], options: LayerOptions()) })
    }

    @Test func registryMakesEveryResolver() throws {
        let none: (Int64) throws -> AnyObject = { _ in throw AgentNetError.invalid("no handles") }
        for kind in ["BaseResolver", "EpsilonGreedyResolver", "ProbabilisticResolver"] {
            let l = try LayerRegistry.make(kind, .object(["seed": .number(3)]), inputShapes: [[nil, 4]], name: kind, resolve: none)
            #expect(l.outputShape == [nil] && l.outputDType == .int32)
            #expect(try l.outputShape(for: [[7, 4]]) == [7])
        }
        let g = try LayerRegistry.make("GaussianResolver", .object(["low": .null]), inputShapes: [[nil, 2], [1, 2]], name: nil, resolve: none)
        #expect((g as? GaussianResolver)?.low == nil && (g as? GaussianResolver)?.high == 1)
        #expect(Check.throwsAny { try LayerRegistry.make("BaseResolver", .object([:]), inputShapes: [[nil, 4, 2]], name: nil, resolve: none) })
        #expect(Check.throwsAny { try LayerRegistry.make("EpsilonGreedyResolver", .object(["epsilon": .string("x")]), inputShapes: [[nil, 4]], name: nil, resolve: none) })
    }
}
