import AgentNet
import AgentNetTestSupport
import Testing

/// Float64 reference of NAF's advantage `−½ (u − μ)ᵀ (L Lᵀ) (u − μ)` per row, forming P as the seed did.
/// `u`, `mu`: `[B, A]`; `l`: `[B, A, A]`, all row-major.
private func advantage64(_ u: [Float], _ mu: [Float], _ l: [Float], _ a: Int) -> [Float] {
    (0..<u.count / a).map { b in
        let d = (0..<a).map { Double(u[b * a + $0]) - Double(mu[b * a + $0]) }
        let L = { (i: Int, j: Int) in Double(l[b * a * a + i * a + j]) }
        var q = 0.0
        for i in 0..<a { for j in 0..<a {
            let p = (0..<a).reduce(0.0) { $0 + L(i, $1) * L(j, $1) }
            q += d[i] * p * d[j]
        } }
        return Float(-0.5 * q)
    }
}

private func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Check.same(a, b, tol: tol), "\(a) vs \(b)", sourceLocation: sourceLocation)
}

@Suite struct NAFTests {
    @Test func trilSizesRoundTripAndRejectNonTriangularNumbers() throws {
        #expect(try [1, 2, 3, 4].map { try QLearningNAF.diagToTrilSize($0) } == [1, 3, 6, 10])
        #expect([1, 3, 6, 10].map { QLearningNAF.trilSizeToDiag($0) } == [1, 2, 3, 4])
        #expect([0, 2, 4, 5, 9, -3].map { QLearningNAF.trilSizeToDiag($0) } == [nil, nil, nil, nil, nil, nil])
        #expect(QLearningNAF.trilSizeToDiag(try QLearningNAF.diagToTrilSize(123_456)) == 123_456)
        #expect(QLearningNAF.trilSizeToDiag(try QLearningNAF.diagToTrilSize(123_456) + 1) == nil)
        #expect(QLearningNAF.trilSizeToDiag(Int.max) == nil)
        #expect(throws: AgentNetError.self) { try QLearningNAF.diagToTrilSize(0) }
    }

    @Test func lowerTriangularLayerFillsTheReferenceExample() throws {
        let l = try LowerTriangularLayer(inputShape: [nil, 3])
        #expect(l.matrixDiag == 2 && l.outputShape == [nil, 2, 2])
        let y = try runLayer(l, [Check.floats([1, 2, 3, -1, -2, -3], [2, 3])])
        #expect(y.shape == [2, 2, 2] && y.scalars == [1, 0, 2, 3, -1, 0, -2, -3])
        #expect(try l.outputShape(for: [[5, 10]]) == [5, 4, 4])
        #expect(try layerGradientError(try LowerTriangularLayer(inputShape: [nil, 6]), [Check.distinct([2, 6])]) < 1e-2)
        #expect(l.description == "LowerTriangularLayer(matrix_diag=2) (?, 2, 2)")
    }

