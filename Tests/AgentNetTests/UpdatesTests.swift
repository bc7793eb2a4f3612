@testable import AgentNet
import AgentNetFastMath
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The update rules against float64 references computed here over several steps, with the gradients fed as inputs
/// (so each step's gradient is known exactly); state, order, hyperparameter checks; an MLP trained with Adam.
@Suite struct UpdatesTests {
    static let shape = [3, 5]  // 15 elements: two SIMD vectors, the second partial
    static let p0: [Double] = Check.random(shape, seed: 3).scalars.map(Double.init)

    /// The gradient fed at step `t` (deterministic, mixed signs and magnitudes).
    static func gradient(_ t: Int) -> [Double] {
        Check.random(shape, seed: UInt64(10 + t)).scalars.map { Double($0) * (t % 2 == 0 ? 0.5 : 2) }
    }

    /// Runs `rule` for `steps` steps on a parameter starting at `p0` with the gradients above; returns its values.
    static func run(_ steps: Int, _ rule: (LossOrGradients, [SharedValue]) throws -> UpdateList) throws -> [Float] {
        let p = SharedValue(try Tensor(p0.map(Float.init), shape: shape), name: "p")
        let g = Node.input("g", shape: shape.map { $0 })
        let updates = try rule(.gradients([g]), [p])
        let f = try Function(inputs: [g], outputs: [], updates: updates.pairs)
        for t in 1...steps { _ = try f([try Tensor(gradient(t).map(Float.init), shape: shape)]) }
        return p.value.scalars
    }

    /// Float64 reference of the same rule: `step(t, p, g, &state)` updates `p` in place.
    static func reference(_ steps: Int, stateCount: Int, _ step: (Int, inout [Double], [Double], inout [[Double]]) -> Void) -> [Double] {
        var p = p0, state = Array(repeating: Array(repeating: 0.0, count: p0.count), count: stateCount)
        for t in 1...steps { step(t, &p, gradient(t), &state) }
        return p
    }

    static func expectClose(_ got: [Float], _ want: [Double], _ what: String) {
        let err = zip(got, want).map { Swift.abs(Double($0) - $1) / Swift.max(1e-3, Swift.abs($1)) }.max() ?? 0
        #expect(err < 2e-5, "\(what): relative error \(err)")
    }

    @Test func sgdMatchesReference() throws {
        let got = try Self.run(4) { try Updates.sgd($0, params: $1, learningRate: 0.1) }
        Self.expectClose(got, Self.reference(4, stateCount: 0) { _, p, g, _ in for i in p.indices { p[i] -= 0.1 * g[i] } }, "sgd")
    }

    @Test(arguments: [false, true])
    func momentumMatchesReference(nesterov: Bool) throws {
        let got = try Self.run(5) {
            nesterov ? try Updates.nesterovMomentum($0, params: $1, learningRate: 0.05, momentum: 0.9)
                     : try Updates.momentum($0, params: $1, learningRate: 0.05, momentum: 0.9)
        }
        let want = Self.reference(5, stateCount: 1) { _, p, g, s in
            for i in p.indices {
                s[0][i] = 0.9 * s[0][i] - 0.05 * g[i]
                p[i] += nesterov ? 0.9 * s[0][i] - 0.05 * g[i] : s[0][i]
            }
        }
        Self.expectClose(got, want, nesterov ? "nesterov" : "momentum")
    }

    @Test(arguments: [false, true])
    func applyMomentumOnSGDMatchesTheFusedRule(nesterov: Bool) throws {
        let fused = try Self.run(5) {
            nesterov ? try Updates.nesterovMomentum($0, params: $1, learningRate: 0.05, momentum: 0.8)
                     : try Updates.momentum($0, params: $1, learningRate: 0.05, momentum: 0.8)
        }
        let composed = try Self.run(5) {
            let base = try Updates.sgd($0, params: $1, learningRate: 0.05)
            return nesterov ? try Updates.applyNesterovMomentum(base, momentum: 0.8) : try Updates.applyMomentum(base, momentum: 0.8)
        }
        Self.expectClose(composed, fused.map(Double.init), "apply")
    }

