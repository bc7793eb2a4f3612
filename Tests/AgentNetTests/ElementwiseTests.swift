@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Float64 reference for every float unary kind.
private func reference(_ kind: UnaryKind, _ x: Double) -> Double {
    switch kind {
    case .neg: return -x
    case .abs: return Swift.abs(x)
    case .sign: return x > 0 ? 1 : (x < 0 ? -1 : 0)
    case .square: return x * x
    case .relu: return Swift.max(x, 0)
    case .invert: return .nan
    case .exp: return Glibc.exp(x)
    case .log: return Glibc.log(x)
    case .log1p: return Glibc.log1p(x)
    case .sqrt: return x.squareRoot()
    case .tanh: return Glibc.tanh(x)
    case .sigmoid: return 1 / (1 + Glibc.exp(-x))
    case .softplus: return Glibc.log1p(Glibc.exp(x))
    case .elu: return x > 0 ? x : Glibc.expm1(x)
    case .sin: return Glibc.sin(x)
    case .cos: return Glibc.cos(x)
    case .floor: return x.rounded(.down)
    case .ceil: return x.rounded(.up)
    case .round: return x.rounded(.toNearestOrEven)
    case .reciprocal: return 1 / x
    }
}

func unary(_ kind: UnaryKind, _ x: Node) throws -> Node { try T.unary(kind, x) }
func binary(_ kind: BinaryKind, _ a: Node, _ b: Node) throws -> Node { try T.binary(kind, a, b) }

let floatUnaryKinds = UnaryKind.allCases.filter { $0 != .invert }

@Suite struct ElementwiseForwardTests {
    @Test(arguments: floatUnaryKinds)
    func floatUnaryMatchesFloat64Reference(_ kind: UnaryKind) throws {
        let xs: [Float] = [-3.7, -2.5, -1.5, -0.5, -0.3, 0, 0.3, 0.5, 1.5, 2.5, 3.7, 20, -20]
        let out = try Check.eval1([Check.floats(xs)]) { try unary(kind, $0[0]) }
        #expect(out.dtype == .float32)
        #expect(out.shape == [xs.count])
        let expected = xs.map { Float(reference(kind, Double($0))) }
        #expect(Check.same(out.scalars, expected, tol: 2e-6), "\(kind): \(out.scalars) vs \(expected)")
    }

    @Test func roundIsHalfToEvenAndSignOfZeroIsZero() throws {
        let out = try Check.eval([Check.floats([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0])]) {
            [try unary(.round, $0[0]), try T.sign($0[0])]
        }
        #expect(out[0].scalars == [-2, -2, -0, 0, 2, 2, 0])
        #expect(out[1].scalars == [-1, -1, -1, 1, 1, 1, 0])
    }

    @Test func sigmoidAndSoftplusAreStableForLargeInputs() throws {
        let out = try Check.eval([Check.floats([-100, 100, -1000, 1000])]) { [try T.sigmoid($0[0]), try T.softplus($0[0])] }
        #expect(Check.same(out[0].scalars, [0, 1, 0, 1]))
        #expect(Check.same(out[1].scalars, [0, 100, 0, 1000]))
    }

    @Test func intUnaryKeepsInt32() throws {
        let x = Check.ints([-3, -1, 0, 2, 5])
        let out = try Check.eval([x]) { i in
            try [UnaryKind.neg, .abs, .sign, .square, .relu, .invert].map { try unary($0, i[0]) }
        }
        #expect(out.allSatisfy { $0.dtype == .int32 })
        #expect(out[0].scalars == [3, 1, 0, -2, -5])
        #expect(out[1].scalars == [3, 1, 0, 2, 5])
        #expect(out[2].scalars == [-1, -1, 0, 1, 1])
        #expect(out[3].scalars == [9, 1, 0, 4, 25])
        #expect(out[4].scalars == [0, 0, 0, 2, 5])
        #expect(out[5].scalars == [2, 0, -1, -3, -6])
    }

    @Test func floatOnlyUnaryCastsIntInputToFloat() throws {
        let out = try Check.eval1([Check.ints([0, 1, 4])]) { try T.sqrt($0[0]) }
        #expect(out.dtype == .float32)
        #expect(out.scalars == [0, 1, 2])
    }

