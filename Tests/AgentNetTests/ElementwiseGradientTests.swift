@testable import AgentNet
import AgentNetTestSupport
import Testing

/// Gradients of the elementwise ops against finite differences and hand values (helpers in ElementwiseTests.swift).
@Suite struct ElementwiseGradientTests {
    /// Inputs away from every kink and inside every domain.
    static let positive: [Float] = [0.35, 0.7, 1.15, 1.6, 2.3, 0.55]
    static let mixed: [Float] = [-1.35, -0.7, -0.23, 0.31, 0.8, 1.65]

    @Test(arguments: floatUnaryKinds)
    func unaryGradientMatchesFiniteDifferences(_ kind: UnaryKind) throws {
        let needsPositive: [UnaryKind] = [.log, .sqrt, .reciprocal, .log1p]
        let x = Check.floats(needsPositive.contains(kind) ? Self.positive : Self.mixed, [2, 3])
        let err = try Check.gradientError([x]) { try Check.probe(unary(kind, $0[0])) }
        #expect(err < 1e-2, "\(kind): \(err)")
    }

    @Test(arguments: [BinaryKind.add, .sub, .mul, .div, .maximum, .minimum, .mod, .floordiv])
    func binaryGradientMatchesFiniteDifferences(_ kind: BinaryKind) throws {
        let a = Check.distinct([2, 3], seed: 1), b = Check.distinct([2, 3], seed: 2, positive: true)
        let err = try Check.gradientError([a, b]) { try Check.probe(binary(kind, $0[0], $0[1])) }
        #expect(err < 1e-2, "\(kind): \(err)")
    }

    @Test func powGradientMatchesFiniteDifferencesForBothOperands() throws {
        let a = Check.floats(Self.positive, [2, 3]), b = Check.distinct([2, 3], seed: 4)
        let err = try Check.gradientError([a, b]) { try Check.probe(T.pow($0[0], $0[1])) }
        #expect(err < 1e-2)
    }

    @Test(arguments: [BinaryKind.add, .sub, .mul, .div, .maximum, .minimum, .pow])
    func gradientThroughColumnPlusRowBroadcast(_ kind: BinaryKind) throws {
        let a = Check.distinct([3, 1], seed: 5, positive: true), b = Check.shifted(Check.distinct([1, 4], seed: 6, positive: true), 0.03)
        let err = try Check.gradientError([a, b]) { try Check.probe(binary(kind, $0[0], $0[1])) }
        #expect(err < 1e-2, "\(kind): \(err)")
    }

    @Test(arguments: [BinaryKind.add, .sub, .mul, .div, .maximum, .minimum])
    func gradientThroughVectorPlusRank3Broadcast(_ kind: BinaryKind) throws {
        // both are kept away from 0 so that quotients have small higher derivatives (finite differences stay accurate).
        let a = Check.shifted(Check.distinct([4], seed: 7, positive: true), 1), b = Check.shifted(Check.distinct([2, 3, 4], seed: 8, positive: true), 1.03)
        let err = try Check.gradientError([a, b]) { try Check.probe(binary(kind, $0[0], $0[1])) }
        #expect(err < 1e-2, "\(kind): \(err)")
        let swapped = try Check.gradientError([b, a]) { try Check.probe(binary(kind, $0[0], $0[1])) }
        #expect(swapped < 1e-2, "\(kind) swapped: \(swapped)")
    }

    @Test func gradientOfBroadcastScalarSumsOverAllElements() throws {
        let s = Node.input("s", shape: []), x = Node.input("x", shape: [2, 3])
        let g = try grad(T.sum(T.mul(x, s)), wrt: [s, x])
        let f = try Function(inputs: [s, x], outputs: g)
        let xs = Check.floats([1, 2, 3, 4, 5, 6], [2, 3])
        let out = try f([Check.scalar(2), xs])
        #expect(out[0].shape == [])
        #expect(out[0].scalars == [21])
        #expect(out[1].scalars == [2, 2, 2, 2, 2, 2])
    }

    @Test func whereGradientRoutesToChosenBranch() throws {
        let a = Check.distinct([2, 3], seed: 9), b = Check.distinct([1, 3], seed: 10)
        let err = try Check.gradientError([a, b]) { i in try Check.probe(T.where_(T.gt(i[0], 0), i[0], i[1])) }
        #expect(err < 1e-2)
    }

    @Test func clipGradientMatchesFiniteDifferences() throws {
        let x = Check.floats([-1.7, -0.6, 0.2, 0.65, 1.3, 2.1], [2, 3])
        let err = try Check.gradientError([x]) { try Check.probe(T.clip($0[0], -0.8, 1)) }
        #expect(err < 1e-2)
    }

    @Test func clipGradientIsZeroOutsideBounds() throws {
        let x = Node.input("x", shape: [4])
        let f = try Function(inputs: [x], outputs: try grad(T.sum(T.clip(x, -1, 1)), wrt: [x]))
        #expect(try f([Check.floats([-2, -0.5, 0.5, 2])])[0].scalars == [0, 1, 1, 0])
    }

    @Test func castFloatToFloatAndIntRoundTripGradient() throws {
        let x = Check.distinct([5])
        let err = try Check.gradientError([x]) { try Check.probe(T.cast($0[0], .float32)) }
        #expect(err < 1e-2)
    }

    @Test func reluGradientIsStepAndAbsGradientIsSign() throws {
        let x = Node.input("x", shape: [4])
        let f = try Function(inputs: [x], outputs: [
            try grad(T.sum(T.relu(x)), wrt: [x])[0], try grad(T.sum(T.abs(x)), wrt: [x])[0],
        ])
        let out = try f([Check.floats([-2, -0.5, 0.5, 2])])
        #expect(out[0].scalars == [0, 0, 1, 1])
        #expect(out[1].scalars == [-1, -1, 1, 1])
    }

    @Test func secondOrderGradientOfCube() throws {
        // d/dx sum(d/dx sum(x^3)) = d/dx sum(3x^2) = 6x
        let x = Node.input("x", shape: [3])
        let g1 = try grad(T.sum(T.mul(T.square(x), x)), wrt: [x])[0]
        let g2 = try grad(T.sum(g1), wrt: [x])[0]
        let f = try Function(inputs: [x], outputs: [g1, g2])
        let out = try f([Check.floats([1, -2, 0.5])])
        #expect(Check.same(out[0].scalars, [3, 12, 0.75]))
        #expect(Check.same(out[1].scalars, [6, -12, 3]))
    }
}
