@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// x = [[1, 5, 3], [4, 2, 6]]
private let m = Check.floats([1, 5, 3, 4, 2, 6], [2, 3])

/// Reference reduction of a row-major array over a set of axes, in float64.
private func reduceRef(_ v: [Float], _ shape: [Int], axes: [Int], initial: Double, _ f: (Double, Double) -> Double) -> [Float] {
    let strides = contiguousStrides(shape)
    let outShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    let outStrides = contiguousStrides(outShape)
    var out = [Double](repeating: initial, count: outShape.reduce(1, *))
    for i in 0..<v.count {
        var o = 0
        for d in 0..<shape.count where !axes.contains(d) { o += (i / strides[d]) % shape[d] * outStrides[d] }
        out[o] = f(out[o], Double(v[i]))
    }
    return out.map { Float($0) }
}

@Suite struct ReductionForwardTests {
    @Test func sumOverAllAxesAndEachAxis() throws {
        let out = try Check.eval([m]) { i in
            [try T.sum(i[0]), try T.sum(i[0], axes: [0]), try T.sum(i[0], axes: [1]), try T.sum(i[0], axes: [-1]), try T.sum(i[0], axes: [-2, -1])]
        }
        #expect(out[0].shape == [] && out[0].scalars == [21])
        #expect(out[1].shape == [3] && out[1].scalars == [5, 7, 9])
        #expect(out[2].shape == [2] && out[2].scalars == [9, 12])
        #expect(out[3].shape == [2] && out[3].scalars == [9, 12])
        #expect(out[4].shape == [] && out[4].scalars == [21])
    }

    @Test func keepdimsKeepsReducedAxesAsLengthOne() throws {
        let out = try Check.eval([m]) { i in
            [try T.sum(i[0], keepdims: true), try T.mean(i[0], axes: [0], keepdims: true), try T.max(i[0], axes: [-1], keepdims: true)]
        }
        #expect(out[0].shape == [1, 1] && out[0].scalars == [21])
        #expect(out[1].shape == [1, 3] && out[1].scalars == [2.5, 3.5, 4.5])
        #expect(out[2].shape == [2, 1] && out[2].scalars == [5, 6])
    }

    @Test func meanMaxMinProdMatchHandValues() throws {
        let out = try Check.eval([m]) { i in
            [try T.mean(i[0]), try T.mean(i[0], axes: [1]), try T.max(i[0]), try T.max(i[0], axes: [0]), try T.min(i[0], axes: [1]),
             try T.min(i[0]), try T.prod(i[0], axes: [0]), try T.prod(i[0])]
        }
        #expect(out[0].scalars == [3.5])
        #expect(out[1].scalars == [3, 4])
        #expect(out[2].scalars == [6])
        #expect(out[3].scalars == [4, 5, 6])
        #expect(out[4].scalars == [1, 2])
        #expect(out[5].scalars == [1])
        #expect(out[6].scalars == [4, 10, 18])
        #expect(out[7].scalars == [720])
    }

    @Test(arguments: [[0], [1], [2], [0, 2], [-1, -3], [1, 2], [0, 1, 2]])
    func rank3ReductionsMatchLoopReference(_ axes: [Int]) throws {
        let shape = [2, 3, 4]
        let x = Check.random(shape, seed: 11)
        let norm = axes.map { $0 < 0 ? $0 + 3 : $0 }
        let out = try Check.eval([x]) { i in
            [try T.sum(i[0], axes: axes), try T.max(i[0], axes: axes), try T.min(i[0], axes: axes),
             try T.prod(i[0], axes: axes), try T.mean(i[0], axes: axes, keepdims: true)]
        }
        let n = Double(norm.map { shape[$0] }.reduce(1, *))
        let kept = (0..<3).filter { !norm.contains($0) }.map { shape[$0] }
        #expect(out[0].shape == kept)
        #expect(out[4].shape == shape.enumerated().map { norm.contains($0.offset) ? 1 : $0.element })
        #expect(Check.same(out[0].scalars, reduceRef(x.scalars, shape, axes: norm, initial: 0, +)))
        #expect(Check.same(out[1].scalars, reduceRef(x.scalars, shape, axes: norm, initial: -.infinity, Swift.max)))
        #expect(Check.same(out[2].scalars, reduceRef(x.scalars, shape, axes: norm, initial: .infinity, Swift.min)))
        #expect(Check.same(out[3].scalars, reduceRef(x.scalars, shape, axes: norm, initial: 1, *)))
        #expect(Check.same(out[4].scalars, reduceRef(x.scalars, shape, axes: norm, initial: 0, +).map { Float(Double($0) / n) }))
    }

