import AgentNet
import AgentNetTestSupport
import Testing

/// BroadcastLayer, UnbroadcastLayer and UpcastLayer (Sources/AgentNet/Layers/BroadcastLayers.swift), clipGrads,
/// mul and add: exact layouts against hand-computed indices, finite-difference gradients and errors.
@Suite struct BroadcastTests {
    let x = Check.distinct([2, 3, 4]), y = Check.distinct([2, 2], seed: 2)

    /// Outputs of `layers` with `inputs` bound, in every compiled mode of `Check.eval`.
    func outputs(_ layers: [Layer], _ inputs: [InputLayer], _ values: [Tensor]) throws -> [Tensor] {
        try Check.eval(values) { nodes in try getOutput(layers, inputs: Array(zip(inputs, nodes))) }
    }

    @Test func broadcastFoldsAxesIntoTheBatchAndUnbroadcastRestoresThem() throws {
        let input = InputLayer(shape: [nil, 3, 4]), other = InputLayer(shape: [nil, 2])
        let bc = try BroadcastLayer(input, broadcastedAxes: [0, 2])
        #expect(bc.outputShape == [nil, 3] && bc.broadcastedAxes == [0, 2] && bc.nonBroadcastedAxes == [1])
        let back = try UnbroadcastLayer(bc, broadcastLayer: bc), up = try UpcastLayer(other, broadcastLayer: bc)
        #expect(back.outputShape == [nil, 3, 4] && up.outputShape == [nil, 2] && up.repeatedAxes == [2])
        let out = try outputs([bc, back, up], [input, other], [x, y])
        // row b*4 + h of the fold is x[b, :, h]
        let xv: [Float] = x.scalars, yv: [Float] = y.scalars
        var folded = [Float](), repeated = [Float]()
        for r in 0..<8 {
            for s in 0..<3 { folded.append(xv[(r / 4) * 12 + s * 4 + r % 4]) }
            repeated += yv[(r / 4 * 2)..<(r / 4 * 2 + 2)]
        }
        #expect(out[0].shape == [8, 3] && out[0].scalars == folded)
        #expect(out[1].scalars == xv && out[1].shape == [2, 3, 4])
        #expect(out[2].shape == [8, 2] && out[2].scalars == repeated)
        #expect(try BroadcastLayer(inputShape: [2, 3, 4], broadcastedAxes: [-1, 0]).outputShape == [8, 3])
    }

    @Test func foldsGradientsMatchFiniteDifferences() throws {
        let input = InputLayer(shape: [nil, 3, 4]), other = InputLayer(shape: [nil, 2])
        let bc = try BroadcastLayer(input, broadcastedAxes: [0, 1])
        let dense = try DenseLayer(bc, numUnits: 2, nonlinearity: .tanh)                      // [B*3, 2]
        let back = try UnbroadcastLayer(dense, broadcastLayer: bc), up = try UpcastLayer(other, broadcastLayer: bc)
        #expect(back.outputShape == [nil, 3, 2] && up.outputShape == [nil, 2])
        let err = try Check.gradientError([x, y]) { i in
            let out = try getOutput([back, up], inputs: [(input, i[0]), (other, i[1])])
            return try T.add(Check.probe(out[0]), Check.probe(out[1]))
        }
        #expect(err < 2e-2)
    }

    @Test func theFoldIsUndoneForEachOutputOfTheBroadcastLayer() throws {
        // Two get_output calls of one broadcast layer with different batch sizes, in one function: each
        // UnbroadcastLayer output uses the shape behind the broadcast output it was given.
        let input = InputLayer(shape: [nil, 3, 4])
        let bc = try BroadcastLayer(input, broadcastedAxes: [0, 2]), back = try UnbroadcastLayer(bc, broadcastLayer: bc)
        let a = Node.input("a", shape: [nil, 3, 4]), b = Node.input("b", shape: [nil, 3, 4])
        let fa = try getOutput(back, inputs: [(input, a)]), fb = try getOutput(back, inputs: [(input, b)])
        let big = Check.distinct([5, 3, 4], seed: 3)
        let out = try Function(inputs: [a, b], outputs: [fa, fb])([x, big])
        #expect(out[0].scalars == x.scalars && out[1].scalars == big.scalars)
        let stranger = Node.input("s", shape: [nil, 3])
        #expect(Check.error { try back.output(for: [stranger, stranger], options: LayerOptions()) }?.message.contains("not an output that BroadcastLayer computed") == true)
    }

