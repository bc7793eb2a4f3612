@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `x ** e` for constant exponents: rewritten to products, sqrt or reciprocals (no libm pow), numpy's bits where
/// numpy takes the same shortcut, gradients against finite differences.
@Suite struct PowTests {
    static let x: [Float] = [0.37, 1.7, 2.9, 0.81, 1.23, 3.3, 0.55, 2.05, 1.01]

    static func pow(_ e: Float, _ values: [Float] = x) throws -> (Node, [Float]) {
        let n = try T.pow(Node.constant(Check.floats(values)), e)
        return (n, try evaluate([n])[0].scalars)
    }

    @Test(arguments: [Float(-4), -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 4])
    func constantExponentsAvoidLibmPow(_ e: Float) throws {
        let (node, got) = try Self.pow(e)
        let ops = topologicalOrder([node]).map(\.op)
        #expect(!ops.contains { ($0 as? BinaryOp)?.kind == .pow }, "exponent \(e)")
        let want = Self.x.map { powf($0, e) }
        for (g, w) in zip(got, want) { #expect(Swift.abs(g - w) <= 4 * w.ulp, "x**\(e): \(g) vs powf \(w)") }
    }

    @Test func numpysShortcutsGiveNumpysBits() throws {
        let values: [Float] = [-2.5, -0.0, 0, 1e-30, 3e19, .infinity, -.infinity, .nan, 0.1]
        #expect(try Self.pow(2, values).1.map(\.bitPattern) == values.map { ($0 * $0).bitPattern })
        #expect(try Self.pow(0.5, values).1.map(\.bitPattern) == values.map { $0.squareRoot().bitPattern })
        #expect(try Self.pow(-1, values).1.map(\.bitPattern) == values.map { (1 / $0).bitPattern })
        #expect(try Self.pow(1, values).1.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(try Self.pow(0, values).1 == values.map { _ in 1 })
    }

    @Test func otherExponentsStillUsePow() throws {
        for e: Float in [1.5, 5, -5, 0.25] {
            let (node, got) = try Self.pow(e)
            #expect((node.op as? BinaryOp)?.kind == .pow)
            #expect(got == Self.x.map { powf($0, e) })
        }
        // a non-scalar or symbolic exponent keeps the general op
        let v = try T.pow(Node.input("x", shape: [3]), Node.constant(Check.floats([2, 2, 2])))
        #expect((v.op as? BinaryOp)?.kind == .pow)
    }

    @Test(arguments: [Float(-4), -3, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 4, 1.5])
    func gradientsMatchFiniteDifferences(_ e: Float) throws {
        // inputs near 1, where x⁻⁴ stays small enough for the probe's finite differences
        let x = Check.floats([0.83, 1.7, 1.29, 0.91, 1.23, 1.46, 0.97, 1.55, 1.11], [3, 3])
        let err = try Check.gradientError([x], eps: 1e-3) { try Check.probe(T.pow($0[0], e)) }
        #expect(err < 1e-2, "x**\(e): \(err)")
    }

    @Test func gradientOfACubeIsThreeSquaresWithoutPow() throws {
        let x = Node.input("x", shape: [4])
        let g = try grad(T.sum(T.pow(x, 3)), wrt: [x])[0]
        #expect(!topologicalOrder([g]).contains { ($0.op as? BinaryOp)?.kind == .pow })
        let out = try Function(inputs: [x], outputs: [g])([Check.floats([1, 2, -3, 0.5])])[0].scalars
        #expect(out == [3, 12, 27, 0.75])
    }
}
