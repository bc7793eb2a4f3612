@testable import AgentNet
import AgentNetTestSupport
import Testing

private func iota(_ shape: [Int]) -> Tensor { Check.floats((0..<shape.reduce(1, *)).map(Float.init), shape) }
private func slice(_ x: Node, _ items: [SliceItem]) throws -> Node { try Node.make(SliceOp(items: items), [x]) }
private func r(_ start: Int? = nil, _ stop: Int? = nil, _ step: Int = 1) -> SliceItem { .range(start: start, stop: stop, step: step) }
private func take(_ x: Node, _ isArray: [Bool], _ idx: [Node]) throws -> Node { try Node.make(AdvancedIndexOp(isArray: isArray), [x] + idx) }
private func arangeOf(_ x: Node, axis: Int) throws -> Node {
    try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), T.index(T.shape(x), axis), Node.intScalar(1)])
}

@Suite struct SliceTests {
    /// x = arange(12).reshape(3, 4)
    static let x = iota([3, 4])

    @Test func integerIndexDropsTheAxis() throws {
        let out = try Check.eval([Self.x]) { i in
            [try slice(i[0], [.index(1)]), try slice(i[0], [.index(-1)]), try slice(i[0], [r(), .index(2)]), try slice(i[0], [.index(2), .index(-3)])]
        }
        #expect(out[0].shape == [4] && out[0].scalars == [4, 5, 6, 7])
        #expect(out[1].scalars == [8, 9, 10, 11])
        #expect(out[2].shape == [3] && out[2].scalars == [2, 6, 10])
        #expect(out[3].shape == [] && out[3].scalars == [9])
    }

    @Test func rangesWithPositiveSteps() throws {
        let out = try Check.eval([Self.x]) { i in
            [try slice(i[0], [r(), r(1, 3)]), try slice(i[0], [r(1)]), try slice(i[0], [r(nil, nil, 2), r(nil, nil, 3)]),
             try slice(i[0], [r(-2), r(-3, -1)]), try slice(i[0], [r(1, 100), r(-100, 2)])]
        }
        #expect(out[0].shape == [3, 2] && out[0].scalars == [1, 2, 5, 6, 9, 10])
        #expect(out[1].shape == [2, 4] && out[1].scalars == [4, 5, 6, 7, 8, 9, 10, 11])
        #expect(out[2].shape == [2, 2] && out[2].scalars == [0, 3, 8, 11])
        #expect(out[3].shape == [2, 2] && out[3].scalars == [5, 6, 9, 10])
        #expect(out[4].shape == [2, 2] && out[4].scalars == [4, 5, 8, 9])
    }

    @Test func rangesWithNegativeSteps() throws {
        let out = try Check.eval([Self.x]) { i in
            [try slice(i[0], [r(nil, nil, -1)]), try slice(i[0], [r(), r(nil, nil, -2)]), try slice(i[0], [.index(0), r(2, 0, -1)]),
             try slice(i[0], [r(-1, -4, -1), r(3, nil, -3)]), try slice(i[0], [.index(1), r(100, -100, -1)])]
        }
        #expect(out[0].shape == [3, 4] && out[0].scalars == [8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3])
        #expect(out[1].shape == [3, 2] && out[1].scalars == [3, 1, 7, 5, 11, 9])
        #expect(out[2].shape == [2] && out[2].scalars == [2, 1])
        #expect(out[3].shape == [3, 2] && out[3].scalars == [11, 8, 7, 4, 3, 0])
        #expect(out[4].scalars == [7, 6, 5, 4])
    }

    @Test func emptySlicesHaveZeroLength() throws {
        let out = try Check.eval([Self.x]) { i in
            [try slice(i[0], [r(2, 1)]), try slice(i[0], [r(), r(1, 3, -1)]), try slice(i[0], [r(5)])]
        }
        #expect(out[0].shape == [0, 4])
        #expect(out[1].shape == [3, 0])
        #expect(out[2].shape == [0, 4])
    }

    @Test func outOfRangeIntegerIndexThrows() throws {
        let s = Node.input("s", shape: [3, 4])
        #expect(Check.error { try slice(s, [.index(3)]) }?.kind == .index)
        #expect(Check.error { try slice(s, [r(), .index(-5)]) }?.kind == .index)
        #expect(Check.error { try slice(s, [r(), r(), .index(0)]) }?.kind == .shape)
        let d = Node.input("d", shape: [nil, 4])
        let f = try Function(inputs: [d], outputs: [try slice(d, [.index(3)])])
        #expect(Check.error { try f([iota([3, 4])]) }?.kind == .index)
        #expect(try f([iota([4, 4])])[0].scalars == [12, 13, 14, 15])
    }

    @Test func zeroStepThrows() {
        let s = Node.input("s", shape: [3, 4])
        #expect(Check.error { try slice(s, [r(nil, nil, 0)]) } != nil)
    }