    @Test func intReductionsStayInt32AndMeanIsFloat() throws {
        let x = Check.ints([1, -5, 3, 4, 2, 6], [2, 3])
        let out = try Check.eval([x]) { i in
            [try T.sum(i[0], axes: [1]), try T.prod(i[0], axes: [0]), try T.max(i[0]), try T.min(i[0], axes: [1]), try T.mean(i[0], axes: [0])]
        }
        #expect(out.map(\.dtype) == [.int32, .int32, .int32, .int32, .float32])
        #expect(out[0].scalars == [-1, 12])
        #expect(out[1].scalars == [4, -10, 18])
        #expect(out[2].scalars == [6])
        #expect(out[3].scalars == [-5, 2])
        #expect(out[4].scalars == [2.5, -1.5, 4.5])
    }

    @Test func sumOfBoolCountsTrueAsInt32() throws {
        let out = try Check.eval1([Check.bools([true, false, true, true], [2, 2])]) { try T.sum($0[0], axes: [1]) }
        #expect(out.dtype == .int32)
        #expect(out.scalars == [1, 2])
    }

    @Test func sizeOneAxisReductionIsIdentity() throws {
        let x = Check.floats([1, -2, 3], [3, 1])
        let out = try Check.eval([x]) { i in
            [try T.sum(i[0], axes: [1]), try T.max(i[0], axes: [1]), try T.prod(i[0], axes: [-1]), try T.mean(i[0], axes: [1], keepdims: true)]
        }
        #expect(out[0].shape == [3] && out[0].scalars == [1, -2, 3])
        #expect(out[1].scalars == [1, -2, 3])
        #expect(out[2].scalars == [1, -2, 3])
        #expect(out[3].shape == [3, 1] && out[3].scalars == [1, -2, 3])
    }

    @Test func zeroSizeAxisGivesNeutralElements() throws {
        let x = Check.floats([], [0, 3])
        let out = try Check.eval([x]) { i in
            [try T.sum(i[0], axes: [0]), try T.prod(i[0], axes: [0]), try T.mean(i[0], axes: [0]), try T.sum(i[0], axes: [1]), try T.sum(i[0])]
        }
        #expect(out[0].shape == [3] && out[0].scalars == [0, 0, 0])
        #expect(out[1].scalars == [1, 1, 1])
        #expect(out[2].scalars.count == 3 && out[2].scalars.allSatisfy { $0.isNaN })  // numpy: mean of empty is nan
        #expect(out[3].shape == [0])
        #expect(out[4].shape == [] && out[4].scalars == [0])
    }

    @Test func maxOverZeroSizeAxisThrowsShapeError() throws {
        let x = Node.input("x", shape: [nil, 3])
        let f = try Function(inputs: [x], outputs: [try T.max(x, axes: [0])])
        #expect(Check.error { try f([Check.floats([], [0, 3])]) }?.kind == .shape)
        let g = try Function(inputs: [x], outputs: [try T.argmax(x, axis: 0)])
        #expect(Check.error { try g([Check.floats([], [0, 3])]) }?.kind == .shape)
    }

    @Test func reductionOfScalarIsTheScalar() throws {
        let out = try Check.eval([Check.floats([4], [])]) { i in [try T.sum(i[0]), try T.max(i[0]), try T.mean(i[0])] }
        #expect(out.allSatisfy { $0.shape == [] && $0.scalars == [4] })
    }

