import AgentNet
import AgentNetTestSupport
import Testing

/// `grad`'s errors (int inputs, argmax and comparisons, disconnected inputs unless ignored, non-scalar or int costs),
/// `consider` blocking a gradient path, and a gradient of a shared value feeding an SGD step.
@Suite struct GradientErrorTests {
    @Test func gradientWithRespectToIntThrows() {
        let a = Node.input("a", dtype: .int32, shape: [3])
        let e = Check.error { try grad(T.sum(T.cast(a, .float32)), wrt: [a]) }
        #expect(e?.kind == .dtype)
    }

    @Test func gradientThroughArgmaxThrowsNamingIt() {
        let x = Node.input("x", shape: [3, 4])
        let cost = try! T.sum(T.cast(T.argmax(x, axis: 1), .float32))
        let e = Check.error { try grad(cost, wrt: [x]) }
        #expect(e != nil)
        #expect(e?.message.contains("argmax") == true)
    }

    @Test func gradientThroughComparisonThrows() {
        let x = Node.input("x", shape: [3])
        let cost = try! T.sum(T.cast(T.gt(x, 0), .float32))
        #expect(Check.error { try grad(cost, wrt: [x]) }?.message.contains("gt") == true)
    }

    @Test func disconnectedInputThrowsUnlessIgnored() throws {
        let x = Node.input("x", shape: [3]), y = Node.input("y", shape: [2, 2])
        let cost = try T.sum(T.square(x))
        let e = Check.error { try grad(cost, wrt: [x, y]) }
        #expect(e?.kind == .invalidArgument)
        #expect(e?.message.contains("y") == true)
        let g = try grad(cost, wrt: [x, y], disconnected: .ignore)
        let f = try Function(inputs: [x, y], outputs: g)
        let out = try f([Check.floats([1, 2, 3]), Check.random([2, 2])])
        #expect(out[0].scalars == [2, 4, 6])
        #expect(out[1].shape == [2, 2] && out[1].scalars == [0, 0, 0, 0])
    }

    @Test func considerConstantBlocksTheGradientPath() throws {
        let x = Node.input("x", shape: [2])
        let y = try T.mul(x, 3)
        let cost = try T.sum(T.add(T.mul(y, x), x))
        let f = try Function(inputs: [x], outputs: try grad(cost, wrt: [x], consider: [y]))
        #expect(try f([Check.floats([1, 2])])[0].scalars == [4, 7])  // y + 1 with y treated as constant
    }

    @Test func nonScalarOrIntCostThrows() {
        let x = Node.input("x", shape: [3])
        #expect(Check.error { try grad(T.mul(x, 2), wrt: [x]) }?.kind == .shape)
        let a = Node.input("a", dtype: .int32, shape: [3])
        #expect(Check.error { try grad(T.sum(a), wrt: [x]) }?.kind == .dtype)
    }

    @Test func gradientOfSharedValueFeedsAnSGDStep() throws {
        let x = Node.input("x", shape: [nil, 2]), y = Node.input("y", shape: [nil])
        let w = SharedValue(Check.floats([0, 0]), name: "w")
        let loss = try T.mean(T.square(T.sub(T.dot(x, w.node), y)))
        let gw = try grad(loss, wrt: [w.node])[0]
        let step = try Function(inputs: [x, y], outputs: [loss], updates: [(w, try T.sub(w.node, T.mul(gw, 0.1)))])
        let xs = Check.floats([1, 0, 0, 1, 1, 1], [3, 2]), ys = Check.floats([1, -2, -1])
        var last = Float.infinity
        for _ in 0..<200 { last = try step([xs, ys])[0].scalars[0] }
        #expect(last < 1e-6)
        #expect(Check.same(w.value.scalars, [1, -2], tol: 1e-3))
    }
}
