@testable import AgentNet
import AgentNetTestSupport
import Testing

private func iota(_ shape: [Int]) -> Tensor { Check.floats((0..<shape.reduce(1, *)).map(Float.init), shape) }

/// numpy-style transpose of a row-major array by a permutation, as the reference for dimshuffle.
private func permuted(_ v: [Float], _ shape: [Int], _ perm: [Int]) -> [Float] {
    let strides = contiguousStrides(shape)
    let outShape = perm.map { shape[$0] }
    let outStrides = contiguousStrides(outShape)
    return (0..<v.count).map { o in
        var src = 0
        for (d, p) in perm.enumerated() { src += (o / outStrides[d]) % outShape[d] * strides[p] }
        return v[src]
    }
}

@Suite struct ShapeForwardTests {
    @Test func reshapeWithMinusOneInfersTheMissingDimension() throws {
        let x = iota([2, 3, 4])
        let out = try Check.eval([x]) { i in
            [try T.reshape(i[0], [4, -1]), try T.reshape(i[0], [-1]), try T.reshape(i[0], [2, -1, 2]), try T.reshape(i[0], [24, 1])]
        }
        #expect(out[0].shape == [4, 6])
        #expect(out[1].shape == [24])
        #expect(out[2].shape == [2, 6, 2])
        #expect(out[3].shape == [24, 1])
        #expect(out.allSatisfy { $0.scalars == x.scalars })
    }

    @Test func reshapeStaticShapeIsInferredWhenInputShapeIsKnown() throws {
        let x = Node.input("x", shape: [2, 3, 4])
        #expect(try T.reshape(x, [4, -1]).shape == [4, 6])
        let y = Node.input("y", shape: [nil, 4])
        #expect(try T.reshape(y, [-1, 2]).shape == [nil, 2])
    }

    @Test func reshapeToScalarAndFromEmpty() throws {
        let s = try Check.eval1([Check.floats([7], [1, 1])]) { try T.reshape($0[0], [Int]()) }
        #expect(s.shape == [] && s.scalars == [7])
        let e = try Check.eval1([Check.floats([], [0, 3])]) { try T.reshape($0[0], [3, 0]) }
        #expect(e.shape == [3, 0])
    }

    @Test func invalidReshapeThrowsShapeError() throws {
        let x = Node.input("x", shape: [2, 3])
        #expect(Check.error { try T.reshape(x, [4, -1]) }?.kind == .shape)
        #expect(Check.error { try T.reshape(x, [-1, -1]) }?.kind == .shape)
        #expect(Check.error { try T.reshape(x, [5]) }?.kind == .shape)
        let d = Node.input("d", shape: [nil, 3])
        let f = try Function(inputs: [d], outputs: [try T.reshape(d, [-1, 4])])
        #expect(Check.error { try f([iota([3, 3])]) }?.kind == .shape)
        #expect(try f([iota([4, 3])])[0].shape == [3, 4])
    }

    @Test func dimshuffleInsertsBroadcastableAxes() throws {
        let v = Check.floats([1, 2, 3])
        let out = try Check.eval([v]) { i in
            [try T.dimshuffle(i[0], [-1, 0]), try T.dimshuffle(i[0], [0, -1]), try T.dimshuffle(i[0], [-1, 0, -1]), try T.expandDims(i[0], 1)]
        }
        #expect(out.map(\.shape) == [[1, 3], [3, 1], [1, 3, 1], [3, 1]])
        #expect(out.allSatisfy { $0.scalars == [1, 2, 3] })
    }

    @Test(arguments: [[0, 1, 2], [2, 0, 1], [1, 0, 2], [0, 2, 1], [2, 1, 0], [1, 2, 0]])
    func dimshufflePermutesAxesLikeNumpyTranspose(_ perm: [Int]) throws {
        let x = iota([2, 3, 4])
        let out = try Check.eval1([x]) { try T.dimshuffle($0[0], perm) }
        #expect(out.shape == perm.map { [2, 3, 4][$0] })
        #expect(out.scalars == permuted(x.scalars, [2, 3, 4], perm))
    }