    @Test(arguments: [
        [SliceItem.index(1)], [.range(start: nil, stop: nil, step: -1)], [.range(start: nil, stop: nil, step: 1), .range(start: 3, stop: 0, step: -2)],
        [.range(start: 1, stop: nil, step: 1), .index(-1)], [.range(start: -1, stop: nil, step: -2), .range(start: 1, stop: 3, step: 1)],
    ])
    func sliceGradient(_ items: [SliceItem]) throws {
        let x = Check.random([3, 4], seed: 51)
        let err = try Check.gradientError([x]) { try Check.probe(slice($0[0], items)) }
        #expect(err < 1e-2)
    }

    @Test func sliceGradientIsZeroOutsideTheSlice() throws {
        let x = Node.input("x", shape: [3, 4])
        let f = try Function(inputs: [x], outputs: try grad(T.sum(slice(x, [r(nil, nil, -2), r(1, 3)])), wrt: [x]))
        #expect(try f([Self.x])[0].scalars == [0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0])
    }
}

@Suite struct AdvancedIndexTests {
    /// q = arange(12).reshape(4, 3): Q-values of 4 states x 3 actions.
    static let q = iota([4, 3])

    @Test func qOfArangeAndActionsPicksOnePerRow() throws {
        let out = try Check.eval1([Self.q, Check.ints([2, 0, 1, 2])]) { i in try take(i[0], [true, true], [arangeOf(i[0], axis: 0), i[1]]) }
        #expect(out.shape == [4])
        #expect(out.scalars == [2, 3, 7, 11])
    }

    @Test func negativeIndicesCountFromTheEnd() throws {
        let out = try Check.eval1([Self.q, Check.ints([-1, -3, 0, -2])]) { i in try take(i[0], [true, true], [arangeOf(i[0], axis: 0), i[1]]) }
        #expect(out.scalars == [2, 3, 6, 10])
    }

    @Test func takeAlongAxisOneWithVectorAndMatrixIndices() throws {
        let out = try Check.eval([Self.q, Check.ints([2, 0]), Check.ints([0, 1, 1, 2], [2, 2])]) { i in
            [try take(i[0], [false, true], [i[1]]), try take(i[0], [false, true], [i[2]]), try take(i[0], [true], [i[1]])]
        }
        #expect(out[0].shape == [4, 2] && out[0].scalars == [2, 0, 5, 3, 8, 6, 11, 9])
        #expect(out[1].shape == [4, 2, 2])
        #expect(out[1].scalars == [0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11])
        #expect(out[2].shape == [2, 3] && out[2].scalars == [6, 7, 8, 0, 1, 2])
    }

    @Test func boolIndexArraysActAsIntegers() throws {
        let out = try Check.eval1([Self.q, Check.bools([true, false])]) { i in try take(i[0], [true], [i[1]]) }
        #expect(out.shape == [2, 3] && out.scalars == [3, 4, 5, 0, 1, 2])
    }

    @Test func indexArraysBroadcastTogether() throws {
        // q[[[0], [3]], [0, 2]] -> shape (2, 2)
        let out = try Check.eval1([Self.q, Check.ints([0, 3], [2, 1]), Check.ints([0, 2])]) { i in try take(i[0], [true, true], [i[1], i[2]]) }
        #expect(out.shape == [2, 2] && out.scalars == [0, 2, 9, 11])
    }

    @Test func nonAdjacentIndexArraysPutTheBroadcastShapeFirst() throws {
        // numpy: x[[0, 1], :, [3, 0]] for x of shape (2, 3, 4) has shape (2, 3)
        let x = iota([2, 3, 4])
        let out = try Check.eval1([x, Check.ints([0, 1]), Check.ints([3, 0])]) { i in try take(i[0], [true, false, true], [i[1], i[2]]) }
        #expect(out.shape == [2, 3])
        #expect(out.scalars == [3, 7, 11, 12, 16, 20])
    }

    @Test func middleAxisIndexKeepsSurroundingAxes() throws {
        // numpy: x[:, [2, 0]] for x of shape (2, 3, 4) has shape (2, 2, 4)
        let x = iota([2, 3, 4])
        let out = try Check.eval1([x, Check.ints([2, 0])]) { i in try take(i[0], [false, true], [i[1]]) }
        #expect(out.shape == [2, 2, 4])
        #expect(out.scalars == [8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15])
    }

    @Test func intAndBoolTensorsCanBeIndexed() throws {
        let out = try Check.eval([Check.ints([5, 6, 7]), Check.bools([true, false, true]), Check.ints([2, 2, 0])]) { i in
            [try take(i[0], [true], [i[2]]), try take(i[1], [true], [i[2]])]
        }
        #expect(out[0].dtype == .int32 && out[0].scalars == [7, 7, 5])
        #expect(out[1].dtype == .bool && out[1].scalars == [1, 1, 1])
    }

    @Test(arguments: [Int32(3), -4, 100])
    func outOfRangeIndexThrowsIndexError(_ bad: Int32) throws {
        let q = Node.input("q", shape: [nil, 3]), a = Node.input("a", dtype: .int32, shape: [nil])
        let f = try Function(inputs: [q, a], outputs: [try take(q, [true, true], [arangeOf(q, axis: 0), a])])
        let e = Check.error { try f([Self.q, Check.ints([0, 1, bad, 2])]) }
        #expect(e?.kind == .index)
        #expect(e?.message.contains("out of bounds") == true)
        // The function still works afterwards.
        #expect(try f([Self.q, Check.ints([0, 1, 2, 0])])[0].scalars == [0, 4, 8, 9])
    }

