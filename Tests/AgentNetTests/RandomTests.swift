@testable import AgentNet
import AgentNetTestSupport
import Testing

/// A random draw node: `[shape, a, b]` as `RandomOp` documents them.
private func draw(_ kind: RandomKind, _ state: RandomState, _ shape: [Int], _ a: Node, _ b: Node, dtype: DType? = nil) throws -> Node {
    let d = dtype ?? ((kind == .uniform || kind == .normal) ? .float32 : .int32)
    return try Node.make(RandomOp(kind: kind, state: state, dtype: d), [Node.ints(shape), a, b])
}
private func uniform(_ s: RandomState, _ shape: [Int], _ lo: Float = 0, _ hi: Float = 1) throws -> Node {
    try draw(.uniform, s, shape, Node.scalar(lo), Node.scalar(hi))
}

private func meanAndStd(_ v: [Float]) -> (Double, Double) {
    let m = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
    let s = (v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(v.count)).squareRoot()
    return (m, s)
}

@Suite struct RandomTests {
    @Test func sameSeedGivesSameDrawsInSeparateFunctions() throws {
        let f = try Function(inputs: [], outputs: [try uniform(RandomState(seed: 42), [100])])
        let g = try Function(inputs: [], outputs: [try uniform(RandomState(seed: 42), [100])])
        #expect(try f([])[0].scalars == (try g([])[0].scalars))
        let h = try Function(inputs: [], outputs: [try uniform(RandomState(seed: 43), [100])])
        #expect(try f([])[0].scalars != (try h([])[0].scalars))
    }

    @Test func drawsAdvanceBetweenCallsAsOneStream() throws {
        let f = try Function(inputs: [], outputs: [try uniform(RandomState(seed: 7), [50])])
        let first = try f([])[0].scalars, second = try f([])[0].scalars
        #expect(first != second)
        // One function drawing 100 values from the same seed sees both calls' values in order.
        let whole = try Function(inputs: [], outputs: [try uniform(RandomState(seed: 7), [100])])([])[0].scalars
        #expect(Array(whole.prefix(50)) == first)
        #expect(Array(whole.suffix(50)) == second)
    }

    @Test func reseedRestartsTheStream() throws {
        let s = RandomState(seed: 9)
        let f = try Function(inputs: [], outputs: [try draw(.normal, s, [20], Node.scalar(0), Node.scalar(1))])
        let first = try f([])[0].scalars
        _ = try f([])
        s.reseed(9)
        #expect(try f([])[0].scalars == first)
    }

    @Test func randomOpsAreNeverFoldedIntoConstants() throws {
        // All inputs are constants, yet every call draws again.
        let r = try uniform(RandomState(seed: 1), [8])
        let f = try Function(inputs: [], outputs: [try T.mul(r, 2)])
        #expect(try f([])[0].scalars != (try f([])[0].scalars))
        #expect(try evaluate([r])[0].scalars != (try evaluate([r])[0].scalars))
    }

    @Test func oneNodeIsDrawnOncePerCall() throws {
        let r = try uniform(RandomState(seed: 2), [10])
        let f = try Function(inputs: [], outputs: [r, try T.add(r, 0), try T.sub(r, r)])
        let out = try f([])
        #expect(out[0].scalars == out[1].scalars)
        #expect(out[2].scalars.allSatisfy { $0 == 0 })
    }

    @Test func gradientSeesTheSameDrawAsTheOutput() throws {
        let x = Node.input("x", shape: [6])
        let r = try uniform(RandomState(seed: 3), [6])
        let g = try grad(T.sum(T.mul(x, r)), wrt: [x])[0]
        let f = try Function(inputs: [x], outputs: [r, g])
        let out = try f([Check.random([6])])
        #expect(out[0].scalars == out[1].scalars)
    }

    @Test func uniformStaysInRangeWithTheRightMean() throws {
        let out = try Function(inputs: [], outputs: [try uniform(RandomState(seed: 4), [20000], -2, 3)])([])[0]
        #expect(out.dtype == .float32 && out.shape == [20000])
        let v = out.scalars
        #expect(v.allSatisfy { $0 >= -2 && $0 < 3 })
        let (m, s) = meanAndStd(v)
        #expect(Swift.abs(m - 0.5) < 0.05)
        #expect(Swift.abs(s - 5 / 12.0.squareRoot()) < 0.05)
    }

    @Test func normalHasTheRequestedMeanAndStd() throws {
        let out = try Function(inputs: [], outputs: [try draw(.normal, RandomState(seed: 5), [20000], Node.scalar(3), Node.scalar(0.5))])([])[0]
        let (m, s) = meanAndStd(out.scalars)
        #expect(Swift.abs(m - 3) < 0.02)
        #expect(Swift.abs(s - 0.5) < 0.02)
        let finite = out.scalars.allSatisfy { $0.isFinite }
        #expect(finite)
    }