    @Test func lowerTriangularLayerRejectsInputsThatDoNotFillATriangle() {
        #expect(Check.error { try LowerTriangularLayer(inputShape: [nil, 4], name: "L") }?.message
            .contains("LowerTriangularLayer 'L': the incoming layer has 4 units, which do not fill a lower-triangular matrix") == true)
        #expect(Check.error { try LowerTriangularLayer(inputShape: [nil, nil]) }?.message.contains("known number of units") == true)
        #expect(Check.error { try LowerTriangularLayer(inputShape: [nil, 2, 3]) }?.message.contains("[batch, units]") == true)
    }

    @Test func matrixDiagLearnsALinearMapToTheEntries() throws {
        let input = InputLayer(shape: [nil, 5])
        let l = try LowerTriangularLayer(input, matrixDiag: 3, name: "qnaf.L")
        let dense = try #require(l.incoming[0] as? DenseLayer)
        #expect(dense.name == "qnaf.L.preprocess_input" && dense.numUnits == 6 && dense.nonlinearity == .linear)
        #expect(try getAllParams(l).map(\.name) == ["qnaf.L.preprocess_input.W", "qnaf.L.preprocess_input.b"])
        #expect(l.outputShape == [nil, 3, 3])
        // Without a name the Dense is named as the seed's: "" + ".preprocess_input".
        #expect(try LowerTriangularLayer(input, matrixDiag: 1).incoming[0]?.name == ".preprocess_input")
        // Given entries directly: no Dense in between.
        #expect(try getAllLayers(LowerTriangularLayer(try DenseLayer(input, numUnits: 10), name: "L")).count == 3)
        #expect(try getAllLayers(LowerTriangularLayer(InputLayer(shape: [nil, 3]))).count == 2)
    }

    @Test func nafAdvantageMatchesTheReferenceExample() throws {
        // L = [[1, 0], [2, 3]]: u − μ = [1, 0] gives −0.5, [0, 1] gives −6.5 (reference §2.10).
        let layer = try NAFLayer(actionShape: [nil, 2], meanShape: [nil, 2], LShape: [nil, 2, 2])
        #expect(layer.outputShape == [nil, 1])
        let u = Check.floats([1, 0, 0.5, 1], [2, 2]), mu = Check.floats([0, 0, 0.5, 0], [2, 2])
        let l = Check.floats([1, 0, 2, 3, 1, 0, 2, 3], [2, 2, 2])
        let a = try runLayer(layer, [u, mu, l])
        #expect(a.shape == [2, 1] && a.scalars == [-0.5, -6.5])
    }

    @Test func nafAdvantageMatchesFloat64AndItsGradientsFiniteDifferences() throws {
        let layer = try NAFLayer(actionShape: [nil, 3], meanShape: [nil, 3], LShape: [nil, 3, 3])
        // A full (not triangular) L too: the layer computes −½ dᵀ L Lᵀ d for whatever L it is given.
        let u = Check.distinct([4, 3]), mu = Check.distinct([4, 3], seed: 2), l = Check.distinct([4, 3, 3], seed: 3)
        let a = try runLayer(layer, [u, mu, l])
        expectClose(a.scalars, advantage64(u.scalars, mu.scalars, l.scalars, 3))
        #expect(a.scalars.allSatisfy { $0 <= 0 })
        #expect(try Check.gradientError([u, mu, l]) { try Check.probe(layer.output(for: $0, options: LayerOptions())) } < 1e-2)
    }

    @Test func nafLayerRejectsInconsistentShapes() {
        func message(_ u: [Int?], _ mu: [Int?], _ l: [Int?]) -> String {
            Check.error { try NAFLayer(actionShape: u, meanShape: mu, LShape: l, name: "adv") }?.message ?? ""
        }
        #expect(message([nil, 2], [nil, 3], [nil, 2, 2]).contains("NAFLayer 'adv': action_layer, mean_layer and L_layer disagree on the number of action dimensions: (?, 2), (?, 3), (?, 2, 2)"))
        #expect(message([nil, 2], [nil, 2], [nil, 2, 3]).contains("number of action dimensions"))
        #expect(message([4, 2], [5, 2], [nil, 2, 2]).contains("batch size"))
        #expect(message([nil, 2, 1], [nil, 2], [nil, 2, 2]).contains("expected action_layer [batch, action]"))
        #expect(message([nil, 2], [nil, 2], [nil, 2]).contains("L_layer [batch, action, action]"))
        #expect(throws: AgentNetError.self) {
            try LayerRegistry.make("NAFLayer", .object([:]), inputShapes: [[nil, 2], [nil, 2]], name: nil) { _ in throw AgentNetError(.invalidHandle, "none") }
        }
    }

    @Test func clipLayerKeepsValuesWithinPerActionBounds() throws {
        let x = Check.floats([-3, 0.5, 3, 1, -1, -0.25], [2, 3])
        let both = try ClipLayer(inputShape: [nil, 3], low: [-1], high: [1])
        #expect(try runLayer(both, [x]).scalars == [-1, 0.5, 1, 1, -1, -0.25])
        let perAction = try ClipLayer(inputShape: [nil, 3], low: [-.infinity, 0, -0.5], high: [0, .infinity, 0])
        #expect(try runLayer(perAction, [x]).scalars == [-3, 0.5, 0, 0, 0, -0.25])
        let none = try ClipLayer(inputShape: [nil, 3])
        #expect(try runLayer(none, [x]).scalars == x.scalars)
        // The gradient flows inside the bounds only.
        let v = Node.input("x", shape: [2, 3])
        let g = try Function(inputs: [v], outputs: [grad(T.sum(both.output(for: [v], options: LayerOptions())), wrt: [v])[0]])([x])[0]
        #expect(g.scalars == [0, 1, 0, 1, 1, 1])
        #expect(Check.error { try ClipLayer(inputShape: [nil, 3], low: [0, 0]) }?.message.contains("one number or one per position") == true)
        #expect(Check.error { try ClipLayer(inputShape: [nil, 2], low: [1], high: [0, 2]) }?.message.contains("low must not exceed high") == true)
        #expect(Check.error { try ClipLayer(inputShape: [nil, 2], low: [.nan]) }?.message.contains("NaN") == true)
        #expect(Check.error { try ClipLayer(inputShape: [nil, nil], low: [0, 0], high: [1, 1, 1]) }?.message.contains("low has 2 bounds and high 3") == true)
    }

    @Test func registryMakesTheNAFLayers() throws {
        let none: (Int64) throws -> AnyObject = { _ in throw AgentNetError(.invalidHandle, "none") }
        let l = try LayerRegistry.make("LowerTriangularLayer", .object([:]), inputShapes: [[nil, 6]], name: "L", resolve: none)
        #expect(l.outputShape == [nil, 3, 3] && l.name == "L")
        #expect(try l.outputShape(for: [[nil, 10]]) == [nil, 4, 4])
        let naf = try LayerRegistry.make("NAFLayer", .object([:]), inputShapes: [[nil, 2], [nil, 2], [nil, 2, 2]], name: nil, resolve: none)
        #expect(naf.outputShape == [nil, 1])
        let clip = try LayerRegistry.make("ClipLayer", try JSON.parse(#"{"low": [-Infinity, 0], "high": 2}"#), inputShapes: [[nil, 2]], name: nil, resolve: none)
        #expect(try runLayer(clip, [Check.floats([-5, -5, 5, 5], [2, 2])]).scalars == [-5, 0, 2, 2])
        #expect(Check.error { try LayerRegistry.make("ClipLayer", try JSON.parse(#"{"low": "x"}"#), inputShapes: [[nil, 2]], name: nil, resolve: none) }?
            .message.contains("'low' must be a number or a list of numbers") == true)
    }

    // MARK: build_NAF_controller

    @Test func controllerHasTheSeedsLayersNamesAndParameters() throws {
        let input = InputLayer(shape: [nil, 4], name: "state")
        let c = try buildNAFController(input: input, actionDimensions: 2)
        #expect(c.layers.map(\.key) == ["means", "actions", "action_qvalues", "state_value", "advantage"])
        #expect(c.means.name == "qnaf.weights" && (c.means as? DenseLayer)?.nonlinearity == .linear)
        #expect(c.stateValue.name == "qnaf.state_value" && (c.stateValue as? DenseLayer)?.nonlinearity == .rectify)
        #expect(c.advantage.name == "qnaf.advantage" && c.advantage is NAFLayer)
        #expect(c.actions is GaussianNoiseLayer && c.actions.incoming[0] is ClipLayer)
        let L = try #require(c.advantage.incoming[2] as? LowerTriangularLayer)
        #expect(L.name == "qnaf.L" && L.matrixDiag == 2)
        #expect(c.actionQvalues is ElemwiseSumLayer && c.actionQvalues.outputShape == [nil, 1])
        #expect(try getAllParams(c.actionQvalues).map(\.name) == [
            "qnaf.state_value.W", "qnaf.state_value.b", "qnaf.weights.W", "qnaf.weights.b",
            "qnaf.L.preprocess_input.W", "qnaf.L.preprocess_input.b"])
    }

    @Test func controllerQIsVPlusTheAdvantageOfTheGivenActions() throws {
        let input = InputLayer(shape: [nil, 4], name: "state")
        let c = try buildNAFController(input: input, actionDimensions: 2, exploration: .gaussian(sigma: 0.5, seed: 7),
                                       actionLow: [-0.05, -1], actionHigh: [0.05, 1])
        let L = try #require(c.advantage.incoming[2])
        let x = Check.distinct([5, 4]), u = Check.distinct([5, 2], seed: 2)
        let s = Node.input("s", shape: [nil, 4]), a = Node.input("u", shape: [nil, 2])
        // Recorded actions stand for the actions layer.
        let given = try getOutput([c.actionQvalues, c.stateValue, c.means, L], inputs: [(input, s), (c.actions, a)])
        let out = try Function(inputs: [s, a], outputs: given)([x, u])
        let (q, v, mu, l) = (out[0].scalars, out[1].scalars, out[2].scalars, out[3].scalars)
        let expected = zip(v, advantage64(u.scalars, mu, l, 2)).map { $0 + $1 }
        expectClose(q, expected)
        // Deterministic: the actions are the clipped means, and A is −½ (clip(μ) − μ)ᵀ P (clip(μ) − μ).
        let det = try getOutput([c.actions, c.advantage, c.means], inputs: [(input, s)], options: LayerOptions(deterministic: true))
        let d = try Function(inputs: [s], outputs: det)([x])
        let clipped = d[2].scalars.enumerated().map { i, m in Swift.min(Swift.max(m, i % 2 == 0 ? -0.05 : -1), i % 2 == 0 ? 0.05 : 1) }
        #expect(d[0].scalars == clipped)
        expectClose(d[1].scalars, advantage64(clipped, d[2].scalars, l, 2))
        // With noise, the actions differ from the clipped means.
        let noisy = try Function(inputs: [s], outputs: [getOutput(c.actions, inputs: [(input, s)])])([x])[0]
        #expect(noisy.scalars != clipped)
    }

    @Test func controllerTrainsEndToEndWithTheDPGCriticLoss() throws {
        let input = InputLayer(shape: [nil, 3])
        // A linear V: the default rectify one has kinks that finite differences may straddle.
        let c = try buildNAFController(input: input, actionDimensions: 2,
                                       stateValue: try DenseLayer(input, numUnits: 1, nonlinearity: .linear, name: "V"))
        let rewards = Check.distinct([1, 6], seed: 5)
        // One session of 6 ticks: the batch axis of the controller is the tick axis of the objective.
        func loss(_ s: Node, _ a: Node) throws -> Node {
            let qv = try getOutput([c.actionQvalues, c.stateValue], inputs: [(input, s), (c.actions, a)])
            let session = { (x: Node) in try T.reshape(x, [1, 6]) }
            return try T.sum(DPG.elementwiseObjectiveCritic(actionQvalues: session(qv[0]), stateValues: session(qv[1]),
                                                            rewards: .constant(rewards), gamma: 0.9, considerReferenceConstant: false))
        }
        let x = Check.distinct([6, 3]), u = Check.distinct([6, 2], seed: 9)
        #expect(try Check.gradientError([x, u]) { try loss($0[0], $0[1]) } < 1e-2)
        // Every parameter gets a gradient, and a few steps of gradient descent lower the loss.
        let s = Node.input("s", shape: [nil, 3]), a = Node.input("u", shape: [nil, 2])
        let params = try getAllParams(c.actionQvalues, tags: ["trainable": true])
        let l = try loss(s, a)
        let grads = try grad(l, wrt: params.map(\.node))
        let f = try Function(inputs: [s, a], outputs: [l] + grads)
        let first = try f([x, u])
        #expect(first.dropFirst().allSatisfy { g in g.scalars.contains { $0 != 0 } })
        var value = first[0].scalars[0]
        for _ in 0..<20 {
            let r = try f([x, u])
            value = r[0].scalars[0]
            for (p, g) in zip(params, r.dropFirst()) {
                let v = try #require(p.value)
                try v.set(try Tensor(zip(v.value.scalars, g.scalars).map { $0 - 0.02 * $1 }, shape: v.shape))
            }
        }
        #expect(value < first[0].scalars[0])
    }

    @Test func controllerExplorationFromALayer() throws {
        let input = InputLayer(shape: [nil, 4])
        let noise = InputLayer(shape: [nil, 2], name: "noise")
        let additive = try buildNAFController(input: input, actionDimensions: 2, exploration: .layer(noise, additive: true))
        #expect(additive.actions is ElemwiseSumLayer && additive.actions.incoming[1] === noise)
        let replaced = try buildNAFController(input: input, actionDimensions: 2, exploration: .layer(noise, additive: false))
        #expect(replaced.actions === noise)
        let x = Check.distinct([3, 4]), e = Check.distinct([3, 2], seed: 4)
        let s = Node.input("s", shape: [nil, 4]), n = Node.input("n", shape: [nil, 2])
        let out = try Function(inputs: [s, n], outputs: getOutput([additive.actions, additive.means], inputs: [(input, s), (noise, n)]))([x, e])
        expectClose(out[0].scalars, zip(out[1].scalars, e.scalars).map { $0 + $1 })
    }

    @Test func controllerChecksItsArguments() throws {
        let input = InputLayer(shape: [nil, 4])
        #expect(Check.error { try buildNAFController(input: nil) }?.message.contains("input_layer is required unless mean_layer, V_layer and L_layer are all given") == true)
        let mean = try DenseLayer(input, numUnits: 3, nonlinearity: .linear)
        #expect(Check.error { try buildNAFController(input: input, actionDimensions: 2, mean: mean) }?.message
            .contains("mean_layer must be [batch, 2] for action_dimensions=2, got (?, 3)") == true)
        #expect(Check.error { try buildNAFController(input: input, stateValue: try DenseLayer(input, numUnits: 2)) }?.message
            .contains("V_layer must be [batch, 1], got (?, 2)") == true)
        let wrongL = try LowerTriangularLayer(input, matrixDiag: 3)
        #expect(Check.error { try buildNAFController(input: input, actionDimensions: 2, L: wrongL) }?.message
            .contains("L_layer must be [batch, 2, 2]") == true)
        #expect(Check.error { try buildNAFController(input: input, exploration: .layer(InputLayer(shape: [nil, 2]), additive: false)) }?.message
            .contains("disagree on the number of action dimensions") == true)
        // All three given: no input needed.
        let given = try buildNAFController(input: nil, actionDimensions: 3, mean: mean, stateValue: try DenseLayer(input, numUnits: 1),
                                           L: try LowerTriangularLayer(input, matrixDiag: 3))
        #expect(given.means === mean)
    }
}