    @Test func axisOutOfRangeAndDuplicateAxesThrow() {
        let x = Node.input("x", shape: [2, 3])
        #expect(Check.error { try T.sum(x, axes: [2]) }?.kind == .shape)
        #expect(Check.error { try T.sum(x, axes: [-3]) }?.kind == .shape)
        #expect(Check.error { try T.sum(x, axes: [1, -1]) } != nil)
        #expect(Check.error { try T.argmax(x, axis: 2) }?.kind == .shape)
    }

    @Test func maxAndMinPropagateNaN() throws {
        let out = try Check.eval([Check.floats([1, .nan, 3, 4], [2, 2])]) { i in [try T.max(i[0], axes: [1]), try T.min(i[0], axes: [0])] }
        #expect(out[0].scalars[0].isNaN && out[0].scalars[1] == 4)
        #expect(out[1].scalars[0] == 1 && out[1].scalars[1].isNaN)
    }

    @Test func argmaxAndArgminAlongAxesAndFlattened() throws {
        let out = try Check.eval([m]) { i in
            [try T.argmax(i[0], axis: 1), try T.argmin(i[0], axis: 0), try T.argmax(i[0], axis: -1, keepdims: true),
             try T.argmax(i[0]), try T.argmin(i[0])]
        }
        #expect(out.allSatisfy { $0.dtype == .int32 })
        #expect(out[0].shape == [2] && out[0].scalars == [1, 2])
        #expect(out[1].shape == [3] && out[1].scalars == [0, 1, 0])
        #expect(out[2].shape == [2, 1] && out[2].scalars == [1, 2])
        #expect(out[3].shape == [] && out[3].scalars == [5])
        #expect(out[4].shape == [] && out[4].scalars == [0])
    }

    @Test func argmaxTiesPickFirstAndNaNWins() throws {
        let out = try Check.eval([Check.floats([3, 1, 3, 1, 2, .nan, 0, .nan], [2, 4])]) { i in
            [try T.argmax(i[0], axis: 1), try T.argmin(i[0], axis: 1)]
        }
        #expect(out[0].scalars == [0, 1])
        #expect(out[1].scalars == [1, 1])
        let ints = try Check.eval1([Check.ints([2, 7, 7, -1])]) { try T.argmax($0[0], axis: 0) }
        #expect(ints.scalars == [1])
        let bools = try Check.eval1([Check.bools([false, true, true])]) { try T.argmax($0[0]) }
        #expect(bools.scalars == [1])
    }

    @Test func varianceAndStdArePopulationStatistics() throws {
        let out = try Check.eval([m]) { i in
            [try T.variance(i[0], axes: [1]), try T.std(i[0], axes: [1]), try T.variance(i[0]), try T.std(i[0], axes: [0], keepdims: true)]
        }
        #expect(Check.same(out[0].scalars, [8.0 / 3, 8.0 / 3]))
        #expect(Check.same(out[1].scalars, [Float((8.0 / 3).squareRoot()), Float((8.0 / 3).squareRoot())]))
        #expect(out[2].shape == [])
        #expect(Check.same(out[2].scalars, [17.5 / 6]))  // mean 3.5, squared deviations 6.25+2.25+0.25+0.25+2.25+6.25
        #expect(out[3].shape == [1, 3])
        #expect(Check.same(out[3].scalars, [1.5, 1.5, 1.5]))
    }

    @Test func varianceOfIntIsFloat() throws {
        let out = try Check.eval1([Check.ints([1, 2, 3, 4])]) { try T.variance($0[0]) }
        #expect(out.dtype == .float32 && Check.same(out.scalars, [1.25]))
    }