    @Test func dimshuffleCombinesPermutationAndNewAxes() throws {
        let x = iota([2, 3])
        let out = try Check.eval1([x]) { try T.dimshuffle($0[0], [1, -1, 0]) }
        #expect(out.shape == [3, 1, 2])
        #expect(out.scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func dimshuffleDropsLengthOneAxesOnly() throws {
        let out = try Check.eval1([Check.floats([1, 2, 3], [3, 1])]) { try T.dimshuffle($0[0], [0]) }
        #expect(out.shape == [3] && out.scalars == [1, 2, 3])
        let x = Node.input("x", shape: [3, 2])
        #expect(Check.error { try T.dimshuffle(x, [0]) }?.kind == .shape)
        #expect(Check.error { try T.dimshuffle(x, [0, 0]) }?.kind == .shape)
        #expect(Check.error { try T.dimshuffle(x, [0, 2]) }?.kind == .shape)
        let d = Node.input("d", shape: [nil, nil])
        let f = try Function(inputs: [d], outputs: [try T.dimshuffle(d, [0])])
        #expect(Check.error { try f([iota([3, 2])]) }?.kind == .shape)
    }

    @Test func transposeReversesAxesByDefault() throws {
        let x = iota([2, 3, 4])
        let out = try Check.eval([x]) { i in [try T.transpose(i[0]), try T.transpose(i[0], [1, 0, 2])] }
        #expect(out[0].shape == [4, 3, 2])
        #expect(out[0].scalars == permuted(x.scalars, [2, 3, 4], [2, 1, 0]))
        #expect(out[1].scalars == permuted(x.scalars, [2, 3, 4], [1, 0, 2]))
        let m = try Check.eval1([iota([2, 3])]) { try T.transpose($0[0]) }
        #expect(m.shape == [3, 2] && m.scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func flattenKeepsLeadingAxes() throws {
        let x = iota([2, 3, 4])
        let out = try Check.eval([x]) { i in [try T.flatten(i[0]), try T.flatten(i[0], ndim: 2), try T.flatten(i[0], ndim: 3)] }
        #expect(out.map(\.shape) == [[24], [2, 12], [2, 3, 4]])
        #expect(out.allSatisfy { $0.scalars == x.scalars })
        let n = Node.input("n", shape: [2, 3])
        #expect(Check.error { try T.flatten(n, ndim: 0) } != nil)
        #expect(Check.error { try T.flatten(n, ndim: 3) } != nil)
    }

    @Test func broadcastToAndBroadcastLike() throws {
        let out = try Check.eval([Check.floats([1, 2, 3]), Check.floats([1, 2], [2, 1]), iota([2, 3])]) { i in
            [try T.broadcastTo(i[0], Node.ints([2, 3])), try T.broadcastTo(i[1], Node.ints([2, 4])), try T.broadcastLike(i[0], i[2]),
             try T.broadcastTo(i[0], Node.ints([2, 1, 3]))]
        }
        #expect(out[0].shape == [2, 3] && out[0].scalars == [1, 2, 3, 1, 2, 3])
        #expect(out[1].shape == [2, 4] && out[1].scalars == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(out[2].shape == [2, 3] && out[2].scalars == [1, 2, 3, 1, 2, 3])
        #expect(out[3].shape == [2, 1, 3])
    }

    @Test func broadcastToIncompatibleShapeThrows() throws {
        let x = Node.input("x", shape: [nil])
        let f = try Function(inputs: [x], outputs: [try T.broadcastTo(x, Node.ints([2, 3]))])
        #expect(Check.error { try f([Check.floats([1, 2])]) }?.kind == .shape)
        let g = try Function(inputs: [x], outputs: [try T.broadcastTo(x, Node.ints([3, 1]))])
        #expect(Check.error { try g([Check.floats([1, 2])]) }?.kind == .shape)  // would need to shrink
        #expect(try f([Check.floats([5])])[0].scalars == [5, 5, 5, 5, 5, 5])
    }

    @Test func sumLikeOverLongRunsMatchesFloat64() throws {
        // A conv bias gradient: [2, 3, 5, 9] → [1, 3, 1, 1], runs of 45 (vector lanes plus a scalar tail).
        let g = Check.random([2, 3, 5, 9], seed: 31)
        let out = try Check.eval1([g, Check.floats([0, 0, 0], [1, 3, 1, 1])]) { i in try Node.make(SumLikeOp(), [i[0], i[1]]) }
        var ref = [Double](repeating: 0, count: 3)
        for (k, v) in g.scalars.enumerated() { ref[(k / 45) % 3] += Double(v) }
        #expect(out.shape == [1, 3, 1, 1] && Check.same(out.scalars, ref.map { Float($0) }))
    }

