import AgentNet
import AgentNetTestSupport
import Testing

/// Setting and reading a shared value: a new value of the same shape is seen by a compiled plan, a new shape makes
/// it recompile, another dtype or rank is refused, and values are copied in and out.
@Suite struct SharedValueSetTests {
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
}