    @Test func invertOfBoolIsLogicalNot() throws {
        let out = try Check.eval1([Check.bools([true, false, true])]) { try T.invert($0[0]) }
        #expect(out.dtype == .bool)
        #expect(out.scalars == [0, 1, 0])
    }

    @Test func invertOfFloatThrowsDtypeError() {
        let x = Node.input("x", shape: [3])
        #expect(Check.error { try T.invert(x) }?.kind == .dtype)
    }

    @Test func negOfBoolPromotesToInt32() throws {
        let out = try Check.eval1([Check.bools([true, false])]) { try T.neg($0[0]) }
        #expect(out.dtype == .int32)
        #expect(out.scalars == [-1, 0])
    }

    @Test func floatArithmeticMatchesHandValues() throws {
        let a = Check.floats([7, -7, 7.5, -7.5, 2, 9])
        let b = Check.floats([-3, 3, 2, 2, 0.5, -4])
        let kinds: [BinaryKind] = [.add, .sub, .mul, .div, .pow, .maximum, .minimum, .mod, .floordiv]
        let out = try Check.eval([a, b]) { i in try kinds.map { try binary($0, i[0], i[1]) } }
        #expect(out.allSatisfy { $0.dtype == .float32 && $0.shape == [6] })
        #expect(out[0].scalars == [4, -4, 9.5, -5.5, 2.5, 5])
        #expect(out[1].scalars == [10, -10, 5.5, -9.5, 1.5, 13])
        #expect(out[2].scalars == [-21, -21, 15, -15, 1, -36])
        #expect(Check.same(out[3].scalars, [-7.0 / 3, -7.0 / 3, 3.75, -3.75, 4, -2.25]))
        #expect(Check.same(out[4].scalars, [1.0 / 343, -343, 56.25, 56.25, Float(2.0.squareRoot()), 1.0 / 6561]))
        #expect(out[5].scalars == [7, 3, 7.5, 2, 2, 9])
        #expect(out[6].scalars == [-3, -7, 2, -7.5, 0.5, -4])
        // Python: 7 % -3 == -2, -7 % 3 == 2, 7.5 % 2 == 1.5, -7.5 % 2 == 0.5, 2 % 0.5 == 0, 9 % -4 == -3
        #expect(out[7].scalars == [-2, 2, 1.5, 0.5, 0, -3])
        // Python: 7 // -3 == -3, -7 // 3 == -3, 7.5 // 2 == 3, -7.5 // 2 == -4, 2 // 0.5 == 4, 9 // -4 == -3
        #expect(out[8].scalars == [-3, -3, 3, -4, 4, -3])
    }

    @Test func floatMaximumAndMinimumPropagateNaN() throws {
        let out = try Check.eval([Check.floats([.nan, 1]), Check.floats([1, .nan])]) { i in
            [try T.maximum(i[0], i[1]), try T.minimum(i[0], i[1])]
        }
        let maxNaN = out[0].scalars.allSatisfy { $0.isNaN }, minNaN = out[1].scalars.allSatisfy { $0.isNaN }
        #expect(maxNaN)
        #expect(minNaN)
    }

    @Test func int32ArithmeticUsesPythonModAndFloordiv() throws {
        let a = Check.ints([7, -7, 7, -7, 6, 5, 0, 9])
        let b = Check.ints([3, 3, -3, -3, 3, 0, 4, -1])
        let kinds: [BinaryKind] = [.add, .sub, .mul, .maximum, .minimum, .mod, .floordiv]
        let out = try Check.eval([a, b]) { i in try kinds.map { try binary($0, i[0], i[1]) } }
        #expect(out.allSatisfy { $0.dtype == .int32 })
        #expect(out[0].scalars == [10, -4, 4, -10, 9, 5, 4, 8])
        #expect(out[1].scalars == [4, -10, 10, -4, 3, 5, -4, 10])
        #expect(out[2].scalars == [21, -21, -21, 21, 18, 0, 0, -9])
        #expect(out[3].scalars == [7, 3, 7, -3, 6, 5, 4, 9])
        #expect(out[4].scalars == [3, -7, -3, -7, 3, 0, 0, -1])
        // Python: 7%3=1, -7%3=2, 7%-3=-2, -7%-3=-1, 6%3=0, x%0 -> 0 (numpy), 0%4=0, 9%-1=0
        #expect(out[5].scalars == [1, 2, -2, -1, 0, 0, 0, 0])
        // Python: 7//3=2, -7//3=-3, 7//-3=-3, -7//-3=2, 6//3=2, x//0 -> 0 (numpy), 0//4=0, 9//-1=-9
        #expect(out[6].scalars == [2, -3, -3, 2, 2, 0, 0, -9])
    }