    @Test func adagradRMSPropAdadeltaMatchReferences() throws {
        let adagrad = Self.reference(4, stateCount: 1) { _, p, g, s in
            for i in p.indices { s[0][i] += g[i] * g[i]; p[i] -= 0.5 * g[i] / (s[0][i] + 1e-6).squareRoot() }
        }
        Self.expectClose(try Self.run(4) { try Updates.adagrad($0, params: $1, learningRate: 0.5) }, adagrad, "adagrad")
        let rmsprop = Self.reference(4, stateCount: 1) { _, p, g, s in
            for i in p.indices { s[0][i] = 0.9 * s[0][i] + 0.1 * g[i] * g[i]; p[i] -= 0.01 * g[i] / (s[0][i] + 1e-6).squareRoot() }
        }
        Self.expectClose(try Self.run(4) { try Updates.rmsprop($0, params: $1, learningRate: 0.01) }, rmsprop, "rmsprop")
        let adadelta = Self.reference(4, stateCount: 2) { _, p, g, s in
            for i in p.indices {
                s[0][i] = 0.95 * s[0][i] + 0.05 * g[i] * g[i]
                let u = g[i] * (s[1][i] + 1e-6).squareRoot() / (s[0][i] + 1e-6).squareRoot()
                p[i] -= 1.0 * u
                s[1][i] = 0.95 * s[1][i] + 0.05 * u * u
            }
        }
        Self.expectClose(try Self.run(4) { try Updates.adadelta($0, params: $1) }, adadelta, "adadelta")
    }

