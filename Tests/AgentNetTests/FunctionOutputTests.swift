import AgentNet
import AgentNetTestSupport
import Testing

/// A compiled function's outputs: independent copies, one node listed twice, the plan cached per input shape giving
/// the same results when shapes alternate, and `evaluate` on constant graphs.
@Suite struct FunctionOutputTests {
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

    @Test func sameNodeListedTwiceAsOutput() throws {
        let x = Node.input("x", shape: [2])
        let y = try T.exp(x)
        let f = try Function(inputs: [x], outputs: [y, y, x])
        let out = try f([Check.floats([0, 1])])
        #expect(out[0].scalars == out[1].scalars)
        #expect(out[2].scalars == [0, 1])
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

    @Test func evaluateComputesConstantGraphs() throws {
        let out = try evaluate([try T.add(Node.constant(Check.floats([1, 2])), 3), try T.sum(Node.constant(Check.ints([1, 2, 3])))])
        #expect(out[0].scalars == [4, 5])
        #expect(out[1].dtype == .int32 && out[1].scalars == [6])
    }
}
