@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

private func transposed(_ a: [Float], _ r: Int, _ c: Int) -> [Float] {
    (0..<(r * c)).map { o in a[(o % r) * c + o / r] }
}

@Suite struct MatMulForwardTests {
    @Test func matrixTimesMatrixMatchesHandValues() throws {
        let a = Check.floats([1, 2, 3, 4, 5, 6], [2, 3]), b = Check.floats([7, 8, 9, 10, 11, 12], [3, 2])
        let out = try Check.eval1([a, b]) { try T.dot($0[0], $0[1]) }
        #expect(out.shape == [2, 2])
        #expect(out.scalars == [58, 64, 139, 154])
    }

    @Test func vectorDotVectorIsScalar() throws {
        let out = try Check.eval1([Check.floats([1, 2, 3]), Check.floats([4, -5, 6])]) { try T.dot($0[0], $0[1]) }
        #expect(out.shape == [])
        #expect(out.scalars == [12])
    }

    @Test func matrixTimesVectorAndVectorTimesMatrix() throws {
        let m = Check.floats([1, 2, 3, 4, 5, 6], [2, 3])
        let out = try Check.eval([m, Check.floats([1, 0, -1]), Check.floats([1, -1])]) { i in
            [try T.dot(i[0], i[1]), try T.dot(i[2], i[0])]
        }
        #expect(out[0].shape == [2] && out[0].scalars == [-2, -2])
        #expect(out[1].shape == [3] && out[1].scalars == [-3, -3, -3])
    }

    @Test func rank3TimesMatrixContractsLastAxis() throws {
        let (b, t, k, n) = (2, 3, 4, 5)
        let x = Check.random([b, t, k], seed: 81), w = Check.random([k, n], seed: 82)
        let out = try Check.eval1([x, w]) { try T.dot($0[0], $0[1]) }
        #expect(out.shape == [b, t, n])
        #expect(Check.same(out.scalars, Check.matmul(x.scalars, w.scalars, b * t, k, n)))
    }

    @Test func rank3TimesVectorDropsLastAxis() throws {
        let x = Check.random([2, 3, 4], seed: 83), v = Check.random([4], seed: 84)
        let out = try Check.eval1([x, v]) { try T.dot($0[0], $0[1]) }
        #expect(out.shape == [2, 3])
        #expect(Check.same(out.scalars, Check.matmul(x.scalars, v.scalars, 6, 4, 1)))
    }

