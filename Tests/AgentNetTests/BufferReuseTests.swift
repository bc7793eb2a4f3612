@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Buffer planning in compiled functions (intermediates share buffers between kernels): results equal a float64
/// reference and each output compiled alone, reused buffers are overwritten rather than accumulated, and outputs that
/// alias an input or an intermediate survive the kernels after them.
@Suite struct BufferReuseTests {
    /// A deep graph with many short-lived intermediates of different sizes, some of them also outputs.
    static func build(_ x: Node) throws -> [Node] {
        var h = x
        var kept: [Node] = []
        for k in 0..<6 {
            let a = try T.tanh(T.add(T.mul(h, 0.9), Float(k) * 0.1))
            let b = try T.sigmoid(T.sub(h, a))
            let wide = try T.concatenate([a, b], axis: 1)                 // [n, 2m]
            let narrow = try T.sum(T.reshape(wide, [-1, 2, 4]), axes: [1]) // [n, 4]... via reshape view
            h = try T.add(T.mul(narrow, 0.5), T.transpose(T.transpose(a)))
            if k % 2 == 0 { kept.append(a) }
        }
        return [h] + kept + [try T.sum(h), try T.max(h, axes: [0])]
    }

    /// The same computation in float64 Swift code.
    static func reference(_ xv: [Float], rows: Int) -> [[Float]] {
        var h = xv.map(Double.init)
        var kept: [[Float]] = []
        for k in 0..<6 {
            let a = h.map { Glibc.tanh($0 * 0.9 + Double(k) * 0.1) }
            let b = zip(h, a).map { 1 / (1 + Glibc.exp(-($0 - $1))) }
            var narrow = [Double](repeating: 0, count: rows * 4)
            for r in 0..<rows { for j in 0..<4 { narrow[r * 4 + j] = a[r * 4 + j] + b[r * 4 + j] } }
            h = zip(narrow, a).map { $0 * 0.5 + $1 }
            if k % 2 == 0 { kept.append(a.map(Float.init)) }
        }
        let colMax = (0..<4).map { j in (0..<rows).map { h[$0 * 4 + j] }.max()! }
        return [h.map(Float.init)] + kept + [[Float(h.reduce(0, +))], colMax.map(Float.init)]
    }

    @Test func bufferReuseDoesNotChangeResults() throws {
        let x = Node.input("x", shape: [nil, 4])
        let outs = try Self.build(x)
        let together = try Function(inputs: [x], outputs: outs)
        let xs = Check.random([5, 4], seed: 121)
        let ref = Self.reference(xs.scalars, rows: 5)
        for _ in 0..<3 {
            let got = try together([xs])
            #expect(got.count == ref.count)
            for (g, r) in zip(got, ref) { #expect(Check.same(g.scalars, r, tol: 1e-5), "\(g.scalars) vs \(r)") }
        }
        // Each output compiled on its own (different buffer assignment) agrees exactly with the joint function.
        let joint = try together([xs])
        for (k, o) in outs.enumerated() {
            let alone = try Function(inputs: [x], outputs: [o])([xs])[0]
            #expect(alone.scalars == joint[k].scalars, "output \(k)")
        }
    }

    @Test func reusedBuffersAreOverwrittenNotAccumulated() throws {
        // sum_like, one_hot, advanced-index gradients and alloc write into buffers that may hold stale values.
        let x = Node.input("x", shape: [nil, 3])
        let idx = Node.constant(Check.ints([2, 0, 2]))
        let noise = try T.mul(T.exp(x), 1000)  // fills a buffer with large values that is then freed
        let picked = try Node.make(AdvancedIndexOp(isArray: [true]), [x, idx])
        let cost = try T.add(T.sum(T.mul(picked, picked)), T.mul(T.sum(noise), 0))
        let g = try grad(cost, wrt: [x])[0]
        let f = try Function(inputs: [x], outputs: [g, try T.zerosLike(x), try Node.make(OneHotOp(depth: 3), [idx])])
        let xs = Check.floats([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3])
        for _ in 0..<3 {
            let out = try f([xs])
            // d/dx sum(x[[2, 0, 2]]^2): row 0 gets 2x once, row 2 gets 2x twice, row 1 nothing.
            #expect(out[0].scalars == [2, 4, 6, 0, 0, 0, 28, 32, 36])
            #expect(out[1].scalars == [0, 0, 0, 0, 0, 0, 0, 0, 0])
            #expect(out[2].scalars == [0, 0, 1, 1, 0, 0, 0, 0, 1])
        }
    }

    @Test func outputAliasingAnInputIsNotClobbered() throws {
        let x = Node.input("x", shape: [2, 3])
        let view = try T.reshape(x, [3, 2])
        let f = try Function(inputs: [x], outputs: [view, try T.mul(T.exp(x), 0)])
        let out = try f([Check.floats([1, 2, 3, 4, 5, 6], [2, 3])])
        #expect(out[0].shape == [3, 2] && out[0].scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test func intermediateThatIsAlsoAnOutputSurvivesLaterKernels() throws {
        let x = Node.input("x", shape: [4])
        let a = try T.add(x, 1)
        var h = a
        for _ in 0..<5 { h = try T.mul(T.add(h, 1), 0.5) }
        let f = try Function(inputs: [x], outputs: [h, a])
        let out = try f([Check.floats([0, 1, 2, 3])])
        #expect(out[1].scalars == [1, 2, 3, 4])
    }
}
