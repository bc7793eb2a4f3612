import AgentNet
import AgentNetTestSupport
import Testing

/// Connects `layer` to `incoming` and returns it (for layers built from shapes).
@discardableResult
func connected<L: Layer>(_ layer: L, _ incoming: Layer...) throws -> L {
    try layer.setIncoming(incoming)
    return layer
}

/// The values of `outputs` for `inputs` (fed to `vars`).
func run(_ vars: [Node], _ outputs: [Node], _ inputs: [Tensor]) throws -> [[Float]] {
    try Function(inputs: vars, outputs: outputs)(inputs).map(\.scalars)
}

/// The seed's test network: in -> d0 (20) -> d1 (30) -> d2 (40) -> d3 (41).
func seedMLP() throws -> (InputLayer, DenseLayer, DenseLayer, DenseLayer, DenseLayer) {
    let input = InputLayer(shape: [nil, 10])
    let d0 = try DenseLayer(input, numUnits: 20, name: "d0")
    let d1 = try DenseLayer(d0, numUnits: 30, name: "d1")
    let d2 = try DenseLayer(d1, numUnits: 40, name: "d2")
    let d3 = try DenseLayer(d2, numUnits: 41, name: "d3")
    return (input, d0, d1, d2, d3)
}

@Suite(.serialized) struct CloneTests {
    @Test func seedCloneNamesSharingAndBottomLayers() throws {
        let (input, d0, d1, _, d3) = try seedMLP()
        let originals = try getAllParams(d3)
        let full = try cloneNetwork(d3, namePrefix: "cloned_net.")
        #expect(full.name == "cloned_net.d3")
        let copies = try getAllParams(full)
        #expect(copies.count == 8)
        #expect(copies.map(\.name) == originals.map { "cloned_net." + $0.name })
        #expect(zip(originals, copies).allSatisfy { $0.value! !== $1.value! })
        #expect(zip(originals, copies).allSatisfy { $0.value!.name.map { "cloned_net." + $0 } == $1.value!.name })
        #expect(getAllLayers(full)[0] === input)  // inputs are shared by default
        #expect(getAllLayers(full).map { $0.name ?? "" } == ["", "cloned_net.d0", "cloned_net.d1", "cloned_net.d2", "cloned_net.d3"])

        let shared = try cloneNetwork(d3, shareParams: true)
        #expect(zip(originals, try getAllParams(shared)).allSatisfy { $0.value! === $1.value! })
        #expect(shared.name == "d3")

        let partial = try cloneNetwork(d3, bottomLayers: [d1])
        #expect(partial.incoming[0]!.incoming[0] === d1)
        #expect(partial.incoming[0]!.incoming[0]!.incoming[0] === d0)

        let altInput = InputLayer(shape: [nil, 10]), alt = try DenseLayer(altInput, numUnits: 30)
        let substituted = try cloneNetwork(d3, bottomLayers: [d1: alt])
        #expect(substituted.incoming[0]!.incoming[0] === alt)
        #expect(getAllLayers(substituted).contains { $0 === altInput })
        #expect(!getAllLayers(substituted).contains { $0 === d0 })

        let x = Check.random([3, 10], seed: 4)
        let expected = try run([input.inputVar], [getOutput(d3)], [x])[0]
        for net in [full, shared, partial] {
            #expect(Check.same(try run([input.inputVar], [getOutput(net)], [x])[0], expected))
        }
        #expect(try run([altInput.inputVar], [getOutput(substituted)], [x])[0].count == 3 * 41)
        #expect(full.description.hasPrefix("DenseLayer(num_units=41"))
    }

    @Test func copiesStartEqualAndDivergeWhenTheOriginalIsTrained() throws {
        Initializer.rng.reseed(5)
        let (input, _, _, _, d3) = try seedMLP()
        let clone = try cloneNetwork(d3, namePrefix: "snapshot.")
        let x = Check.random([8, 10], seed: 1), y = Check.random([8, 41], seed: 2)
        let target = Node.input("y", shape: [nil, 41])
        let loss = try T.mean(T.square(T.sub(getOutput(d3), target)))
        let params = try getAllParams(d3)
        let grads = try grad(loss, wrt: params.map(\.node))
        let updates = try zip(params, grads).map { ($0.value!, try T.sub($0.node, T.mul($1, Float(0.1)))) }
        let train = try Function(inputs: [input.inputVar, target], outputs: [loss], updates: updates)
        let outputs = [try getOutput(d3), try getOutput(clone)]
        let before = try run([input.inputVar], outputs, [x])
        #expect(before[0] == before[1])
        for _ in 0..<5 { _ = try train([x, y]) }
        let after = try run([input.inputVar], outputs, [x])
        #expect(after[1] == before[1])
        #expect(Check.maxDiff(after[0], before[0]) > 1e-4)
    }