    @Test func sumLikeUndoesBroadcasting() throws {
        let g = iota([2, 3, 4])
        let out = try Check.eval([g, Check.floats([0, 0, 0], [3, 1]), Check.floats([0, 0, 0, 0]), Check.floats([0], [])]) { i in
            [try Node.make(SumLikeOp(), [i[0], i[1]]), try Node.make(SumLikeOp(), [i[0], i[2]]), try Node.make(SumLikeOp(), [i[0], i[3]]),
             try Node.make(SumLikeOp(), [i[0], i[0]])]
        }
        var rows: [Float] = [0, 0, 0], cols: [Float] = [0, 0, 0, 0]
        for (k, v) in g.scalars.enumerated() { rows[(k / 4) % 3] += v; cols[k % 4] += v }
        #expect(out[0].shape == [3, 1] && out[0].scalars == rows)
        #expect(out[1].shape == [4] && out[1].scalars == cols)
        #expect(out[2].shape == [] && out[2].scalars == [276])
        #expect(out[3].scalars == g.scalars)
    }

    @Test func concatenateAlongEachAxis() throws {
        let a = iota([2, 3]), b = Check.floats([10, 11, 12], [1, 3]), c = Check.floats([20, 21], [2, 1])
        let out = try Check.eval([a, b, c]) { i in
            [try T.concatenate([i[0], i[1]], axis: 0), try T.concatenate([i[0], i[2], i[0]], axis: 1), try T.concatenate([i[0], i[2]], axis: -1),
             try T.concatenate([i[0]], axis: 0)]
        }
        #expect(out[0].shape == [3, 3] && out[0].scalars == [0, 1, 2, 3, 4, 5, 10, 11, 12])
        #expect(out[1].shape == [2, 7] && out[1].scalars == [0, 1, 2, 20, 0, 1, 2, 3, 4, 5, 21, 3, 4, 5])
        #expect(out[2].shape == [2, 4] && out[2].scalars == [0, 1, 2, 20, 3, 4, 5, 21])
        #expect(out[3].scalars == a.scalars)
    }

    @Test func concatenatePromotesDtypesAndAcceptsEmptyParts() throws {
        let out = try Check.eval1([Check.ints([1, 2]), Check.floats([0.5]), Check.floats([])]) {
            try T.concatenate([$0[0], $0[1], $0[2]])
        }
        #expect(out.dtype == .float32 && out.scalars == [1, 2, 0.5])
    }

    @Test func concatenateMismatchedShapesThrow() throws {
        let a = Node.input("a", shape: [2, 3]), b = Node.input("b", shape: [2, 4])
        #expect(Check.error { try T.concatenate([a, b], axis: 0) }?.kind == .shape)
        #expect(Check.error { try T.concatenate([a, b], axis: 2) }?.kind == .shape)
        #expect(Check.error { try T.concatenate([], axis: 0) } != nil)
        let d = Node.input("d", shape: [nil, nil])
        let f = try Function(inputs: [a, d], outputs: [try T.concatenate([a, d], axis: 0)])
        #expect(Check.error { try f([iota([2, 3]), iota([2, 4])]) }?.kind == .shape)
    }

    @Test func stackAddsAnAxis() throws {
        let a = Check.floats([1, 2, 3]), b = Check.floats([4, 5, 6])
        let out = try Check.eval([a, b]) { i in
            [try T.stack([i[0], i[1]]), try T.stack([i[0], i[1]], axis: 1), try T.stack([i[0], i[1]], axis: -1)]
        }
        #expect(out[0].shape == [2, 3] && out[0].scalars == [1, 2, 3, 4, 5, 6])
        #expect(out[1].shape == [3, 2] && out[1].scalars == [1, 4, 2, 5, 3, 6])
        #expect(out[2].scalars == out[1].scalars)
    }