    @Test func int32ArithmeticWrapsOnOverflow() throws {
        let out = try Check.eval([Check.ints([Int32.max, Int32.min]), Check.ints([1, -1])]) { i in
            [try T.add(i[0], i[1]), try T.floordiv(i[0], i[1]), try T.mod(i[0], i[1])]
        }
        #expect(out[0].ints[0] == Int32.min)
        #expect(out[0].ints[1] == Int32.max)
        #expect(out[1].ints[1] == Int32.min)  // numpy: int32 min // -1 wraps
        #expect(out[2].scalars == [0, 0])
    }

    @Test func intDivAndPowPromoteToFloat() throws {
        let out = try Check.eval([Check.ints([7, -7, 2]), Check.ints([2, 2, 3])]) { i in
            [try T.div(i[0], i[1]), try T.pow(i[0], i[1])]
        }
        #expect(out[0].dtype == .float32)
        #expect(out[0].scalars == [3.5, -3.5, Float(2.0 / 3.0)])
        #expect(out[1].dtype == .float32)
        #expect(out[1].scalars == [49, 49, 8])
    }

    @Test func mixedIntFloatPromotesToFloat() throws {
        let out = try Check.eval1([Check.ints([1, 2]), Check.floats([0.5, 0.25])]) { try T.add($0[0], $0[1]) }
        #expect(out.dtype == .float32)
        #expect(out.scalars == [1.5, 2.25])
    }

    @Test func boolArithmeticPromotesToInt32() throws {
        let out = try Check.eval1([Check.bools([true, true, false]), Check.bools([true, false, false])]) { try T.add($0[0], $0[1]) }
        #expect(out.dtype == .int32)
        #expect(out.scalars == [2, 1, 0])
    }

    @Test func swiftNumbersBecomeConstants() throws {
        let out = try Check.eval([Check.floats([1, 2]), Check.ints([3, 4])]) { i in
            [try T.mul(i[0], 2), try T.add(i[1], 1), try T.add(i[1], 0.5), try T.sub(1, i[0])]
        }
        #expect(out[0].dtype == .float32 && out[0].scalars == [2, 4])
        #expect(out[1].dtype == .int32 && out[1].scalars == [4, 5])
        #expect(out[2].dtype == .float32 && out[2].scalars == [3.5, 4.5])
        #expect(out[3].scalars == [0, -1])
    }

    @Test func floatComparisonsGiveBool() throws {
        let a = Check.floats([1, 2, 3, .nan]), b = Check.floats([2, 2, 2, 2])
        let kinds: [BinaryKind] = [.eq, .neq, .lt, .le, .gt, .ge]
        let out = try Check.eval([a, b]) { i in try kinds.map { try binary($0, i[0], i[1]) } }
        #expect(out.allSatisfy { $0.dtype == .bool })
        #expect(out[0].scalars == [0, 1, 0, 0])
        #expect(out[1].scalars == [1, 0, 1, 1])
        #expect(out[2].scalars == [1, 0, 0, 0])
        #expect(out[3].scalars == [1, 1, 0, 0])
        #expect(out[4].scalars == [0, 0, 1, 0])
        #expect(out[5].scalars == [0, 1, 1, 0])
    }

