import AgentNet
import AgentNetTestSupport
import Testing

/// numpy's `np.tril_indices(d)`: the (row, column) pairs on and below the diagonal, row by row.
func trilIndices(_ d: Int) -> [(Int, Int)] { (0..<d).flatMap { i in (0...i).map { (i, $0) } } }

@Suite struct TrilTests {
    @Test func fillTrilPlacesEntriesRowByRow() throws {
        let y = try Check.eval1([Check.floats([1, 2, 3], [1, 3])]) { try T.fillTril($0[0], diag: 2) }
        #expect(y.shape == [1, 2, 2] && y.scalars == [1, 0, 2, 3])
        let three = try Check.eval1([Check.floats([1, 2, 3, 4, 5, 6], [6])]) { try T.fillTril($0[0], diag: 3) }
        #expect(three.shape == [3, 3] && three.scalars == [1, 0, 0, 2, 3, 0, 4, 5, 6])
    }

    @Test func fillTrilMatchesTrilIndicesOverLeadingAxes() throws {
        let d = 4, x = Check.distinct([2, 3, 10])
        let y = try Check.eval1([x]) { try T.fillTril($0[0], diag: d) }
        #expect(y.shape == [2, 3, 4, 4])
        var expected = [Float](repeating: 0, count: 6 * 16)
        for m in 0..<6 { for (k, (i, j)) in trilIndices(d).enumerated() { expected[m * 16 + i * d + j] = x.scalars[m * 10 + k] } }
        #expect(y.scalars == expected)
    }

    @Test func trilEntriesReadsTheLowerTriangle() throws {
        let m = Check.distinct([2, 3, 3])
        let e = try Check.eval1([m]) { try T.trilEntries($0[0], diag: 3) }
        #expect(e.shape == [2, 6])
        let v = m.scalars
        #expect(e.scalars == [0, 3, 4, 6, 7, 8].map { v[$0] } + [9, 12, 13, 15, 16, 17].map { v[$0] })
        // entries → matrix → entries is the identity
        let back = try Check.eval1([e]) { try T.trilEntries(T.fillTril($0[0], diag: 3), diag: 3) }
        #expect(back.scalars == e.scalars)
    }

    @Test func gradientsAreEachOthersAdjoint() throws {
        #expect(try Check.gradientError([Check.distinct([3, 6])]) { try Check.probe(T.fillTril($0[0], diag: 3)) } < 1e-2)
        #expect(try Check.gradientError([Check.distinct([2, 3, 3])]) { try Check.probe(T.trilEntries($0[0], diag: 3)) } < 1e-2)
        // Above the diagonal nothing flows back.
        let x = Node.input("m", shape: [3, 3])
        let g = try Function(inputs: [x], outputs: [grad(T.sum(T.trilEntries(x, diag: 3)), wrt: [x])[0]])([Check.distinct([3, 3])])[0]
        #expect(g.scalars == [1, 0, 0, 1, 1, 0, 1, 1, 1])
    }

    @Test func wrongSizesAreRejected() throws {
        #expect(Check.error { try T.fillTril(Node.input("x", shape: [nil, 4]), diag: 2) }?.message.contains("has 3 entries") == true)
        #expect(Check.error { try T.fillTril(Node.input("x", shape: [nil, 3]), diag: 0) }?.message.contains("matrix size") == true)
        #expect(Check.error { try T.trilEntries(Node.input("x", shape: [nil, 2, 3]), diag: 3) }?.message.contains("[..., 3, 3]") == true)
        #expect(Check.error { try T.trilEntries(Node.input("x", shape: [3]), diag: 3) }?.message.contains("[..., 3, 3]") == true)
        // Unknown at build time, wrong when run: the compiled function says so instead of reading out of bounds.
        let x = Node.input("x", shape: [nil, nil])
        let f = try Function(inputs: [x], outputs: [try T.fillTril(x, diag: 2)])
        #expect(Check.error { try f([Check.floats([1, 2, 3, 4], [1, 4])]) }?.message.contains("has 3 entries") == true)
    }
}