    @Test func repeatRepeatsEachElementAlongAxis() throws {
        let x = Check.floats([1, 2, 3, 4], [2, 2])
        let out = try Check.eval([x]) { i in
            [try T.repeat_(i[0], 2, axis: 1), try T.repeat_(i[0], 3, axis: 0), try T.repeat_(i[0], 2, axis: -1), try T.repeat_(i[0], 0, axis: 0)]
        }
        #expect(out[0].shape == [2, 4] && out[0].scalars == [1, 1, 2, 2, 3, 3, 4, 4])
        #expect(out[1].shape == [6, 2] && out[1].scalars == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        #expect(out[2].scalars == out[0].scalars)
        #expect(out[3].shape == [0, 2])
    }

    @Test func tileRepeatsTheWholeArray() throws {
        let out = try Check.eval([Check.floats([1, 2]), Check.floats([1, 2, 3, 4], [2, 2])]) { i in
            [try T.tile(i[0], [3]), try T.tile(i[1], [2, 1]), try T.tile(i[1], [1, 2]), try T.tile(i[0], [2, 2]), try T.tile(i[1], [2])]
        }
        #expect(out[0].shape == [6] && out[0].scalars == [1, 2, 1, 2, 1, 2])
        #expect(out[1].shape == [4, 2] && out[1].scalars == [1, 2, 3, 4, 1, 2, 3, 4])
        #expect(out[2].shape == [2, 4] && out[2].scalars == [1, 2, 1, 2, 3, 4, 3, 4])
        #expect(out[3].shape == [2, 4] && out[3].scalars == [1, 2, 1, 2, 1, 2, 1, 2])
        #expect(out[4].shape == [2, 4] && out[4].scalars == [1, 2, 1, 2, 3, 4, 3, 4])  // numpy: reps shorter than rank pad with 1s
    }

    @Test func tileWithZeroRepsAndFlattenOfScalar() throws {
        let out = try Check.eval([Check.floats([1, 2]), Check.floats([3], [])]) { i in
            [try T.tile(i[0], [0]), try T.tile(i[0], [2, 0]), try T.flatten(i[1])]
        }
        #expect(out.map(\.shape) == [[0], [2, 0], [1]])
        #expect(out[2].scalars == [3])
    }

    @Test func emptyPartsGetEmptyGradients() throws {
        let x = Node.input("x", shape: [2, 2]), e = Node.input("e", shape: [0, 2])
        let g = try grad(T.sum(T.mul(T.concatenate([e, x, e], axis: 0), 2)), wrt: [x, e])
        let f = try Function(inputs: [x, e], outputs: g)
        let out = try f([Check.random([2, 2]), Check.floats([], [0, 2])])
        #expect(out[0].scalars == [2, 2, 2, 2])
        #expect(out[1].shape == [0, 2])
    }

    @Test func shapeOpGivesInt32Dimensions() throws {
        let out = try Check.eval1([iota([2, 3, 4])]) { try T.shape($0[0]) }
        #expect(out.dtype == .int32 && out.scalars == [2, 3, 4])
    }

    @Test func allocZerosLikeOnesLikeFillShapes() throws {
        let out = try Check.eval([iota([2, 3]), Check.ints([1, 2])]) { i in
            [try T.alloc(Float(2.5), Node.ints([2, 2])), try T.zerosLike(i[0]), try T.onesLike(i[0]), try T.zerosLike(i[1]),
             try T.alloc(Float(1), T.shape(i[0])), try T.alloc(7, Node.ints([3]))]
        }
        #expect(out[0].shape == [2, 2] && out[0].scalars == [2.5, 2.5, 2.5, 2.5])
        #expect(out[1].shape == [2, 3] && out[1].scalars == [0, 0, 0, 0, 0, 0])
        #expect(out[2].scalars == [1, 1, 1, 1, 1, 1])
        #expect(out[3].dtype == .int32 && out[3].scalars == [0, 0])
        #expect(out[4].shape == [2, 3])
        #expect(out[5].dtype == .int32 && out[5].scalars == [7, 7, 7])
    }

    @Test func allocWithNegativeDimensionOrNonScalarValueThrows() throws {
        let v = Node.input("v", shape: [2])
        #expect(Check.error { try T.alloc(v, Node.ints([2])) }?.kind == .shape)
        #expect(Check.error { try evaluate([try T.alloc(Float(1), Node.ints([-1, 2]))]) }?.kind == .shape)
    }

