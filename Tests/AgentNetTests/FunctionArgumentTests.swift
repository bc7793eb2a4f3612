import AgentNet
import AgentNetTestSupport
import Testing

/// Compiled functions (Sources/AgentNet/Graph/Function.swift) checking what they are given: inputs at construction
/// (missing, not inputs, duplicated), and at each call the argument count, shapes, dtypes and finiteness, named by
/// input; a call that fails, before or while it runs, leaves every shared value unchanged.
@Suite struct FunctionArgumentTests {
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
}