    @Test func intAndBoolComparisonsGiveBool() throws {
        let kinds: [BinaryKind] = [.eq, .neq, .lt, .le, .gt, .ge]
        let ints = try Check.eval([Check.ints([-1, 2, 5]), Check.ints([2, 2, 2])]) { i in try kinds.map { try binary($0, i[0], i[1]) } }
        #expect(ints.allSatisfy { $0.dtype == .bool })
        #expect(ints.map(\.scalars) == [[0, 1, 0], [1, 0, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1]])
        let bools = try Check.eval([Check.bools([false, false, true, true]), Check.bools([false, true, false, true])]) { i in
            try kinds.map { try binary($0, i[0], i[1]) }
        }
        #expect(bools.map(\.scalars) == [[1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 0], [1, 1, 0, 1], [0, 0, 1, 0], [1, 0, 1, 1]])
        let mixed = try Check.eval1([Check.ints([1, 2]), Check.floats([1.5, 1.5])]) { try T.lt($0[0], $0[1]) }
        #expect(mixed.dtype == .bool && mixed.scalars == [1, 0])
    }

    @Test func logicalOpsOnBoolAndBitwiseOnInt() throws {
        let b = try Check.eval([Check.bools([false, false, true, true]), Check.bools([false, true, false, true])]) { i in
            [try T.and(i[0], i[1]), try T.or(i[0], i[1]), try T.xor(i[0], i[1])]
        }
        #expect(b.allSatisfy { $0.dtype == .bool })
        #expect(b.map(\.scalars) == [[0, 0, 0, 1], [0, 1, 1, 1], [0, 1, 1, 0]])
        let n = try Check.eval([Check.ints([12, -1]), Check.ints([10, 5])]) { i in
            [try T.and(i[0], i[1]), try T.or(i[0], i[1]), try T.xor(i[0], i[1])]
        }
        #expect(n.allSatisfy { $0.dtype == .int32 })
        #expect(n.map(\.scalars) == [[8, 5], [14, -1], [6, -6]])
    }

    @Test func logicalOpsOnFloatThrowDtypeError() {
        let x = Node.input("x", shape: [2])
        #expect(Check.error { try T.and(x, x) }?.kind == .dtype)
    }

    @Test func whereBroadcastsConditionAndBranches() throws {
        let c = Check.bools([true, false, true], [3, 1])
        let a = Check.floats([1, 2, 3, 4], [1, 4])
        let out = try Check.eval1([c, a]) { try T.where_($0[0], $0[1], -1) }
        #expect(out.shape == [3, 4])
        #expect(out.scalars == [1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4])
    }

    @Test func whereWithIntBranchesAndFloatCondition() throws {
        let out = try Check.eval1([Check.floats([0, 0.5, -2]), Check.ints([1, 2, 3]), Check.ints([7, 8, 9])]) {
            try T.where_($0[0], $0[1], $0[2])
        }
        #expect(out.dtype == .int32)
        #expect(out.scalars == [7, 2, 3])
    }

    @Test func castFloatToIntTruncatesTowardZeroAndSaturates() throws {
        let x = Check.floats([1.9, -1.9, 0.5, -0.5, 3e9, -3e9, .nan, 2147483520])
        let out = try Check.eval1([x]) { try T.cast($0[0], .int32) }
        #expect(out.dtype == .int32)
        #expect(Array(UnsafeBufferPointer(start: out.ints, count: 8)) == [1, -1, 0, 0, Int32.max, Int32.min, Int32.min, 2147483520])
    }

    @Test func castBetweenBoolIntAndFloat() throws {
        let out = try Check.eval([Check.floats([0, -0.0, 0.1, -3]), Check.ints([0, 5, -1, 0]), Check.bools([true, false, true, false])]) { i in
            [try T.cast(i[0], .bool), try T.cast(i[1], .bool), try T.cast(i[1], .float32), try T.cast(i[2], .float32), try T.cast(i[2], .int32)]
        }
        #expect(out.map(\.dtype) == [.bool, .bool, .float32, .float32, .int32])
        #expect(out.map(\.scalars) == [[0, 0, 1, 1], [0, 1, 1, 0], [0, 5, -1, 0], [1, 0, 1, 0], [1, 0, 1, 0]])
    }

