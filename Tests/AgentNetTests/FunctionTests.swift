@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct FunctionCallTests {
    @Test func missingInputThrowsAtConstructionNamingIt() {
        let x = Node.input("x", shape: [2]), y = Node.input("hidden_y", shape: [2])
        let e = Check.error { try Function(inputs: [x], outputs: [try T.add(x, y)]) }
        #expect(e?.kind == .invalidArgument)
        #expect(e?.message.contains("hidden_y") == true)
        let s = SharedValue(Check.floats([1, 2]), name: "s")
        #expect(Check.error { try Function(inputs: [x], outputs: [], updates: [(s, try T.add(s.node, y))]) }?.kind == .invalidArgument)
    }

    @Test func nonInputNodesAndDuplicateInputsAreRejected() throws {
        let x = Node.input("x", shape: [2])
        #expect(Check.error { try Function(inputs: [try T.add(x, 1)], outputs: [x]) }?.kind == .invalidArgument)
        #expect(Check.error { try Function(inputs: [x, x], outputs: [x]) }?.kind == .invalidArgument)
    }

    @Test func wrongArgumentCountThrows() throws {
        let x = Node.input("x", shape: [2])
        let f = try Function(inputs: [x], outputs: [x])
        #expect(Check.error { try f([]) }?.kind == .invalidArgument)
        #expect(Check.error { try f([Check.floats([1, 2]), Check.floats([1, 2])]) }?.kind == .invalidArgument)
    }

    @Test func wrongShapeThrowsNamingTheInput() throws {
        let x = Node.input("obs", shape: [nil, 3])
        let f = try Function(inputs: [x], outputs: [try T.sum(x)])
        let e = Check.error { try f([Check.random([2, 4])]) }
        #expect(e?.kind == .shape)
        #expect(e?.message.contains("'obs'") == true)
        #expect(e?.message.contains("(2, 4)") == true)
        let rank = Check.error { try f([Check.random([6])]) }
        #expect(rank?.kind == .shape && rank?.message.contains("'obs'") == true)
        #expect(try f([Check.floats([1, 2, 3], [1, 3])])[0].scalars == [6])
    }

    @Test func wrongDtypeThrowsNamingTheInput() throws {
        let a = Node.input("actions", dtype: .int32, shape: [nil])
        let f = try Function(inputs: [a], outputs: [try T.sum(a)])
        let e = Check.error { try f([Check.floats([1, 2])]) }
        #expect(e?.kind == .dtype)
        #expect(e?.message.contains("'actions'") == true)
        #expect(e?.message.contains("int32") == true)
    }

    @Test func unnamedInputIsNamedByPosition() throws {
        let x = Node.input(nil, shape: [2]), y = Node.input(nil, shape: [2])
        let f = try Function(inputs: [x, y], outputs: [try T.add(x, y)])
        let e = Check.error { try f([Check.floats([1, 2]), Check.floats([1, 2, 3])]) }
        #expect(e?.message.contains("#1") == true)
    }

    @Test func nanOrInfInputThrowsAndLeavesSharedValuesUnchanged() throws {
        let x = Node.input("x", shape: [2])
        let w = SharedValue(Check.floats([1, 2]), name: "w")
        let f = try Function(inputs: [x], outputs: [try T.sum(w.node)], updates: [(w, try T.add(w.node, x))])
        for bad: Float in [.nan, .infinity, -.infinity] {
            let e = Check.error { try f([Check.floats([0.5, bad])]) }
            #expect(e?.kind == .runtime)
            #expect(e?.message.contains("'x'") == true)
            #expect(w.value.scalars == [1, 2])
        }
        #expect(try f([Check.floats([0.5, 0.5])])[0].scalars == [3])
        #expect(w.value.scalars == [1.5, 2.5])
    }

    @Test func checkFiniteCanBeTurnedOff() throws {
        let x = Node.input("x", shape: [2])
        let f = try Function(inputs: [x], outputs: [try T.mul(x, 2)], checkFinite: false)
        let out = try f([Check.floats([.nan, .infinity])])[0].scalars
        #expect(out[0].isNaN && out[1] == .infinity)
    }

    @Test func runtimeErrorLeavesSharedValuesUnchanged() throws {
        let q = Node.input("q", shape: [nil, 3]), a = Node.input("a", dtype: .int32, shape: [nil])
        let w = SharedValue(Check.floats([0, 0, 0]), name: "w")
        let picked = try Node.make(AdvancedIndexOp(isArray: [false, true]), [q, a])
        let f = try Function(inputs: [q, a], outputs: [picked], updates: [(w, try T.add(w.node, T.sum(q, axes: [0])))])
        #expect(Check.error { try f([Check.random([2, 3]), Check.ints([0, 5])]) }?.kind == .index)
        #expect(w.value.scalars == [0, 0, 0])
        _ = try f([Check.floats([1, 2, 3], [1, 3]), Check.ints([2])])
        #expect(w.value.scalars == [1, 2, 3])
    }

    @Test func updatesAreAppliedAfterOutputs() throws {
        let w = SharedValue(Check.floats([1, 2]), name: "w")
        let f = try Function(inputs: [], outputs: [try T.mul(w.node, 10)], updates: [(w, try T.add(w.node, 1))])
        #expect(try f([])[0].scalars == [10, 20])
        #expect(w.value.scalars == [2, 3])
        #expect(try f([])[0].scalars == [20, 30])
        #expect(w.value.scalars == [3, 4])
    }

    @Test
    func sharedValueReturnedAsOutputShowsPreUpdateValue() throws {
        let w = SharedValue(Check.floats([1, 2]), name: "w")
        let f = try Function(inputs: [], outputs: [w.node, try T.reshape(w.node, [2, 1]), try T.mul(w.node, 10)],
                             updates: [(w, try T.add(w.node, 1))])
        let first = try f([])
        #expect(first[0].scalars == [1, 2])
        #expect(first[1].scalars == [1, 2])
        #expect(first[2].scalars == [10, 20])
        #expect(w.value.scalars == [2, 3])
        let second = try f([])
        #expect(second[0].scalars == [2, 3])
        #expect(second[1].scalars == [2, 3])
    }

    @Test func runningTimesInOneCallIsThatManyCallsReturningTheLastOutputs() throws {
        let x = Node.input("x", shape: [2])
        let w = SharedValue(Check.floats([1, 2]), name: "w"), twin = SharedValue(Check.floats([1, 2]), name: "twin")
        let f = try Function(inputs: [x], outputs: [try T.mul(w.node, x)], updates: [(w, try T.add(w.node, x))])
        let g = try Function(inputs: [x], outputs: [try T.mul(twin.node, x)], updates: [(twin, try T.add(twin.node, x))])
        let arg = Check.floats([1, 10])
        var separate: [Tensor] = []
        for _ in 0..<4 { separate = try g([arg]) }
        #expect(try f([arg], times: 4)[0].scalars == separate[0].scalars)  // [4, 320]: the fourth run, before its update
        #expect(w.value.scalars == twin.value.scalars)
        #expect(w.value.scalars == [5, 42])
        #expect(Check.error { try f([arg], times: 0) }?.kind == .invalidArgument)
        #expect(w.value.scalars == [5, 42])
    }

    @Test func repeatedRunsFollowASharedValueThatGrows() throws {
        // Each run appends to a resizable value, which invalidates the plan; the next run compiles anew.
        let pool = SharedValue(try Tensor(zeros: [1]), name: "pool", resizable: true)
        let f = try Function(inputs: [], outputs: [try T.sum(T.add(pool.node, 1))],
                             updates: [(pool, try T.concatenate([pool.node, Node.constant(Check.floats([2]))]))])
        #expect(try f([], times: 3)[0].scalars == [1 + 3 + 3])  // the third run sees [0, 2, 2]
        #expect(pool.value.scalars == [0, 2, 2, 2])
    }

    @Test func updatesReadOldValuesOfEveryShared() throws {
        let a = SharedValue(Check.floats([1]), name: "a"), b = SharedValue(Check.floats([2]), name: "b")
        let f = try Function(inputs: [], outputs: [], updates: [(a, b.node), (b, try T.add(a.node, b.node))])
        _ = try f([])
        #expect(a.value.scalars == [2] && b.value.scalars == [3])
        _ = try f([])
        #expect(a.value.scalars == [3] && b.value.scalars == [5])
    }

    @Test func updateSwapExchangesTwoSharedValues() throws {
        let a = SharedValue(Check.floats([1, 2, 3]), name: "a"), b = SharedValue(Check.floats([4, 5, 6]), name: "b")
        let f = try Function(inputs: [], outputs: [try T.sub(a.node, b.node)], updates: [(a, b.node), (b, a.node)])
        #expect(try f([])[0].scalars == [-3, -3, -3])
        #expect(a.value.scalars == [4, 5, 6] && b.value.scalars == [1, 2, 3])
        #expect(try f([])[0].scalars == [3, 3, 3])
        #expect(a.value.scalars == [1, 2, 3] && b.value.scalars == [4, 5, 6])
    }

    @Test func updateFromAReshapedOrTransposedSharedIsStaged() throws {
        let a = SharedValue(Check.floats([1, 2, 3, 4], [2, 2]), name: "a"), b = SharedValue(Check.floats([5, 6, 7, 8], [2, 2]), name: "b")
        let f = try Function(inputs: [], outputs: [], updates: [(a, try T.reshape(b.node, [2, 2])), (b, try T.transpose(a.node))])
        _ = try f([])
        #expect(a.value.scalars == [5, 6, 7, 8])
        #expect(b.value.scalars == [1, 3, 2, 4])
    }

    @Test func updateWithConstantAndWithInputValue() throws {
        let x = Node.input("x", shape: [2])
        let a = SharedValue(Check.floats([1, 2]), name: "a"), b = SharedValue(Check.floats([0, 0]), name: "b")
        let f = try Function(inputs: [x], outputs: [], updates: [(a, try T.zerosLike(a.node)), (b, x)])
        _ = try f([Check.floats([7, 8])])
        #expect(a.value.scalars == [0, 0] && b.value.scalars == [7, 8])
        _ = try f([Check.floats([9, 10])])
        #expect(b.value.scalars == [9, 10])
    }

    @Test func updateOfWrongShapeOrDtypeThrows() throws {
        let a = SharedValue(Check.floats([1, 2]), name: "a")
        #expect(Check.error { try Function(inputs: [], outputs: [], updates: [(a, Node.constant(Check.ints([1, 2])))]) }?.kind == .dtype)
        #expect(Check.error { try Function(inputs: [], outputs: [], updates: [(a, try T.sum(a.node))]) }?.kind == .dtype)
        let f = try Function(inputs: [], outputs: [], updates: [(a, Node.constant(Check.floats([1, 2, 3])))])
        #expect(Check.error { try f([]) }?.kind == .shape)
        #expect(a.value.scalars == [1, 2])
        #expect(Check.error { try Function(inputs: [], outputs: [], updates: [(a, a.node), (a, a.node)]) }?.kind == .invalidArgument)
    }

    @Test func returnedOutputsAreIndependentCopies() throws {
        let x = Node.input("x", shape: [2])
        let f = try Function(inputs: [x], outputs: [try T.mul(x, 2), x])
        let first = try f([Check.floats([1, 2])])
        let second = try f([Check.floats([3, 4])])
        #expect(first[0].scalars == [2, 4] && first[1].scalars == [1, 2])
        #expect(second[0].scalars == [6, 8] && second[1].scalars == [3, 4])
        first[0].floats[0] = 100
        #expect(try f([Check.floats([3, 4])])[0].scalars == [6, 8])
    }

    @Test func planCachePerInputShapeGivesCorrectResultsWhenShapesAlternate() throws {
        let x = Node.input("x", shape: [nil, 3])
        let w = SharedValue(Check.random([3, 2], seed: 111), name: "w")
        let f = try Function(inputs: [x], outputs: [try T.sum(T.tanh(T.dot(x, w.node)), axes: [1])])
        let small = Check.random([2, 3], seed: 112), big = Check.random([5, 3], seed: 113)
        let g = try Function(inputs: [x], outputs: [try T.sum(T.tanh(T.dot(x, w.node)), axes: [1])])
        let refSmall = try g([small])[0].scalars
        let h = try Function(inputs: [x], outputs: [try T.sum(T.tanh(T.dot(x, w.node)), axes: [1])])
        let refBig = try h([big])[0].scalars
        for _ in 0..<5 {
            let a = try f([small])[0], b = try f([big])[0]
            #expect(a.shape == [2] && a.scalars == refSmall)
            #expect(b.shape == [5] && b.scalars == refBig)
        }
        #expect(try f.outputShapes(for: [[7, 3]]).map(\.0) == [[7]])
        #expect(try f([small])[0].scalars == refSmall)
    }

    @Test func sharedSetWithSameShapeIsSeenByCompiledPlan() throws {
        let w = SharedValue(Check.floats([1, 2]), name: "w")
        let f = try Function(inputs: [], outputs: [try T.mul(w.node, 2)])
        #expect(try f([])[0].scalars == [2, 4])
        try w.set(Check.floats([5, 6]))
        #expect(try f([])[0].scalars == [10, 12])
    }

    @Test func sharedSetWithNewShapeRecompiles() throws {
        let x = Node.input("x", shape: [nil, nil])
        let w = SharedValue(Check.floats([1, 2, 3, 4, 5, 6], [3, 2]), name: "w")
        let f = try Function(inputs: [x], outputs: [try T.dot(x, w.node)], updates: [(w, try T.mul(w.node, 1))])
        #expect(try f([Check.floats([1, 1, 1], [1, 3])])[0].scalars == [9, 12])
        try w.set(Check.floats([1, 2, 3, 4], [2, 2]))
        #expect(w.shape == [2, 2])
        #expect(try f([Check.floats([1, 1], [1, 2])])[0].scalars == [4, 6])
        #expect(w.value.scalars == [1, 2, 3, 4])
        // The old shape is now a mismatch inside the graph.
        #expect(Check.error { try f([Check.floats([1, 1, 1], [1, 3])]) }?.kind == .shape)
    }

    @Test func sharedSetRejectsOtherDtypeOrRank() throws {
        let w = SharedValue(Check.floats([1, 2]), name: "w")
        #expect(Check.error { try w.set(Check.ints([1, 2])) }?.kind == .dtype)
        #expect(Check.error { try w.set(Check.floats([1, 2], [1, 2])) }?.kind == .shape)
        #expect(w.value.scalars == [1, 2])
    }

    @Test func sharedValueIsCopiedOnCreationAndRead() throws {
        let t = Check.floats([1, 2])
        let w = SharedValue(t)
        t.floats[0] = 99
        #expect(w.value.scalars == [1, 2])
        let v = w.value
        v.floats[0] = 42
        #expect(w.value.scalars == [1, 2])
    }

    @Test func evaluateComputesConstantGraphs() throws {
        let out = try evaluate([try T.add(Node.constant(Check.floats([1, 2])), 3), try T.sum(Node.constant(Check.ints([1, 2, 3])))])
        #expect(out[0].scalars == [4, 5])
        #expect(out[1].dtype == .int32 && out[1].scalars == [6])
    }

    @Test func sameNodeListedTwiceAsOutput() throws {
        let x = Node.input("x", shape: [2])
        let y = try T.exp(x)
        let f = try Function(inputs: [x], outputs: [y, y, x])
        let out = try f([Check.floats([0, 1])])
        #expect(out[0].scalars == out[1].scalars)
        #expect(out[2].scalars == [0, 1])
    }
}

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
