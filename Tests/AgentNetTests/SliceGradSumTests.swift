@testable import AgentNet
import AgentNetTestSupport
import Testing

/// `SliceGradSumOp`: what `grad` builds when several basic slices of one value reach the cost.
@Suite struct SliceGradSumTests {
    /// Three gate slices of one [batch, 3·units] value (as a GRU takes them), one overlapping slice, a strided one.
    static let slicings: [[SliceItem]] = [
        [.range(start: nil, stop: nil, step: 1), .range(start: 0, stop: 2, step: 1)],
        [.range(start: nil, stop: nil, step: 1), .range(start: 2, stop: 4, step: 1)],
        [.range(start: nil, stop: nil, step: 1), .range(start: 4, stop: 6, step: 1)],
        [.range(start: 1, stop: nil, step: 1), .range(start: 1, stop: 5, step: 1)],
        [.index(2), .range(start: nil, stop: nil, step: -2)],
    ]

    @Test func forwardIsTheSumOfSliceGradients() throws {
        let x = Check.random([3, 6], seed: 2)
        let gs = SliceGradSumTests.slicings.enumerated().map { k, it in
            Check.random(try! resolveSlice(it, [3, 6]).out, seed: UInt64(10 + k))
        }
        let out = try Check.eval(gs + [x]) { v in
            let g = Array(v.dropLast()), xv = v.last!
            let fused = try Node.make(SliceGradSumOp(items: SliceGradSumTests.slicings), g + [xv])
            var ref = try Node.make(SliceGradOp(items: SliceGradSumTests.slicings[0]), [g[0], xv])
            for k in 1..<g.count { ref = try T.add(ref, Node.make(SliceGradOp(items: SliceGradSumTests.slicings[k]), [g[k], xv])) }
            return [fused, ref]
        }
        #expect(Check.same(out[0].scalars, out[1].scalars, tol: 1e-6))
    }

    @Test func gradBuildsOneMergedOpAndMatchesFiniteDifferences() throws {
        let x = Node.input("x", shape: [nil, 6])
        func cost(_ x: Node) throws -> Node {
            var terms: [Node] = []
            for (k, it) in SliceGradSumTests.slicings.enumerated() {
                terms.append(try T.sum(T.sin(T.mul(Node.make(SliceOp(items: it), [x]), Float(k) * 0.2 + 0.5))))
            }
            return try terms.dropFirst().reduce(terms[0]) { try T.add($0, $1) }
        }
        let g = try grad(cost(x), wrt: [x])[0]
        #expect(g.op is SliceGradSumOp)
        #expect(topologicalOrder([g]).filter { $0.op is SliceGradOp }.isEmpty)
        let err = try Check.gradientError([Check.random([3, 6], seed: 5)]) { try cost($0[0]) }
        #expect(err < 2e-2, "\(err)")
        // Second order: the merged op's own gradient (slices of the upstream gradient).
        let err2 = try Check.gradientError([Check.random([3, 6], seed: 6)]) { v in
            try Check.probe(grad(cost(v[0]), wrt: [v[0]])[0])
        }
        #expect(err2 < 2e-2, "\(err2)")
    }

    @Test func mixedContributionsStillAdd() throws {
        // x reaches the cost through two slices and directly: merged slices plus the direct term.
        let out = try Check.eval([Check.random([2, 4], seed: 9)]) { v in
            let x = v[0]
            let a = try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: 0, stop: 2, step: 1)]), [x])
            let b = try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: 1, stop: 3, step: 1)]), [x])
            let c = try T.add(T.add(T.sum(T.mul(a, 2)), T.sum(T.mul(b, 3))), T.sum(x))
            return [try grad(c, wrt: [x])[0]]
        }
        #expect(out[0].scalars == [3, 6, 4, 1, 3, 6, 4, 1])
    }

    @Test func shapeMismatchIsAnError() throws {
        let g = Node.input("g", shape: [nil, nil]), x = Node.input("x", shape: [nil, nil])
        let op = try Node.make(SliceGradSumOp(items: [SliceGradSumTests.slicings[0]]), [g, x])
        let f = try Function(inputs: [g, x], outputs: [op])
        #expect(Check.error { try f([Check.random([3, 3]), Check.random([3, 6])]) } != nil)
        #expect(Check.error { try Node.make(SliceGradSumOp(items: [SliceGradSumTests.slicings[0]]), [x]) } != nil)
    }
}