    @Test func deepNetworkWithConvBatchNormDenseAndGRUCell() throws {
        Initializer.rng.reseed(7)
        let image = InputLayer(shape: [nil, 2, 6, 6], name: "image")
        let conv = try connected(try Conv2DLayer(inputShape: [nil, 2, 6, 6], numFilters: 3, filterSize: (3, 3), name: "conv"), image)
        let bn = try connected(try BatchNormLayer(inputShape: conv.outputShape, name: "bn"), conv)
        let flat = try connected(try FlattenLayer(inputShape: bn.outputShape), bn)
        let dense = try DenseLayer(flat, numUnits: 5, nonlinearity: .tanh, name: "dense")
        let prev = InputLayer(shape: [nil, 4], name: "prev")
        let gru = try GRUCell(prevState: prev, inputs: [dense], numUnits: 4, name: "gru")
        let q = try DenseLayer(gru, numUnits: 3, nonlinearity: .linear, name: "q")
        let clone = try cloneNetwork(q, namePrefix: "t.")
        let (originals, copies) = (try getAllParams(q), try getAllParams(clone))
        #expect(copies.count == originals.count && copies.count > 8)
        #expect(zip(originals, copies).allSatisfy { $0.value! !== $1.value! && $1.name == "t." + $0.name })
        let x = Check.random([4, 2, 6, 6], seed: 3), h = Check.random([4, 4], seed: 4)
        for deterministic in [true, false] {
            let opts = LayerOptions(deterministic: deterministic)
            let out = try run([image.inputVar, prev.inputVar], [getOutput(q, options: opts), getOutput(clone, options: opts)], [x, h])
            #expect(Check.same(out[0], out[1]))
        }
        // The copy's training-mode output records updates of the copy's running averages; the original keeps its own.
        let bnClone = getAllLayers(clone).first { $0.name == "t.bn" } as! ClonedLayer
        _ = try getOutput(q)
        let originalUpdates = bn.updates
        _ = try getOutput(clone)
        #expect(bn.updates.map { ObjectIdentifier($0.0) } == originalUpdates.map { ObjectIdentifier($0.0) })
        #expect(bn.updates.map(\.1) == originalUpdates.map(\.1))
        #expect(bnClone.updates.count == 2)
        #expect(bnClone.updates[0].0 === bnClone.params[2].value && bnClone.updates[0].0 !== bn.mean)
        _ = try Function(inputs: [image.inputVar], outputs: [], updates: bnClone.updates)([x])
        #expect(bn.mean.value.scalars == [0, 0, 0])
        #expect(bnClone.params[2].value!.value.scalars != [0, 0, 0])
        // Changing the original leaves the copy as it was.
        try setAllParamValues([q], try getAllParamValues([q]).map { try Tensor($0.scalars.map { $0 + 0.1 }, shape: $0.shape) })
        let opts = LayerOptions(deterministic: true)
        let out = try run([image.inputVar, prev.inputVar], [getOutput(q, options: opts), getOutput(clone, options: opts)], [x, h])
        #expect(Check.maxDiff(out[0], out[1]) > 1e-3)
    }

    @Test func hostLayersAreCopiedWithTheirOwnParameters() throws {
        let saved = Host.handler
        defer { Host.handler = saved }
        let scale = SharedValue(Check.floats([2, 3, 4], [3]), name: "user.scale")
        Host.handler = ClosureHost { kind, _, _, nodes in
            guard kind == .output else { return [] }
            return [try T.mul(nodes[0], scale.node)]  // the host layer reads its own parameter
        }
        let input = InputLayer(shape: [nil, 3])
        let user = try connected(try CallbackLayer(key: 9, kind: "Scale", inputShapes: [[nil, 3]], outputShape: [nil, 3], name: "user"), input)
        user.appendParam(LayerParam(value: scale, name: "user.scale", tags: ["trainable"]))
        let out = try DenseLayer(user, numUnits: 2, nonlinearity: .linear, name: "out")
        let clone = try NetworkClone(of: [out], namePrefix: "c.")
        #expect(clone.made.map { $0.clone.name } == ["c.user", "c.out"])
        let copy = clone.made[0].clone
        #expect(copy.params[0].name == "c.user.scale" && copy.params[0].value !== scale)
        #expect(clone.params[scale] === copy.params[0].value)
        let x = Check.random([5, 3], seed: 9)
        let outputs = [try getOutput(out), try getOutput(clone.outputs[0])]
        let first = try run([input.inputVar], outputs, [x])
        #expect(first[0] == first[1])
        try copy.params[0].value!.set(try Tensor(zeros: [3]))
        let second = try run([input.inputVar], outputs, [x])
        #expect(second[0] == first[0])
        let zeroed = try run([input.inputVar], [try getOutput(out, inputs: [(user, T.zerosLike(input.inputVar))])], [x])[0]
        #expect(second[1] == zeroed)
    }

