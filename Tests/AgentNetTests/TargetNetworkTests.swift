import AgentNet
import AgentNetTestSupport
import Testing

@Suite(.serialized) struct TargetNetworkTests {
    @Test func referenceExampleSoftThenHardLoad() throws {
        let input = InputLayer(shape: [nil, 1])
        let q = try DenseLayer(input, numUnits: 1, W: .initializer(.constant(1)), b: nil, nonlinearity: .linear, name: "q")
        let target = try TargetNetwork(q)
        let clone = target.outputLayers[0]
        #expect(clone.name == "target_net.q" && clone.params.map(\.name) == ["target_net.q.W"])
        #expect(target.paramPairs.count == 1 && target.paramPairs[0].original === q.W && target.paramPairs[0].clone.name == "target_net.q.W")
        try q.W.set(Check.floats([3], [1, 1]))
        try target.loadWeights(movingAverageAlpha: 0.25)
        #expect(target.paramPairs[0].clone.value.scalars == [1.5])
        try target.loadWeights()
        #expect(target.paramPairs[0].clone.value.scalars == [3])
        try target.loadWeights(movingAverageAlpha: 0)
        #expect(target.paramPairs[0].clone.value.scalars == [3])
    }

    @Test func seedCountsForFullAndPartialClones() throws {
        let input = InputLayer(shape: [nil, 10])
        let d0 = try DenseLayer(input, numUnits: 20, name: "d0"), d1 = try DenseLayer(d0, numUnits: 30, name: "d1")
        let d2 = try DenseLayer(d1, numUnits: 40, name: "d2"), other = try DenseLayer(d1, numUnits: 41, name: "d2_other")
        let full = try TargetNetwork([d2, other], name: "target_nn")
        let params = try getAllParams(full.outputLayers), layers = getAllLayers(full.outputLayers)
        #expect(params.count == 8 && params.allSatisfy { $0.name.hasPrefix("target_nn") })
        #expect(layers.count == 5 && layers.filter { ($0.name ?? "").hasPrefix("target_nn") }.count == 4)
        #expect(full.paramPairs.count == 8)
        let partial = try TargetNetwork([d2, other], bottomLayers: [d1], name: "target_nn")
        let pp = try getAllParams(partial.outputLayers), pl = getAllLayers(partial.outputLayers)
        #expect(pp.count == 8 && pp.filter { $0.name.hasPrefix("target_nn") }.count == 4)
        #expect(pl.count == 5 && pl.filter { ($0.name ?? "").hasPrefix("target_nn") }.count == 2)
        #expect(partial.paramPairs.count == 4 && partial.paramPairs.allSatisfy { $0.original !== d0.W && $0.original !== d1.W })
        // A soft load over every pair is the formula, in one call, and leaves shared parameters alone.
        let before = partial.paramPairs.map { ($0.clone.value.scalars, $0.original.value.scalars) }
        for p in partial.paramPairs { try p.original.set(Check.random(p.original.shape, seed: 8)) }
        let d1W = d1.W.value.scalars
        try partial.loadWeights(movingAverageAlpha: 0.1)
        for (p, b) in zip(partial.paramPairs, before) {
            let want = zip(b.0, p.original.value.scalars).map { 0.9 * $0 + 0.1 * $1 }
            #expect(Check.same(p.clone.value.scalars, want))
        }
        #expect(d1.W.value.scalars == d1W)
    }

    @Test func symbolicUpdatesMoveTheTargetInsideATrainingFunction() throws {
        let input = InputLayer(shape: [nil, 3])
        let q = try DenseLayer(input, numUnits: 2, nonlinearity: .tanh, name: "q")
        let target = try TargetNetwork(q)
        let alpha = Node.input("alpha", shape: [])
        let y = Node.input("y", shape: [nil, 2])
        let loss = try T.mean(T.square(T.sub(getOutput(q), y)))
        let params = try getAllParams(q)
        let grads = try grad(loss, wrt: params.map(\.node))
        var updates = UpdateList(try zip(params, grads).map { ($0.value!, try T.sub($0.node, T.mul($1, Float(0.5)))) })
        for (s, v) in try target.updates(movingAverageAlpha: alpha) { updates[s] = v }
        let train = try Function(inputs: [input.inputVar, y, alpha], outputs: [loss], updates: updates.pairs)
        let cloneBefore = target.paramPairs.map(\.clone.value.scalars), origBefore = target.paramPairs.map(\.original.value.scalars)
        _ = try train([Check.random([4, 3], seed: 2), try Tensor(zeros: [4, 2]), Tensor(scalar: 0.25)])
        for (i, p) in target.paramPairs.enumerated() {
            // updates read the values from before the call
            #expect(Check.same(p.clone.value.scalars, zip(cloneBefore[i], origBefore[i]).map { 0.75 * $0 + 0.25 * $1 }))
            #expect(p.original.value.scalars != origBefore[i])
        }
        let hard = try target.updates()
        #expect(hard.pairs.map { $0.1 } == target.paramPairs.map(\.original.node))
        _ = try Function(inputs: [], outputs: [], updates: hard.pairs)([])
        #expect(target.paramPairs.allSatisfy { $0.clone.value.scalars == $0.original.value.scalars })
        #expect(try target.updates(movingAverageAlpha: 0.5).count == 2)
    }

    @Test func misuseIsAClearError() throws {
        let input = InputLayer(shape: [nil, 3])
        let d = try DenseLayer(input, numUnits: 2, name: "d")
        #expect(Check.error { try TargetNetwork(d, bottomLayers: [d]) }?.message.contains("no loadable parameters") == true)
        #expect(Check.error { try TargetNetwork(try NonlinearityLayer(input)) }?.message.contains("no loadable parameters") == true)
        let target = try TargetNetwork(d)
        for bad in [1.5, -0.1, Double.nan] {
            #expect(Check.error { try target.loadWeights(movingAverageAlpha: bad) }?.message.contains("must be in [0, 1]") == true)
            #expect(Check.error { try target.updates(movingAverageAlpha: bad) }?.message.contains("must be in [0, 1]") == true)
        }
        #expect(Check.error { try target.updates(movingAverageAlpha: Node.input("a", shape: [nil])) }?.message.contains("scalar") == true)
        let other = try DenseLayer(input, numUnits: 5)
        #expect(Check.error { try TargetNetwork(original: [d], clone: [other]) }?.message.contains("architecture") == true)
    }
}