    @Test func adamAndAdamaxMatchThePaper() throws {
        let (lr, b1, b2, eps) = (0.01, 0.9, 0.999, 1e-8)
        let adam = Self.reference(5, stateCount: 2) { t, p, g, s in
            for i in p.indices {  // Kingma & Ba, Algorithm 1
                s[0][i] = b1 * s[0][i] + (1 - b1) * g[i]
                s[1][i] = b2 * s[1][i] + (1 - b2) * g[i] * g[i]
                let mHat = s[0][i] / (1 - Foundationless.pow(b1, t)), vHat = s[1][i] / (1 - Foundationless.pow(b2, t))
                p[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
        Self.expectClose(try Self.run(5) { try Updates.adam($0, params: $1, learningRate: lr) }, adam, "adam")
        let adamax = Self.reference(5, stateCount: 2) { t, p, g, s in
            for i in p.indices {
                s[0][i] = b1 * s[0][i] + (1 - b1) * g[i]
                s[1][i] = Swift.max(b2 * s[1][i], Swift.abs(g[i]))
                p[i] -= 0.002 / (1 - Foundationless.pow(b1, t)) * s[0][i] / (s[1][i] + eps)
            }
        }
        Self.expectClose(try Self.run(5) { try Updates.adamax($0, params: $1) }, adamax, "adamax")
    }

    @Test func stateIsZeroFloat32NamedAfterTheParameterAndOrderedAsLasagne() throws {
        let w = SharedValue(Check.random([2, 3]), name: "W"), b = SharedValue(Check.random([3]))
        let loss = try T.sum(T.add(T.sum(T.square(w.node), axes: [0]), b.node))
        let adam = try Updates.adam(.loss(loss), params: [w, b])
        #expect(adam.keys.map { $0.name ?? "" } == ["W.m", "W.v", "W", "m", "v", "", "adam.t"])
        for s in adam.keys where s !== w && s !== b {
            #expect(s.dtype == .float32 && s.value.scalars.allSatisfy { $0 == 0 })
        }
        #expect(adam.keys[6].shape == [] && adam.keys[0].shape == [2, 3])
        let mom = try Updates.momentum(.loss(loss), params: [w, b], learningRate: 0.1)
        #expect(mom.keys.map { $0.name ?? "" } == ["W", "", "W.velocity", "velocity"])
        let ada = try Updates.adadelta(.loss(loss), params: [w])
        #expect(ada.keys.map { $0.name ?? "" } == ["W.accu", "W", "W.delta_accu"])
    }

    @Test func sharedLearningRateIsReadAtEveryCall() throws {
        let lr = SharedValue(Tensor(scalar: 0), name: "lr")
        let p = SharedValue(Check.floats([1, 2, 3], [3]))
        let g = Node.input("g", shape: [3])
        let f = try Function(inputs: [g], outputs: [], updates: try Updates.sgd(.gradients([g]), params: [p], learningRate: lr.node).pairs)
        let ones = Check.floats([1, 1, 1], [3])
        _ = try f([ones])
        #expect(p.value.scalars == [1, 2, 3])
        try lr.set(Tensor(scalar: 0.5))
        _ = try f([ones])
        #expect(p.value.scalars == [0.5, 1.5, 2.5])
    }

    @Test func applyMomentumOnASubsetKeepsTheOtherEntries() throws {
        let w = SharedValue(Check.random([2])), b = SharedValue(Check.random([2]))
        let base = try Updates.sgd(.loss(T.sum(T.mul(w.node, b.node))), params: [w, b], learningRate: 0.1)
        let out = try Updates.applyMomentum(base, params: [w], momentum: 0.5)
        #expect(out.count == 3 && out[b] === base[b] && out[w] !== base[w])
        #expect(base.count == 2)
    }

    @Test func badArgumentsAreErrorsNamingThem() throws {
        let p = SharedValue(Check.random([2]))
        let g = Node.input("g", shape: [2])
        let cases: [(String, () throws -> UpdateList)] = [
            ("learning_rate", { try Updates.sgd(.gradients([g]), params: [p], learningRate: Float.nan) }),
            ("beta1", { try Updates.adam(.gradients([g]), params: [p], beta1: 1.0) }),
            ("beta2", { try Updates.adam(.gradients([g]), params: [p], beta2: -0.1) }),
            ("epsilon", { try Updates.rmsprop(.gradients([g]), params: [p], epsilon: -1) }),
            ("momentum", { try Updates.momentum(.gradients([g]), params: [p], learningRate: 0.1, momentum: 1.5) }),
            ("rho", { try Updates.adadelta(.gradients([g]), params: [p], rho: 2) }),
            ("2 gradient", { try Updates.sgd(.gradients([g, g]), params: [p], learningRate: 0.1) }),
            ("scalar", { try Updates.adam(.loss(g), params: [p]) }),
            ("rank", { try Updates.sgd(.gradients([g]), params: [p], learningRate: Node.input("lr", shape: [1])) }),
        ]
        for (word, make) in cases {
            #expect(throws: AgentNetError.self, "\(word)") { try make() }
            do { _ = try make() } catch let e as AgentNetError { #expect(e.message.contains(word), "\(e.message)") }
        }
    }

    @Test func normConstraintsMatchHandValues() throws {
        // columns of [[3, 0], [4, 1]] have norms 5 and 1; max 2 scales the first by 2/5 and keeps the second
        let w = Check.floats([3, 0, 4, 1], [2, 2])
        let out = try evaluate([try Updates.normConstraint(Node.constant(w), maxNorm: 2, epsilon: 0)])[0].scalars
        #expect(Check.maxDiff(out, [1.2, 0, 1.6, 1]) < 1e-6)
        // 3² + 4² + 12² = 13²; max 6.5 halves everything
        let v = Check.floats([3, 0, 4, 0], [2, 2])
        let (scaled, norm) = try Updates.totalNormConstraint([Node.constant(v), Node.scalar(12)], maxNorm: 6.5, epsilon: 0)
        let r = try evaluate(scaled + [norm]).map(\.scalars)
        #expect(r[2] == [13])
        #expect(Check.maxDiff(r[0], [1.5, 0, 2, 0]) < 1e-6 && Check.maxDiff(r[1], [6]) < 1e-6)
        #expect(throws: AgentNetError.self) { try Updates.normConstraint(Node.constant(Tensor(scalar: 1)), maxNorm: 1) }
    }

    @Test(arguments: FusedKind.allCases)
    func fusedKernelGradientsMatchFiniteDifferences(_ kind: FusedKind) throws {
        let tensors = (0..<kind.tensors).map { Check.shifted(Check.random([9], seed: UInt64(20 + $0), positive: true), 0.2) }
        let scalars = (0..<kind.scalars).map { Tensor(scalar: 0.3 + 0.2 * Float($0)) }
        let err = try Check.gradientError(tensors + scalars, eps: 1e-3) { x in try Check.probe(T.fused(kind, x)) }
        #expect(err < 2e-2, "\(kind): \(err)")
    }

    @Test(arguments: FusedKind.allCases)
    func fusedKernelsMatchTheirPrimitiveFormulasAtEverySize(_ kind: FusedKind) throws {
        for n in [1, 7, 8, 9, 33] {
            let values = (0..<kind.tensors).map { Check.shifted(Check.random([n], seed: UInt64(n + $0), positive: true), 0.1) }
                + (0..<kind.scalars).map { Tensor(scalar: 0.25 + 0.5 * Float($0)) }
            let nodes = values.map(Node.constant)
            let fused = try evaluate([T.fused(kind, nodes)])[0].scalars
            let primitive = try evaluate([FusedOp(kind: kind).expanded(nodes)])[0].scalars
            #expect(Check.maxDiff(fused, primitive) <= 1e-6 * (primitive.map(Swift.abs).max() ?? 1), "\(kind) n=\(n)")
        }
    }

    @Test func wideSquareRootStepsGiveTheBaselineBits() throws {
        guard WideLoops.enabled else { return }
        let n = 37
        let x = (0..<3).map { Check.shifted(Check.random([n], seed: UInt64(40 + $0), positive: true), 0.05).floats }
        let p = UnsafePointer(x[0]), m = UnsafePointer(x[1]), v = UnsafePointer(x[2])
        let wide = UnsafeMutablePointer<Float>.allocate(capacity: n), base = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { wide.deallocate(); base.deallocate() }
        func same() -> Bool { (0..<n).allSatisfy { wide[$0].bitPattern == base[$0].bitPattern } }
        adamStepLoopWide(n, p, m, v, wide, 0.01, 1e-8)
        fusedLoop(n, p, m, v, base) { adamStep($0, $1, $2, 0.01, 1e-8) }
        #expect(same(), "adam_step")
        rmsStepLoopWide(n, p, m, v, wide, 0.01, 1e-6)
        fusedLoop(n, p, m, v, base) { rmsStep($0, $1, $2, 0.01, 1e-6) }
        #expect(same(), "rms_step")
        adadeltaDeltaLoopWide(n, p, m, v, wide, 1e-6)
        fusedLoop(n, p, m, v, base) { adadeltaDelta($0, $1, $2, 1e-6) }
        #expect(same(), "adadelta_delta")
    }

    @Test func mlpTrainedWithAdamFromSwiftAloneFitsARegression() throws {
        // y = sin(3·x0) + x1² on 64 points; a 2-32-1 tanh MLP.
        let rng = RandomState(seed: 7)
        let xs = (0..<128).map { _ in 2 * rng.uniform() - 1 }
        let ys = (0..<64).map { sinf(3 * xs[2 * $0]) + xs[2 * $0 + 1] * xs[2 * $0 + 1] }
        let x = Node.input("x", shape: [nil, 2]), y = Node.input("y", shape: [nil, 1])
        let hidden = try DenseLayer(inputShape: [nil, 2], numUnits: 32, nonlinearity: .tanh)
        let out = try DenseLayer(inputShape: [nil, 32], numUnits: 1, nonlinearity: .linear)
        let prediction = try out.output(for: [hidden.output(for: [x], options: LayerOptions())], options: LayerOptions())
        let loss = try Objectives.aggregate(Objectives.squaredError(prediction, y))
        let params = (hidden.params + out.params).compactMap(\.value)
        let train = try Function(inputs: [x, y], outputs: [loss],
                                 updates: try Updates.adam(.loss(loss), params: params, learningRate: 0.01).pairs)
        let args = [try Tensor(xs, shape: [64, 2]), try Tensor(ys, shape: [64, 1])]
        let first = try train(args)[0].scalars[0]
        var last = first
        for _ in 0..<400 { last = try train(args)[0].scalars[0] }
        #expect(last < first * 0.1, "loss \(first) → \(last)")
    }
}

/// `pow` over doubles with an integer exponent, without Foundation (the tests link only the engine).
enum Foundationless {
    static func pow(_ x: Double, _ n: Int) -> Double { (0..<n).reduce(1) { r, _ in r * x } }
}