    @Test func clipLimitsToBoundsForFloatAndInt() throws {
        let out = try Check.eval([Check.floats([-2, -0.5, 0.3, 1, 2]), Check.ints([-5, 0, 5])]) { i in
            [try T.clip(i[0], -1, 1), try T.clip(i[1], -2, 3)]
        }
        #expect(out[0].scalars == [-1, -0.5, 0.3, 1, 1])
        #expect(out[1].dtype == .int32)
        #expect(out[1].scalars == [-2, 0, 3])
    }
}

@Suite struct BroadcastingTests {
    @Test func columnPlusRowGivesMatrix() throws {
        let out = try Check.eval1([Check.floats([0, 10, 20], [3, 1]), Check.floats([1, 2, 3, 4], [1, 4])]) { try T.add($0[0], $0[1]) }
        #expect(out.shape == [3, 4])
        #expect(out.scalars == [1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24])
    }

    @Test func vectorBroadcastsAgainstRank3() throws {
        let x = Check.floats((0..<24).map(Float.init), [2, 3, 4])
        let v = Check.floats([100, 200, 300, 400])
        let out = try Check.eval([v, x]) { i in [try T.add(i[0], i[1]), try T.sub(i[1], i[0])] }
        #expect(out[0].shape == [2, 3, 4])
        let plus: [Float] = (0..<24).map { (i: Int) -> Float in Float(i) + Float(100 * (i % 4 + 1)) }
        let minus: [Float] = (0..<24).map { (i: Int) -> Float in Float(i) - Float(100 * (i % 4 + 1)) }
        #expect(out[0].scalars == plus)
        #expect(out[1].scalars == minus)
    }

    @Test func middleAxesBroadcastBothWays() throws {
        let a = Check.floats([1, 2, 3, 4, 5, 6], [2, 1, 3])
        let b = Check.floats([10, 20, 30, 40], [4, 1])
        let out = try Check.eval1([a, b]) { try T.mul($0[0], $0[1]) }
        #expect(out.shape == [2, 4, 3])
        var expected: [Float] = []
        for i in 0..<2 { for j in 0..<4 { for k in 0..<3 { expected.append(Float(i * 3 + k + 1) * Float(10 * (j + 1))) } } }
        #expect(out.scalars == expected)
    }

    @Test func scalarBroadcastsEverywhere() throws {
        let out = try Check.eval1([Check.floats([2], []), Check.floats([1, 2, 3, 4], [2, 2])]) { try T.pow($0[1], $0[0]) }
        #expect(out.shape == [2, 2])
        #expect(out.scalars == [1, 4, 9, 16])
    }

    @Test func zeroSizeAxisBroadcastsToEmpty() throws {
        let out = try Check.eval1([Check.floats([], [0, 3]), Check.floats([1, 2, 3])]) { try T.add($0[0], $0[1]) }
        #expect(out.shape == [0, 3])
        let one = try Check.eval1([Check.floats([], [0, 1]), Check.floats([1, 2, 3], [1, 3])]) { try T.add($0[0], $0[1]) }
        #expect(one.shape == [0, 3])
    }

    @Test func incompatibleStaticShapesThrowAtBuildTime() {
        let a = Node.input("a", shape: [3]), b = Node.input("b", shape: [4])
        let e = Check.error { try T.add(a, b) }
        #expect(e?.kind == .shape)
        #expect(e?.message.contains("(3,)") == true)
    }

    @Test func incompatibleDynamicShapesThrowAtCallTime() throws {
        let a = Node.input("a", shape: [nil]), b = Node.input("b", shape: [nil])
        let f = try Function(inputs: [a, b], outputs: [try T.add(a, b)])
        #expect(Check.error { try f([Check.floats([1, 2, 3]), Check.floats([1, 2, 3, 4])]) }?.kind == .shape)
        #expect(try f([Check.floats([1, 2, 3]), Check.floats([1])])[0].scalars == [2, 3, 4])
    }

    @Test func whereBroadcastsAllThreeOperands() throws {
        let out = try Check.eval1([Check.bools([true, false]), Check.floats([1, 2, 3], [3, 1]), Check.floats([-1], [1, 1])]) {
            try T.where_($0[0], $0[1], $0[2])
        }
        #expect(out.shape == [3, 2])
        #expect(out.scalars == [1, -1, 2, -1, 3, -1])
    }
}
