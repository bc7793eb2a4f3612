import AgentNet
import AgentNetTestSupport
import Testing

@Suite struct LayersTests {
    @Test func denseLayerComputesNonlinearityOfAffineMap() throws {
        let w = SharedValue(try Tensor([Float]([1, -1, 2, 0, 0.5, 1]), shape: [3, 2]))
        let b = SharedValue(try Tensor([Float]([0.5, -2]), shape: [2]))
        let dense = try DenseLayer(inputShape: [nil, 3], numUnits: 2, W: .shared(w), b: .shared(b), nonlinearity: .rectify)
        let x = Node.input("x", shape: [nil, 3])
        let f = try Function(inputs: [x], outputs: [try dense.output(for: [x], options: LayerOptions())])
        let out = try f([try Tensor([Float]([1, 1, 1, 2, 0, -1]), shape: [2, 3])])[0]
        // Row 1: [1+2+0.5, -1+0+1] + b = [4, -2] → relu → [4, 0]; row 2: [2+0-0.5, -2+0-1] + b = [2, -5] → [2, 0].
        #expect(out.scalars == [4, 0, 2, 0])
        #expect(dense.description == "DenseLayer(num_units=2, nonlinearity=rectify) (?, 2)")
        #expect(dense.params.map(\.tags) == [["trainable", "regularizable"], ["trainable"]])
    }

    @Test func denseLayerGradientMatchesFiniteDifferences() throws {
        let dense = try DenseLayer(inputShape: [4, 2, 3], numUnits: 5, nonlinearity: .tanh, numLeadingAxes: 1)
        let err = try Check.gradientError([Check.random([4, 2, 3], seed: 7)]) { inputs in
            try T.sum(T.square(dense.output(for: inputs, options: LayerOptions())))
        }
        #expect(err < 1e-2)
    }

    @Test func glorotUniformStaysWithinItsBound() throws {
        let t = try Initializer.glorotUniform(gain: 1).sample([100, 50])
        let bound = Float((6.0 / 150.0).squareRoot())
        #expect(t.scalars.allSatisfy { Swift.abs($0) <= bound })
        #expect(t.scalars.map { $0 * $0 }.reduce(0, +) / Float(t.count) > bound * bound / 3 * 0.9)
    }

    @Test func orthogonalInitializerGivesOrthonormalRows() throws {
        let t = try Initializer.orthogonal(gain: 1).sample([4, 10])
        let m = t.scalars
        for i in 0..<4 { for j in 0..<4 {
            let dot = (0..<10).map { m[i * 10 + $0] * m[j * 10 + $0] }.reduce(0, +)
            #expect(Swift.abs(dot - (i == j ? 1 : 0)) < 1e-4)
        } }
    }

    @Test func registryRejectsUnknownKindsAndBadShapes() throws {
        #expect(throws: AgentNetError.self) {
            try LayerRegistry.make("NoSuchLayer", .object([:]), inputShapes: [[nil, 2]], name: nil) { _ in throw AgentNetError(.invalidHandle, "none") }
        }
        #expect(throws: AgentNetError.self) {
            try DenseLayer(inputShape: [nil, nil], numUnits: 3)
        }
        let dense = try DenseLayer(inputShape: [nil, 3], numUnits: 2)
        #expect(throws: AgentNetError.self) {
            try dense.output(for: [Node.input("x", shape: [nil, 4])], options: LayerOptions())
        }
    }
}