    @Test func softmaxLogSoftmaxAndLogsumexpMatchFloat64() throws {
        let x = Check.floats([1, 2, 3, -1, 0, 100], [2, 3])
        let out = try Check.eval([x]) { i in
            [try T.softmax(i[0]), try T.logSoftmax(i[0]), try T.logsumexp(i[0], axes: [1]), try T.softmax(i[0], axis: 0)]
        }
        var sm: [Float] = [], lsm: [Float] = [], lse: [Float] = []
        for r in 0..<2 {
            let row = (0..<3).map { Double(x.scalars[r * 3 + $0]) }
            let mx = row.max()!
            let z = row.map { Glibc.exp($0 - mx) }.reduce(0, +)
            lse.append(Float(mx + Glibc.log(z)))
            for v in row { sm.append(Float(Glibc.exp(v - mx) / z)); lsm.append(Float(v - mx - Glibc.log(z))) }
        }
        #expect(Check.same(out[0].scalars, sm))
        #expect(Check.same(out[1].scalars, lsm))
        #expect(Check.same(out[2].scalars, lse))
        let col0 = Float(Glibc.exp(1.0) / (Glibc.exp(1.0) + Glibc.exp(-1.0)))
        #expect(Check.same(Array(out[3].scalars.prefix(1)), [col0]))
    }

    @Test func softmaxOfVectorAndLogsumexpOverAllAxes() throws {
        let out = try Check.eval([Check.floats([1, 2, 3])]) { i in
            [try T.softmax(i[0]), try T.logsumexp(i[0]), try T.logsumexp(i[0], keepdims: true)]
        }
        let z = Glibc.exp(1.0) + Glibc.exp(2.0) + Glibc.exp(3.0)
        #expect(Check.same(out[0].scalars, [1, 2, 3].map { Float(Glibc.exp($0) / z) }))
        #expect(out[1].shape == [] && Check.same(out[1].scalars, [Float(Glibc.log(z))]))
        #expect(out[2].shape == [1])
    }

    @Test func cumsumOfZeroSizeAxisIsEmpty() throws {
        let out = try Check.eval1([Check.floats([], [0, 3])]) { try Node.make(CumsumOp(axis: 0, reverse: false), [$0[0]]) }
        #expect(out.shape == [0, 3])
    }

    @Test func cumsumAlongAxesForwardAndReverse() throws {
        let x = Check.floats([1, 2, 3, 4, 5, 6], [2, 3])
        let out = try Check.eval([x]) { i in
            [try Node.make(CumsumOp(axis: 0, reverse: false), [i[0]]), try Node.make(CumsumOp(axis: 1, reverse: false), [i[0]]),
             try Node.make(CumsumOp(axis: 1, reverse: true), [i[0]])]
        }
        #expect(out[0].scalars == [1, 2, 3, 5, 7, 9])
        #expect(out[1].scalars == [1, 3, 6, 4, 9, 15])
        #expect(out[2].scalars == [6, 5, 3, 15, 11, 6])
        let ints = try Check.eval1([Check.ints([1, -2, 3])]) { try Node.make(CumsumOp(axis: 0, reverse: false), [$0[0]]) }
        #expect(ints.dtype == .int32 && ints.scalars == [1, -1, 2])
    }

    @Test func cumsumOfBoolAndBadAxisThrow() {
        let b = Node.input("b", dtype: .bool, shape: [3]), x = Node.input("x", shape: [3])
        #expect(Check.error { try Node.make(CumsumOp(axis: 0, reverse: false), [b]) }?.kind == .dtype)
        #expect(Check.error { try Node.make(CumsumOp(axis: 1, reverse: false), [x]) }?.kind == .shape)
    }
}

@Suite struct ReductionGradientTests {
    static let axesCases: [[Int]?] = [nil, [0], [1], [-1], [0, 2], [-3, -2]]

    @Test(arguments: axesCases)
    func sumAndMeanGradients(_ axes: [Int]?) throws {
        let x = Check.random([2, 3, 4], seed: 21)
        for keep in [false, true] {
            let s = try Check.gradientError([x]) { try Check.probe(T.sum($0[0], axes: axes, keepdims: keep)) }
            let mn = try Check.gradientError([x]) { try Check.probe(T.mean($0[0], axes: axes, keepdims: keep)) }
            #expect(s < 1e-2, "sum \(String(describing: axes)) keepdims=\(keep): \(s)")
            #expect(mn < 1e-2, "mean \(String(describing: axes)) keepdims=\(keep): \(mn)")
        }
    }