    @Test func recurrenceIsCopiedWithItsOneTickParameters() throws {
        let sequence = InputLayer(shape: [nil, 5, 3])
        let x = InputLayer(shape: [nil, 3]), prevH = InputLayer(shape: [nil, 4])
        let h = try GRUCell(prevState: prevH, inputs: [x], numUnits: 4, name: "gru")
        let rec = try Recurrence(inputSequences: [x: sequence], stateVariables: [h: prevH])
        let hs = try rec[h]
        let clone = try cloneNetwork(hs, namePrefix: "t.")
        let (originals, copies) = (try getAllParams(hs), try getAllParams(clone))
        #expect(copies.count == originals.count && !copies.isEmpty)
        #expect(zip(originals, copies).allSatisfy { $0.value! !== $1.value! })
        let xs = Check.random([2, 5, 3], seed: 6)
        let outputs = [try getOutput(hs), try getOutput(clone)]
        let first = try run([sequence.inputVar], outputs, [xs])
        #expect(first[0] == first[1])
        try setAllParamValues([hs], try getAllParamValues([hs]).map { try Tensor(zeros: $0.shape) })
        let second = try run([sequence.inputVar], outputs, [xs])
        #expect(second[1] == first[1] && second[0].allSatisfy { $0 == 0 })
    }

    @Test func inputsParamsAndContainers() throws {
        let (input, d0, d1, d2, d3) = try seedMLP()
        // Copied input layers get new variables of the same dtype and shape.
        let ids = try InputLayer(shape: [nil, 2], inputVar: Node.input("ids.input", dtype: .int32, shape: [nil, 2]), name: "ids")
        let idsCopy = try NetworkClone(of: [try connected(try EmbeddingLayer(inputShape: [nil, 2], inputSize: 5, outputSize: 3), ids)],
                                       shareInputs: false, namePrefix: "t.")
        let newIds = idsCopy.made[0].clone as! InputLayer
        #expect(newIds !== ids && newIds.inputVar !== ids.inputVar && newIds.name == "t.ids")
        #expect(newIds.inputVar.name == "t.ids.input" && newIds.inputVar.dtype == ids.inputVar.dtype)
        // Kept and substituted parameters.
        let kept = try cloneNetwork(d3, bottomLayers: BottomLayers(keptParams: [d0.W]))
        #expect(try getAllParams(kept)[0].value === d0.W && getAllParams(kept)[1].value !== d0.b!)
        let other = SharedValue(try Tensor(zeros: [20, 30]), name: "other")
        let replaced = try cloneNetwork(d3, bottomLayers: BottomLayers(paramSubstitutions: [(d1.W, other)]))
        #expect(try getAllParams(replaced)[2].value === other && getAllParams(replaced)[2].name == "other")
        #expect(Check.error { try cloneNetwork(d3, bottomLayers: BottomLayers(paramSubstitutions: [(d1.W, SharedValue(try Tensor(zeros: [2]))) ])) }?
            .message.contains("cannot be replaced") == true)
        // Several outputs share one copy of what they share; a bottom layer given as an output is itself.
        let both = try cloneNetwork([d2, d3, input])
        #expect(both[1].incoming[0] === both[0] && both[2] === input)
    }

    @Test func reapplyEvaluatesAgainWithTheSameParameters() throws {
        let in1 = InputLayer(shape: [nil, 10])
        let d1 = try DenseLayer(in1, numUnits: 20), d2 = try DenseLayer(in1, numUnits: 30)
        let cat = try connected(try ConcatLayer(inputShapes: [[nil, 20], [nil, 30]]), d1, d2)
        let d3 = try DenseLayer(cat, numUnits: 20)
        let in2 = InputLayer(shape: [nil, 10])
        let again = try reapply(d3, [in1: in2])
        #expect(again.outputShape == [nil, 20])
        #expect(try getAllParams(again).map(\.node) == getAllParams(d3).map(\.node))
        let x = Check.random([4, 10], seed: 2)
        #expect(try run([in2.inputVar], [getOutput(again)], [x]) == run([in1.inputVar], [getOutput(d3)], [x]))
        let in3 = InputLayer(shape: [nil, 30])
        let onlyD2 = try reapply(d3, [d2: in3])
        #expect(Set(try getAllParams(onlyD2).map(\.node)) == Set((d1.params + d3.params).map(\.node)))
        let z = try Tensor(zeros: [4, 30])
        #expect(try run([in1.inputVar, in3.inputVar], [getOutput(onlyD2)], [x, z])
                == run([in1.inputVar], [getOutput(d3, inputs: [(d2, Node.constant(z))])], [x]))
        let list = try reapply([d3, d1], [in1: in2])
        #expect(list.count == 2 && list[1].outputShape == [nil, 20])
        let dict = try reapply(["q": d3, "h": d1], [in1: in2])
        #expect(Set(dict.keys) == ["q", "h"] && dict["h"]!.outputShape == [nil, 20])
        let g = try grad(T.sum(getOutput(again)), wrt: [d3.W.node])[0]
        #expect(try Function(inputs: [in2.inputVar], outputs: [g])([x])[0].shape == [50, 20])
        #expect(Check.error { try reapply(d3, [:]) }?.message.contains("empty") == true)
        let pair = try DictLayer(["a": d1, "b": d2], order: ["a", "b"])
        #expect(Check.error { try reapply([pair], [in1: in2]) }?.message.contains("outputs") == true)
        #expect(Check.error { try ReapplyLayer([], replacements: [in1: in2]) }?.message.contains("no layers") == true)
    }
}