    @Test func broadcastErrors() throws {
        #expect(Check.error { try BroadcastLayer(inputShape: [nil, 3, 4], broadcastedAxes: [1]) }?.message.contains("batch (0th) axis") == true)
        #expect(Check.error { try BroadcastLayer(inputShape: [nil, 3, 4], broadcastedAxes: [3], name: "b") }?.message == "BroadcastLayer 'b': axis 3 is out of range for input shape (None, 3, 4)")
        #expect(Check.error { try BroadcastLayer(inputShape: [nil, 3], broadcastedAxes: []) }?.message.contains("empty") == true)
        let bc = try BroadcastLayer(inputShape: [nil, 3, 4], broadcastedAxes: [0, 1])
        #expect(Check.error { try UnbroadcastLayer(inputShape: [nil, 4, 1], broadcastLayer: bc) }?.message == "UnbroadcastLayer: incoming shape (None, 4, 1) must have as many axes as the output (None, 4) of BroadcastLayer")
        let noBatch = try BroadcastLayer(inputShape: [nil, 3, 4], broadcastedAxes: [1], forceBroadcastableBatch: false)
        #expect(Check.error { try UpcastLayer(inputShape: [nil, 2], broadcastLayer: noBatch) }?.message.contains("axis 0") == true)
    }

    @Test func registryResolvesTheBroadcastLayerHandle() throws {
        let bc = try BroadcastLayer(inputShape: [nil, 3, 4], broadcastedAxes: [0, 2])
        let resolve: (Int64) throws -> AnyObject = { h in
            guard h == 7 else { throw AgentNetError(.invalidHandle, "handle \(h)") }
            return bc
        }
        let up = try LayerRegistry.make("UpcastLayer", .object(["broadcast_layer": .number(7)]), inputShapes: [[2, 5], [nil, 3]], name: nil, resolve: resolve)
        #expect(up.outputShape == [8, 5])   // 2 rows, each repeated over the 4 entries of axis 2
        let made = try LayerRegistry.make("BroadcastLayer", .object(["broadcasted_axes": .number(0)]), inputShapes: [[nil, 3]], name: nil, resolve: resolve)
        #expect(made.outputShape == [nil, 3])
        #expect(Check.throwsAny { try LayerRegistry.make("UnbroadcastLayer", .object(["broadcast_layer": .number(8)]), inputShapes: [[nil, 3], [nil, 3]], name: nil, resolve: resolve) })
    }

    // MARK: clip_grads, mul, add

    @Test func clipGradsIsTheIdentityWithClippedGradients() throws {
        let a = InputLayer(shape: [nil, 3], name: "a")
        let clipped = try clipGrads(a, clippingBound: 0.5)
        #expect(clipped.name == "a.clipgrads")
        let v = Check.distinct([2, 3])
        #expect(try runLayer(clipped, [v]).scalars == v.scalars)
        let g = try Check.eval1([v]) { i in try grad(T.sum(T.mul(clipped.output(for: i, options: LayerOptions()), 10)), wrt: [i[0]])[0] }
        #expect(g.scalars == Array(repeating: 0.5, count: 6))
        // within the bound the gradient is exact
        #expect(try layerGradientError(try GradClipLayer(inputShape: [nil, 3], clippingBound: 100), [Check.distinct([2, 3])]) < 1e-2)
        #expect(Check.error { try clipGrads(a, clippingBound: 0) }?.message.contains("must be positive") == true)
    }

    @Test func mulAndAddMergeLayersElementwise() throws {
        let a = InputLayer(shape: [nil, 3]), b = InputLayer(shape: [nil, 3])
        let u = Check.distinct([2, 3]), v = Check.distinct([2, 3], seed: 2)
        let out = try outputs([mul([a, b]), add([a, b], name: "s")], [a, b], [u, v])
        #expect(out[0].scalars == zip(u.scalars, v.scalars).map(*) && out[1].scalars == zip(u.scalars, v.scalars).map(+))
    }
}