    @Test func arangeIntFloatNegativeStepAndEmpty() throws {
        func arange(_ a: NodeConvertible, _ b: NodeConvertible, _ s: NodeConvertible, _ d: DType) throws -> Node {
            try Node.make(ArangeOp(dtype: d), [a.node(), b.node(), s.node()])
        }
        let out = try evaluate([try arange(0, 5, 1, .int32), try arange(5, 0, -2, .int32), try arange(0.0, 1.0, 0.25, .float32),
                                try arange(3, 3, 1, .int32), try arange(3, 0, 1, .int32)])
        #expect(out[0].dtype == .int32 && out[0].scalars == [0, 1, 2, 3, 4])
        #expect(out[1].scalars == [5, 3, 1])
        #expect(out[2].dtype == .float32 && out[2].scalars == [0, 0.25, 0.5, 0.75])
        #expect(out[3].shape == [0])
        #expect(out[4].shape == [0])
        #expect(Check.error { try arange(0, 5, 0, .int32) } != nil)
    }

    @Test func arangeFromAShapeIsResolvedAtCompileTime() throws {
        let x = Node.input("x", shape: [nil, 2])
        let r = try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), T.index(T.shape(x), 0), Node.intScalar(1)])
        #expect(r.shape == [nil])
        let f = try Function(inputs: [x], outputs: [r])
        #expect(try f([iota([4, 2])])[0].scalars == [0, 1, 2, 3])
        #expect(try f([iota([2, 2])])[0].scalars == [0, 1])
    }

    @Test func stopGradientAndGradClip() throws {
        let x = Node.input("x", shape: [3])
        let f = try Function(inputs: [x], outputs: [
            try T.stopGradient(x),
            try grad(T.sum(T.mul(x, T.stopGradient(x))), wrt: [x])[0],
            try grad(T.sum(T.mul(T.gradClip(x, -1, 1), 5)), wrt: [x])[0],
            try grad(T.sum(T.mul(T.gradClip(x, -1, 1), -0.5)), wrt: [x])[0],
        ])
        let out = try f([Check.floats([1, -2, 3])])
        #expect(out[0].scalars == [1, -2, 3])
        #expect(out[1].scalars == [1, -2, 3])
        #expect(out[2].scalars == [1, 1, 1])
        #expect(out[3].scalars == [-0.5, -0.5, -0.5])
        #expect(Check.error { try T.gradClip(x, 1, -1) } != nil)
    }
}

@Suite struct ShapeGradientTests {
    @Test func reshapeAndFlattenGradients() throws {
        let x = Check.random([2, 3, 4], seed: 31)
        #expect(try Check.gradientError([x]) { try Check.probe(T.reshape($0[0], [4, -1])) } < 1e-2)
        #expect(try Check.gradientError([x]) { try Check.probe(T.flatten($0[0], ndim: 2)) } < 1e-2)
    }

    @Test(arguments: [[2, 0, 1], [1, 0, 2], [0, -1, 2, 1], [-1, 2, 1, 0]])
    func dimshuffleGradient(_ pattern: [Int]) throws {
        let x = Check.random([2, 3, 4], seed: 32)
        let err = try Check.gradientError([x]) { try Check.probe(T.dimshuffle($0[0], pattern)) }
        #expect(err < 1e-2)
    }

    @Test func dropAxisAndTransposeGradients() throws {
        let x = Check.random([3, 1], seed: 33)
        #expect(try Check.gradientError([x]) { try Check.probe(T.dimshuffle($0[0], [0])) } < 1e-2)
        #expect(try Check.gradientError([Check.random([2, 3], seed: 34)]) { try Check.probe(T.transpose($0[0])) } < 1e-2)
    }

    @Test func broadcastGradientsSumOverBroadcastAxes() throws {
        let v = Check.random([3], seed: 35), c = Check.random([2, 1], seed: 36), like = Check.random([4, 2, 3], seed: 37)
        #expect(try Check.gradientError([v]) { try Check.probe(T.broadcastTo($0[0], Node.ints([2, 3]))) } < 1e-2)
        #expect(try Check.gradientError([c]) { try Check.probe(T.broadcastTo($0[0], Node.ints([4, 2, 5]))) } < 1e-2)
        #expect(try Check.gradientError([v, like]) { try Check.probe(T.add(T.broadcastLike($0[0], $0[1]), $0[1])) } < 1e-2)
    }