    @Test func batchedDotMultipliesPerBatchEntry() throws {
        let (bs, m, k, n) = (3, 2, 4, 5)
        let a = Check.random([bs, m, k], seed: 85), b = Check.random([bs, k, n], seed: 86)
        let out = try Check.eval1([a, b]) { try T.batchedDot($0[0], $0[1]) }
        #expect(out.shape == [bs, m, n])
        var expected: [Float] = []
        for i in 0..<bs {
            expected += Check.matmul(Array(a.scalars[(i * m * k)..<((i + 1) * m * k)]), Array(b.scalars[(i * k * n)..<((i + 1) * k * n)]), m, k, n)
        }
        #expect(Check.same(out.scalars, expected))
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func transposedOperandsMatchReference(_ flags: (Bool, Bool)) throws {
        let (ta, tb) = flags
        let (m, k, n) = (3, 4, 2)
        let a = Check.random(ta ? [k, m] : [m, k], seed: 87), b = Check.random(tb ? [n, k] : [k, n], seed: 88)
        let out = try Check.eval1([a, b]) { try Node.make(MatMulOp(transA: ta, transB: tb, batched: false), $0) }
        #expect(out.shape == [m, n])
        let av = ta ? transposed(a.scalars, k, m) : a.scalars, bv = tb ? transposed(b.scalars, n, k) : b.scalars
        #expect(Check.same(out.scalars, Check.matmul(av, bv, m, k, n)))
    }

    @Test func zeroInnerDimensionGivesZeros() throws {
        let out = try Check.eval1([Check.floats([], [2, 0]), Check.floats([], [0, 3])]) { try T.dot($0[0], $0[1]) }
        #expect(out.shape == [2, 3] && out.scalars == [0, 0, 0, 0, 0, 0])
        let empty = try Check.eval1([Check.floats([], [0, 4]), Check.random([4, 3])]) { try T.dot($0[0], $0[1]) }
        #expect(empty.shape == [0, 3])
    }

    @Test func zeroInnerDimensionOverwritesReusedBuffers() throws {
        // The output buffer of a k = 0 product may be a reused buffer holding earlier values: it must still be zeros.
        let x = Node.input("x", shape: [2, 3]), a = Node.input("a", shape: [2, nil]), b = Node.input("b", shape: [nil, 3])
        let y = try T.mul(T.exp(x), 7)
        let f = try Function(inputs: [x, a, b], outputs: [try T.add(T.sum(y), T.sum(T.dot(a, b), axes: [0, 1]))])
        let out = try f([Check.random([2, 3]), Check.floats([], [2, 0]), Check.floats([], [0, 3])])
        let ref = Check.random([2, 3]).scalars.map { Double(7 * Glibc.expf($0)) }.reduce(0, +)
        #expect(Check.same(out[0].scalars, [Float(ref)], tol: 1e-5))
    }

    @Test func intOperandsAreCastToFloat() throws {
        let out = try Check.eval1([Check.ints([1, 2, 3, 4], [2, 2]), Check.ints([1, 1])]) { try T.dot($0[0], $0[1]) }
        #expect(out.dtype == .float32 && out.scalars == [3, 7])
    }

    @Test func misalignedShapesThrowShapeError() throws {
        let a = Node.input("a", shape: [2, 3]), b = Node.input("b", shape: [4, 2])
        #expect(Check.error { try T.dot(a, b) }?.kind == .shape)
        let r3 = Node.input("r", shape: [3, 2, 2])
        #expect(Check.error { try T.dot(a, r3) }?.kind == .shape)
        let d = Node.input("d", shape: [nil, nil])
        let f = try Function(inputs: [a, d], outputs: [try T.dot(a, d)])
        #expect(Check.error { try f([Check.random([2, 3]), Check.random([4, 2])]) }?.kind == .shape)
        let p = Node.input("p", shape: [2, 3, 4]), q = Node.input("q", shape: [3, 4, 5])
        #expect(Check.error { try T.batchedDot(p, q) }?.kind == .shape)
        #expect(Check.error { try T.batchedDot(a, a) }?.kind == .shape)
    }
}

@Suite struct MatMulGradientTests {
    static let cases: [([Int], [Int])] = [
        ([3], [3]), ([2, 3], [3]), ([3], [3, 2]), ([2, 3], [3, 4]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [4]), ([1, 3], [3, 1]),
    ]

    @Test(arguments: cases)
    func dotGradientForEveryRankCombination(_ shapes: ([Int], [Int])) throws {
        let a = Check.random(shapes.0, seed: 91), b = Check.random(shapes.1, seed: 92)
        let err = try Check.gradientError([a, b]) { try Check.probe(T.dot($0[0], $0[1])) }
        #expect(err < 1e-2, "\(shapes): \(err)")
    }

    @Test func batchedDotGradient() throws {
        let a = Check.random([3, 2, 4], seed: 93), b = Check.random([3, 4, 2], seed: 94)
        let err = try Check.gradientError([a, b]) { try Check.probe(T.batchedDot($0[0], $0[1])) }
        #expect(err < 1e-2)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func transposedMatMulGradient(_ flags: (Bool, Bool)) throws {
        let (ta, tb) = flags
        let a = Check.random(ta ? [4, 3] : [3, 4], seed: 95), b = Check.random(tb ? [2, 4] : [4, 2], seed: 96)
        let err = try Check.gradientError([a, b]) { try Check.probe(Node.make(MatMulOp(transA: ta, transB: tb, batched: false), $0)) }
        #expect(err < 1e-2, "\(flags): \(err)")
        let ba = Check.random(ta ? [2, 4, 3] : [2, 3, 4], seed: 97), bb = Check.random(tb ? [2, 2, 4] : [2, 4, 2], seed: 98)
        let berr = try Check.gradientError([ba, bb]) { try Check.probe(Node.make(MatMulOp(transA: ta, transB: tb, batched: true), $0)) }
        #expect(berr < 1e-2, "batched \(flags): \(berr)")
    }

    @Test func denseLayerGradientWithSharedWeights() throws {
        let x = Check.random([5, 3], seed: 99), w = Check.random([3, 4], seed: 100), b = Check.random([4], seed: 101)
        let err = try Check.gradientError([x, w, b]) { i in try Check.probe(T.tanh(T.add(T.dot(i[0], i[1]), i[2]))) }
        #expect(err < 1e-2)
    }
}