    @Test func binomialBroadcastsProbabilitiesAndCountsSuccesses() throws {
        let p = Node.constant(Check.floats([0, 1, 0.3]))
        let out = try Function(inputs: [], outputs: [try draw(.binomial, RandomState(seed: 6), [5000, 3], Node.scalar(4), p)])([])[0]
        #expect(out.dtype == .int32 && out.shape == [5000, 3])
        let v = out.scalars
        let cols = (0..<3).map { c in stride(from: c, to: v.count, by: 3).map { v[$0] } }
        #expect(cols[0].allSatisfy { $0 == 0 })
        #expect(cols[1].allSatisfy { $0 == 4 })
        #expect(cols[2].allSatisfy { $0 >= 0 && $0 <= 4 && $0 == $0.rounded() })
        #expect(Swift.abs(meanAndStd(cols[2]).0 - 1.2) < 0.06)
    }

    @Test func binomialAsFloatDropoutMask() throws {
        let out = try Function(inputs: [], outputs: [try draw(.binomial, RandomState(seed: 8), [10000], Node.scalar(1), Node.scalar(0.8), dtype: .float32)])([])[0]
        #expect(out.dtype == .float32)
        #expect(out.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(Swift.abs(meanAndStd(out.scalars).0 - 0.8) < 0.02)
    }

    @Test func choiceDrawsEveryValueBelowN() throws {
        let out = try Function(inputs: [], outputs: [try draw(.choice, RandomState(seed: 10), [3000], Node.intScalar(5), Node.scalar(0))])([])[0]
        #expect(out.dtype == .int32)
        var counts = [Int](repeating: 0, count: 5)
        for v in out.scalars { #expect(v >= 0 && v < 5); counts[Int(v)] += 1 }
        #expect(counts.allSatisfy { Swift.abs($0 - 600) < 100 }, "\(counts)")
    }

    @Test func multinomialGivesOneHotRowsWithTheRightFrequencies() throws {
        let rows = 6000
        var p: [Float] = [0, 1, 0]
        for _ in 1..<rows { p += [0.2, 0.3, 0.5] }
        let out = try Function(inputs: [], outputs: [try draw(.multinomial, RandomState(seed: 11), [rows, 3], Node.constant(Check.floats(p, [rows, 3])), Node.scalar(0))])([])[0]
        #expect(out.shape == [rows, 3])
        let v = out.scalars
        #expect(Array(v.prefix(3)) == [0, 1, 0])
        var counts: [Float] = [0, 0, 0]
        for r in 0..<rows {
            let row = Array(v[(r * 3)..<(r * 3 + 3)])
            #expect(row.reduce(0, +) == 1)
            if r > 0 { for j in 0..<3 { counts[j] += row[j] } }
        }
        let freq = counts.map { $0 / Float(rows - 1) }
        #expect(Swift.abs(freq[0] - 0.2) < 0.03 && Swift.abs(freq[1] - 0.3) < 0.03 && Swift.abs(freq[2] - 0.5) < 0.03, "\(freq)")
    }

    @Test func drawShapeCanFollowAnInputShape() throws {
        let x = Node.input("x", shape: [nil, nil])
        let r = try Node.make(RandomOp(kind: .uniform, state: RandomState(seed: 12), dtype: .float32), [T.shape(x), Node.scalar(0), Node.scalar(1)])
        let f = try Function(inputs: [x], outputs: [try T.add(x, r)])
        #expect(try f([Check.random([2, 3])])[0].shape == [2, 3])
        #expect(try f([Check.random([4, 1])])[0].shape == [4, 1])
    }

    @Test func invalidParametersThrowRuntimeErrors() throws {
        let b = try Function(inputs: [], outputs: [try draw(.binomial, RandomState(seed: 13), [3], Node.scalar(-1), Node.scalar(0.5))])
        #expect(Check.error { try b([]) }?.kind == .runtime)
        let c = try Function(inputs: [], outputs: [try draw(.choice, RandomState(seed: 14), [3], Node.intScalar(0), Node.scalar(0))])
        #expect(Check.error { try c([]) }?.kind == .runtime)
        #expect(Check.error { try draw(.uniform, RandomState(seed: 15), [], Node.scalar(0), Node.scalar(1)) } == nil)
        let floatShape = Node.constant(Check.floats([2]))
        #expect(Check.error { try Node.make(RandomOp(kind: .uniform, state: RandomState(seed: 16), dtype: .float32), [floatShape, Node.scalar(0), Node.scalar(1)]) }?.kind == .shape)
    }

    @Test func randomStateHelpersStayInRange() {
        let s = RandomState(seed: 17)
        for _ in 0..<1000 {
            let u = s.uniform()
            #expect(u >= 0 && u < 1)
            let d = s.uniformDouble()
            #expect(d >= 0 && d < 1)
            let k = s.below(7)
            #expect(k >= 0 && k < 7)
        }
        #expect(s.below(1) == 0 && s.below(0) == 0)
        let a = RandomState(seed: 18), b = RandomState(seed: 18)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
    }
}