    @Test func sumLikeGradientBroadcastsBack() throws {
        let g = Check.random([2, 3, 4], seed: 38)
        let err = try Check.gradientError([g]) { i in
            try Check.probe(Node.make(SumLikeOp(), [i[0], Node.constant(Check.floats([0, 0, 0], [3, 1]))]))
        }
        #expect(err < 1e-2)
    }

    @Test func concatenateAndStackGradients() throws {
        let a = Check.random([2, 3], seed: 39), b = Check.random([2, 1], seed: 40), c = Check.random([2, 2], seed: 41)
        #expect(try Check.gradientError([a, b, c]) { try Check.probe(T.concatenate($0, axis: 1)) } < 1e-2)
        #expect(try Check.gradientError([a, a]) { try Check.probe(T.concatenate($0, axis: 0)) } < 1e-2)
        #expect(try Check.gradientError([a, Check.random([2, 3], seed: 42)]) { try Check.probe(T.stack($0, axis: 1)) } < 1e-2)
    }

    /// Each part of a concatenate's gradient reads g and its own input only when the sizes along the axis are static
    /// (a 300-way stack has ~600 gradient edges, not 90 000), and reads every input for its run-time offset when
    /// they are not; both give g's slices.
    @Test func concatenateGradientOffsetsStaticAndDynamic() throws {
        let r = Check.random([2, 6], seed: 44)
        for dynamic in [false, true] {
            let xs = [3, 1, 2].enumerated().map { Node.input("x\($0.offset)", shape: [2, dynamic ? nil : $0.element]) }
            let gs = try grad(T.sum(T.mul(T.concatenate(xs, axis: 1), Node.constant(r))), wrt: xs)
            let parts = topologicalOrder(gs).filter { $0.op is ConcatPartOp }
            #expect(parts.count == 3 && parts.allSatisfy { $0.inputs.count == (dynamic ? 4 : 2) })
            let outs = try Function(inputs: xs, outputs: gs)([Check.random([2, 3]), Check.random([2, 1]), Check.random([2, 2])])
            let rows = r.scalars
            #expect(outs[0].scalars == [rows[0], rows[1], rows[2], rows[6], rows[7], rows[8]])
            #expect(outs[1].scalars == [rows[3], rows[9]])
            #expect(outs[2].scalars == [rows[4], rows[5], rows[10], rows[11]])
        }
        let hs = (0..<300).map { Node.input("h\($0)", shape: [4, 8]) }
        let gs = try grad(T.sum(T.stack(hs, axis: 1)), wrt: hs)
        let edges = topologicalOrder(gs).reduce(0) { $0 + $1.inputs.count }
        #expect(edges < 3000, "\(edges) edges")
    }

    @Test func concatenatingTheSameNodeTwiceAccumulatesGradient() throws {
        let x = Node.input("x", shape: [2])
        let f = try Function(inputs: [x], outputs: try grad(T.sum(T.concatenate([x, x, x])), wrt: [x]))
        #expect(try f([Check.floats([1, 2])])[0].scalars == [3, 3])
    }

    @Test func repeatAndTileGradients() throws {
        let x = Check.random([2, 3], seed: 43)
        #expect(try Check.gradientError([x]) { try Check.probe(T.repeat_($0[0], 2, axis: 0)) } < 1e-2)
        #expect(try Check.gradientError([x]) { try Check.probe(T.repeat_($0[0], 3, axis: 1)) } < 1e-2)
        #expect(try Check.gradientError([x]) { try Check.probe(T.tile($0[0], [2, 2])) } < 1e-2)
        #expect(try Check.gradientError([x]) { try Check.probe(T.tile($0[0], [3, 1, 2])) } < 1e-2)
    }

    @Test func allocGradientSumsIntoTheFillValue() throws {
        let s = Node.input("s", shape: [])
        let f = try Function(inputs: [s], outputs: try grad(T.sum(T.alloc(s, Node.ints([2, 3]))), wrt: [s]))
        #expect(try f([Check.scalar(0.5)])[0].scalars == [6])
    }
}
