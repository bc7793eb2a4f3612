@testable import AgentNet
import AgentNetFastMath
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The vectorised sigmoid/tanh (AgentNetFastMath) against float64, the AVX2 loops against the baseline ones, and the fused nonlinearity gradients
/// (`UnaryGradOp`) against the primitive formulas and finite differences.
@Suite struct FastMathTests {
    /// Every 1/1024 over [-30, 30] plus tiny and extreme values: within 3 float32 ulps (relative) of float64.
    @Test func sigmoidAndTanhMatchFloat64() throws {
        var xs: [Float] = (-30 * 1024...30 * 1024).map { Float($0) / 1024 }
        xs += [1e-30, -1e-30, 1e-8, -1e-8, 3e-4, -3e-4, 0.6249, 0.6251, -0.6251, 88, -88, 100, -100, 1e30, -1e30]
        var worstS = 0.0, worstT = 0.0
        for x in xs {
            let d = Double(x)
            let s = 1 / (1 + Glibc.exp(-d)), t = Glibc.tanh(d)
            worstS = Swift.max(worstS, Swift.abs(Double(fastSigmoid(x)) - s) / Swift.max(Swift.abs(s), 1e-37))
            worstT = Swift.max(worstT, Swift.abs(Double(fastTanh(x)) - t) / Swift.max(Swift.abs(t), 1e-37))
        }
        // Below e^-87.3 the sigmoid is clamped (relative error 1 there): judge those points absolutely.
        let tiny = xs.filter { $0 < -87 }.map { Double(fastSigmoid($0)) }.max() ?? 0
        #expect(tiny < 2e-38)
        let worstNormal = xs.filter { $0 > -80 }.map { x -> Double in
            let s = 1 / (1 + Glibc.exp(-Double(x)))
            return Swift.abs(Double(fastSigmoid(x)) - s) / s
        }.max() ?? 0
        #expect(worstNormal < 3.6e-7, "sigmoid relative error \(worstNormal)")
        #expect(worstT < 3.6e-7, "tanh relative error \(worstT)")
        _ = worstS
    }

    /// The AVX2 loops (AgentNetFastMath, compiled for a wider target) give exactly the baseline loops' results, at
    /// every length around the 4- and 8-lane boundaries and over the whole range including NaN and infinities.
    @Test func wideLoopsEqualBaselineBitForBit() throws {
        var xs: [Float] = (-100 * 64...100 * 64).map { Float($0) / 64 }
        xs += [.nan, .infinity, -.infinity, 1e-30, -1e-30, 0.625, -0.625, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let wideOK = CPUInfo.current.has("avx2")
        for n in Array(0...17) + [xs.count] {
            let a = Array(xs.suffix(n))
            var base = [Float](repeating: 0, count: n), wide = base, dispatched = base
            for (loop, baseline, name) in [(tanhLoopWide, tanhLoopBaseline, "tanh"), (sigmoidLoopWide, sigmoidLoopBaseline, "sigmoid")] {
                a.withUnsafeBufferPointer { p in
                    baseline(n, p.baseAddress!, &base)
                    if wideOK { loop(n, p.baseAddress!, &wide) } else { wide = base }
                    (name == "tanh" ? tanhLoop : sigmoidLoop)(n, p.baseAddress!, &dispatched)
                }
                #expect(zip(base, wide).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name), n = \(n)")
                #expect(zip(base, dispatched).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name), n = \(n)")
            }
        }
    }

    @Test func specialValues() {
        #expect(fastSigmoid(0) == 0.5)
        #expect(fastTanh(0) == 0)
        #expect(fastSigmoid(.infinity) == 1 && fastSigmoid(-.infinity) < 2e-38)
        #expect(fastTanh(.infinity) == 1 && fastTanh(-.infinity) == -1)
        #expect(fastSigmoid(.nan).isNaN && fastTanh(.nan).isNaN)
    }

    @Test(arguments: [UnaryKind.sigmoid, .tanh, .relu])
    func fusedGradientMatchesPrimitives(_ kind: UnaryKind) throws {
        let x = Check.distinct([3, 5]), g = Check.random([3, 5], seed: 7)
        let out = try Check.eval([x, g]) { v in
            let y = try T.unary(kind, v[0])
            let fused = try T.unaryGrad(kind, kind == .relu ? v[0] : y, v[1])
            let reference: Node
            switch kind {
            case .sigmoid: reference = try T.mul(v[1], T.mul(y, T.sub(1, y)))
            case .tanh: reference = try T.mul(v[1], T.sub(1, T.square(y)))
            default: reference = try T.mul(v[1], T.cast(T.gt(v[0], 0), .float32))
            }
            return [fused, reference, try grad(T.sum(T.mul(y, v[1])), wrt: [v[0]])[0]]
        }
        #expect(Check.same(out[0].scalars, out[1].scalars, tol: 1e-6))
        #expect(Check.same(out[2].scalars, out[1].scalars, tol: 1e-6))
    }

    /// First and second derivatives through the fused gradient (its own gradient rule) against finite differences.
    @Test(arguments: [UnaryKind.sigmoid, .tanh, .relu])
    func fusedGradientHasGradients(_ kind: UnaryKind) throws {
        let x = Check.distinct([2, 3]), g = Check.random([2, 3], seed: 3)
        let first = try Check.gradientError([x, g]) { v in
            try Check.probe(T.unaryGrad(kind, kind == .relu ? v[0] : T.unary(kind, v[0]), v[1]))
        }
        #expect(first < 2e-2, "\(kind): \(first)")
        // The gradient of sum(f(x)²) with respect to x, differentiated again.
        let second = try Check.gradientError([x]) { v in
            let y = try T.unary(kind, v[0])
            return try Check.probe(grad(T.sum(T.square(y)), wrt: [v[0]])[0])
        }
        #expect(second < 2e-2, "\(kind): \(second)")
    }

    @Test func fusedGradientRejectsMismatchedShapes() {
        let a = Node.input("a", shape: [2, 3]), b = Node.input("b", shape: [3, 2])
        #expect(Check.error { try T.unaryGrad(.sigmoid, a, b) } != nil)
        #expect(Check.error { try T.unaryGrad(.exp, a, a) } != nil)
        let c = Node.input("c", shape: [nil, 3])
        let f = try? Function(inputs: [a, c], outputs: [try! T.unaryGrad(.tanh, a, c)])
        #expect(Check.error { try f?([Check.random([2, 3]), Check.random([4, 3])]) } != nil)
    }
}
