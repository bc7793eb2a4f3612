import AgentNet
import AgentNetTestSupport
import Testing

/// A compiled function's updates: applied after the outputs are computed, all reading the old values (swaps, staged
/// reshapes and transposes), repeated runs in one call, shared values that grow, and updates of the wrong shape or
/// dtype.
@Suite struct FunctionUpdateTests {
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
}