    @Test(arguments: axesCases)
    func maxAndMinGradients(_ axes: [Int]?) throws {
        let x = Check.distinct([2, 3, 4], seed: 22)
        for keep in [false, true] {
            let mx = try Check.gradientError([x]) { try Check.probe(T.max($0[0], axes: axes, keepdims: keep)) }
            let mn = try Check.gradientError([x]) { try Check.probe(T.min($0[0], axes: axes, keepdims: keep)) }
            #expect(mx < 1e-2, "max \(String(describing: axes)) keepdims=\(keep): \(mx)")
            #expect(mn < 1e-2, "min \(String(describing: axes)) keepdims=\(keep): \(mn)")
        }
    }

    @Test(arguments: axesCases)
    func prodGradient(_ axes: [Int]?) throws {
        // Factors near 1 keep the product (and the finite-difference truncation error) small.
        let x = Check.floats(Check.random([2, 3, 4], seed: 23).scalars.map { 1 + 0.1 * $0 }, [2, 3, 4])
        let err = try Check.gradientError([x]) { try Check.probe(T.prod($0[0], axes: axes)) }
        #expect(err < 1e-2, "prod \(String(describing: axes)): \(err)")
    }

    @Test
    func prodGradientWithAZeroElementIsTheProductOfTheOthers() throws {
        let x = Node.input("x", shape: [3])
        let f = try Function(inputs: [x], outputs: try grad(T.prod(x), wrt: [x]))
        #expect(try f([Check.floats([2, 0, 3])])[0].scalars == [0, 6, 0])
        #expect(try f([Check.floats([0, 0, 3])])[0].scalars == [0, 0, 0])
        let m = Node.input("m", shape: [2, 2])
        let g = try Function(inputs: [m], outputs: try grad(T.sum(T.prod(m, axes: [1])), wrt: [m]))
        #expect(try g([Check.floats([0, 5, 2, 3], [2, 2])])[0].scalars == [5, 0, 3, 2])
    }

    @Test func maxGradientGoesToEveryTiedMaximum() throws {
        // Theano's convention: each element equal to the maximum receives the full gradient.
        let x = Node.input("x", shape: [3])
        let f = try Function(inputs: [x], outputs: try grad(T.max(x), wrt: [x]))
        #expect(try f([Check.floats([1, 3, 3])])[0].scalars == [0, 1, 1])
    }

    @Test func maxGradientGoesToTheArgmax() throws {
        let x = Node.input("x", shape: [2, 3])
        let f = try Function(inputs: [x], outputs: try grad(T.sum(T.max(x, axes: [1])), wrt: [x]))
        #expect(try f([m])[0].scalars == [0, 1, 0, 0, 0, 1])
    }

    @Test(arguments: axesCases)
    func varianceAndStdGradients(_ axes: [Int]?) throws {
        let x = Check.random([2, 3, 4], seed: 24)
        let v = try Check.gradientError([x]) { try Check.probe(T.variance($0[0], axes: axes)) }
        let s = try Check.gradientError([x]) { try Check.probe(T.std($0[0], axes: axes, keepdims: true)) }
        #expect(v < 1e-2, "var: \(v)")
        #expect(s < 1e-2, "std: \(s)")
    }

    @Test func softmaxLogSoftmaxLogsumexpGradients() throws {
        let x = Check.random([3, 4], seed: 25)
        for axis in [0, 1, -1] {
            let a = try Check.gradientError([x]) { try Check.probe(T.softmax($0[0], axis: axis)) }
            let b = try Check.gradientError([x]) { try Check.probe(T.logSoftmax($0[0], axis: axis)) }
            let c = try Check.gradientError([x]) { try Check.probe(T.logsumexp($0[0], axes: [axis])) }
            #expect(a < 1e-2 && b < 1e-2 && c < 1e-2, "axis \(axis): \(a) \(b) \(c)")
        }
    }

    @Test func cumsumGradients() throws {
        let x = Check.random([3, 4], seed: 26)
        for axis in [0, 1] {
            for reverse in [false, true] {
                let err = try Check.gradientError([x]) { try Check.probe(Node.make(CumsumOp(axis: axis, reverse: reverse), [$0[0]])) }
                #expect(err < 1e-2, "axis \(axis) reverse \(reverse): \(err)")
            }
        }
    }
}