    @Test func floatIndexArrayThrowsDtypeError() {
        let q = Node.input("q", shape: [4, 3]), a = Node.input("a", shape: [4])
        #expect(Check.error { try take(q, [false, true], [a]) }?.kind == .dtype)
    }

    @Test func incompatibleIndexShapesThrow() {
        let q = Node.input("q", shape: [4, 3])
        let a = Node.input("a", dtype: .int32, shape: [2]), b = Node.input("b", dtype: .int32, shape: [3])
        #expect(Check.error { try take(q, [true, true], [a, b]) }?.kind == .shape)
    }

    @Test func gradientOfAdvancedIndexMatchesFiniteDifferences() throws {
        let x = Check.random([4, 3], seed: 61)
        let actions = Node.constant(Check.ints([2, 0, 1, 2]))
        #expect(try Check.gradientError([x]) { i in try Check.probe(take(i[0], [true, true], [arangeOf(i[0], axis: 0), actions])) } < 1e-2)
        let cols = Node.constant(Check.ints([0, 2, 2, -1], [2, 2]))
        #expect(try Check.gradientError([x]) { i in try Check.probe(take(i[0], [false, true], [cols])) } < 1e-2)
        let x3 = Check.random([2, 3, 4], seed: 62)
        let i0 = Node.constant(Check.ints([0, 1, 1])), i2 = Node.constant(Check.ints([3, 0, 3]))
        #expect(try Check.gradientError([x3]) { i in try Check.probe(take(i[0], [true, false, true], [i0, i2])) } < 1e-2)
    }

    @Test func repeatedIndicesAccumulateGradient() throws {
        let x = Node.input("x", shape: [3, 2])
        let idx = Node.constant(Check.ints([0, 2, 0, 0]))
        let f = try Function(inputs: [x], outputs: try grad(T.sum(take(x, [true], [idx])), wrt: [x]))
        #expect(try f([iota([3, 2])])[0].scalars == [3, 3, 0, 0, 1, 1])
    }

    @Test func gradientDoesNotFlowIntoIndices() throws {
        let x = Node.input("x", shape: [3]), idx = Node.input("i", dtype: .int32, shape: [2])
        #expect(Check.error { try grad(T.sum(take(x, [true], [idx])), wrt: [idx]) }?.kind == .dtype)
        let g = try grad(T.sum(take(x, [true], [idx])), wrt: [x])
        let f = try Function(inputs: [x, idx], outputs: g)
        #expect(try f([Check.floats([1, 2, 3]), Check.ints([1, 1])])[0].scalars == [0, 2, 0])
    }
}

@Suite struct OneHotTests {
    @Test func oneHotOfIntVectorAndMatrix() throws {
        let out = try Check.eval([Check.ints([0, 2, 1]), Check.ints([1, 0, 3, 3], [2, 2])]) { i in
            [try Node.make(OneHotOp(depth: 3), [i[0]]), try Node.make(OneHotOp(depth: 4), [i[1]])]
        }
        #expect(out[0].dtype == .float32 && out[0].shape == [3, 3])
        #expect(out[0].scalars == [1, 0, 0, 0, 0, 1, 0, 1, 0])
        #expect(out[1].shape == [2, 2, 4])
        #expect(out[1].scalars == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    @Test func oneHotOutOfRangeThrowsIndexError() throws {
        let a = Node.input("a", dtype: .int32, shape: [nil])
        let f = try Function(inputs: [a], outputs: [try Node.make(OneHotOp(depth: 3), [a])])
        #expect(Check.error { try f([Check.ints([0, 3])]) }?.kind == .index)
        #expect(Check.error { try f([Check.ints([-1])]) }?.kind == .index)
        #expect(try f([Check.ints([2])])[0].scalars == [0, 0, 1])
    }

    @Test func oneHotOfFloatThrowsDtypeError() {
        let x = Node.input("x", shape: [3])
        #expect(Check.error { try Node.make(OneHotOp(depth: 3), [x]) }?.kind == .dtype)
    }

    @Test func oneHotTimesQValuesSelectsActions() throws {
        // The Lasagne idiom: sum(q * one_hot(a), axis=1) equals q[arange, a], and its gradient reaches q.
        let q = Check.random([4, 3], seed: 71)
        let a = Node.constant(Check.ints([2, 0, 1, 2]))
        let err = try Check.gradientError([q]) { i in
            try Check.probe(T.sum(T.mul(i[0], Node.make(OneHotOp(depth: 3), [a])), axes: [1]))
        }
        #expect(err < 1e-2)
        let out = try Check.eval1([q]) { i in try T.sum(T.mul(i[0], Node.make(OneHotOp(depth: 3), [a])), axes: [1]) }
        let qs = q.scalars
        #expect(out.scalars == [qs[2], qs[3], qs[7], qs[11]])
    }
}
