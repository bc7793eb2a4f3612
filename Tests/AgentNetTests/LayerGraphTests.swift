import AgentNet
import AgentNetTestSupport
import Testing

/// A host that answers `output` requests with a Swift closure, standing in for Python in these tests.
final class ClosureHost: HostHandler {
    let body: (HostRequestKind, Int64, JSON, [Node]) throws -> [Node]
    init(_ body: @escaping (HostRequestKind, Int64, JSON, [Node]) throws -> [Node]) { self.body = body }
    func handle(_ kind: HostRequestKind, key: Int64, options: JSON, nodes: [Node]) throws -> (nodes: [Node], json: JSON) {
        if kind == .outputShape { return ([], .array([.array([.null, .number(3)])])) }
        return (try body(kind, key, options, nodes), .null)
    }
}

@Suite(.serialized) struct LayerGraphTests {
    @Test func mlpTrainsWithAdamFromSwiftAlone() throws {
        Initializer.rng.reseed(3)
        let input = InputLayer(shape: [nil, 2])
        let hidden = try DenseLayer(input, numUnits: 16, nonlinearity: .tanh, name: "hidden")
        let out = try DenseLayer(hidden, numUnits: 1, nonlinearity: .linear, name: "out")
        let target = Node.input("y", shape: [nil, 1])
        let loss = try T.mean(T.square(T.sub(getOutput(out), target)))
        let params = try getAllParams(out, tags: ["trainable": true])
        #expect(params.map(\.name) == ["hidden.W", "hidden.b", "out.W", "out.b"])
        // Adam (Kingma & Ba): m ← β1·m + (1-β1)·g, v ← β2·v + (1-β2)·g², θ ← θ - lr·m̂/(√v̂ + ε), bias-corrected with t.
        let grads = try grad(loss, wrt: params.map(\.node))
        let t = SharedValue(Tensor(scalar: 0), name: "t")
        let t1 = try T.add(t.node, 1)
        let (lr, b1, b2): (Float, Float, Float) = (0.05, 0.9, 0.999)
        var updates: [(SharedValue, Node)] = [(t, t1)]
        for (p, g) in zip(params, grads) {
            let shape = p.value!.shape
            let m = SharedValue(try Tensor(zeros: shape)), v = SharedValue(try Tensor(zeros: shape))
            let m1 = try T.add(T.mul(m.node, b1), T.mul(g, 1 - b1))
            let v1 = try T.add(T.mul(v.node, b2), T.mul(T.square(g), 1 - b2))
            let mHat = try T.div(m1, T.sub(1, T.pow(b1, t1))), vHat = try T.div(v1, T.sub(1, T.pow(b2, t1)))
            updates += [(m, m1), (v, v1), (p.value!, try T.sub(p.node, T.mul(T.div(mHat, T.add(T.sqrt(vHat), 1e-8)), lr)))]
        }
        let step = try Function(inputs: [input.inputVar, target], outputs: [loss], updates: updates)
        // y = x0·x1 on a 4x4 grid of points in [-1, 1]².
        var xs = [Float](), ys = [Float]()
        for i in 0..<4 { for j in 0..<4 {
            let a = Float(i) / 1.5 - 1, b = Float(j) / 1.5 - 1
            xs += [a, b]; ys.append(a * b)
        } }
        let x = try Tensor(xs, shape: [16, 2]), y = try Tensor(ys, shape: [16, 1])
        let first = try step([x, y])[0].scalars[0]
        var last = first
        for _ in 0..<300 { last = try step([x, y])[0].scalars[0] }
        #expect(last < first * 0.05, "loss \(first) -> \(last)")
    }

    @Test func getAllLayersFollowsLasagneOrderAndTreatAsInput() throws {
        let a = InputLayer(shape: [nil, 3], name: "a"), b = InputLayer(shape: [nil, 3], name: "b")
        let da = try DenseLayer(a, numUnits: 3, name: "da")
        let sum = try DictLayer(["x": da, "y": b], order: ["x", "y"], name: "d")
        let names = { (ls: [Layer]) in ls.map { $0.name ?? "?" } }
        #expect(names(getAllLayers(sum)) == ["a", "da", "b", "d"])
        #expect(names(getAllLayers(sum, treatAsInput: [da])) == ["da", "b", "d"])
        #expect(names(getAllLayers([da, sum])) == ["a", "da", "b", "d"])
    }

    @Test func paramTagFilterFollowsLasagne() throws {
        let input = InputLayer(shape: [nil, 3])
        let d = try DenseLayer(input, numUnits: 2, name: "d")
        d.appendParam(LayerParam(value: SharedValue(try Tensor(zeros: [2])), name: "d.gamma", tags: ["special"]))
        let names = { (tags: [String: Bool]) in try getAllParams(d, tags: tags).map(\.name) }
        #expect(try names([:]) == ["d.W", "d.b", "d.gamma"])
        #expect(try names(["trainable": true]) == ["d.W", "d.b"])
        #expect(try names(["regularizable": false]) == ["d.b", "d.gamma"])
        #expect(try names(["trainable": true, "regularizable": false]) == ["d.b"])
        #expect(try names(["special": true]) == ["d.gamma"])
        #expect(throws: AgentNetError.self) { try getAllParams(d, tags: ["nosuch": true]) }
        #expect(try countParams([d]) == 3 * 2 + 2 + 2)
        try d.setParamTags(at: 2, ["trainable"])
        #expect(try names(["trainable": true]) == ["d.W", "d.b", "d.gamma"])
        try d.removeBias()
        #expect(try names([:]) == ["d.W", "d.gamma"])
        #expect(d.description == "DenseLayer(num_units=2, nonlinearity=rectify, b=None) (?, 2)")
    }

    @Test func sharedParametersAreListedOnce() throws {
        let input = InputLayer(shape: [nil, 2])
        let first = try DenseLayer(input, numUnits: 2, name: "first")
        let second = try DenseLayer(first, numUnits: 2, W: .shared(first.W), b: nil, name: "second")
        #expect(try getAllParams(second).map(\.name) == ["first.W", "first.b"])
    }

    @Test func setAllParamValuesChecksEverythingFirst() throws {
        let d = try DenseLayer(InputLayer(shape: [nil, 4]), numUnits: 3, name: "d")
        let before = try getAllParamValues([d])
        #expect(throws: AgentNetError.self) { try setAllParamValues([d], [try Tensor(zeros: [4, 3])]) }
        do {
            try setAllParamValues([d], [try Tensor(zeros: [3, 4]), try Tensor(zeros: [3])])
            Issue.record("a wrong shape was accepted")
        } catch let e as AgentNetError {
            #expect(e.message == "mismatch: parameter 0 (d.W) has shape (4, 3) but value to set has shape (3, 4)")
        }
        #expect(try getAllParamValues([d]).map(\.scalars) == before.map(\.scalars))
        try setAllParamValues([d], [try Tensor([Float](repeating: 1, count: 12), shape: [4, 3]), try Tensor([Float]([1, 2, 3]), shape: [3])])
        #expect(try getAllParamValues([d])[1].scalars == [1, 2, 3])
    }

    @Test func dictLayerElementsAndGivenInputs() throws {
        let a = InputLayer(shape: [nil, 2], name: "a"), b = InputLayer(shape: [nil, 3], name: "b")
        let dict = try DictLayer(["first": a, "second": b], order: ["first", "second"], name: "pair")
        let second = try dict["second"]
        #expect(second.outputShape == [nil, 3])
        #expect(throws: AgentNetError.self) { try dict["third"] }
        let outs = try getOutputs([dict])
        #expect(outs[0] == [a.inputVar, b.inputVar])
        #expect(try getOutput(second) === b.inputVar)
        #expect(throws: AgentNetError.self) { try getOutput(dict) }
        // a DictLayer cannot feed a one-input layer directly
        let wrong = try NonlinearityLayer(inputShape: [nil, 2], nonlinearity: .tanh)
        try wrong.setIncoming([dict])
        #expect(throws: AgentNetError.self) { try getOutput(wrong) }
        // given inputs replace a layer and cut the walk below it
        let d = try DenseLayer(second, numUnits: 1, nonlinearity: .linear)
        let x = Node.input("x", shape: [nil, 3])
        let f = try Function(inputs: [x], outputs: [try getOutput(d, inputs: [(second, x)])])
        try setAllParamValues([d], [try Tensor([Float]([1, 2, 3]), shape: [3, 1]), try Tensor([Float]([0.5]), shape: [1])])
        #expect(try f([try Tensor([Float]([1, 1, 1]), shape: [1, 3])])[0].scalars == [6.5])
    }

    @Test func freeFloatingInputsMustBeGiven() throws {
        let d = try DenseLayer(inputShape: [nil, 2], numUnits: 2)
        #expect(throws: AgentNetError.self) { try getOutput(d) }
        let x = Node.input("x", shape: [nil, 2])
        #expect(try getOutput(d, inputs: [(d, x)]) === x)
    }

    @Test func setIncomingRejectsCycles() throws {
        let a = try NonlinearityLayer(inputShape: [nil, 2])
        let b = try NonlinearityLayer(a)
        #expect(throws: AgentNetError.self) { try a.setIncoming([b]) }
        #expect(throws: AgentNetError.self) { try a.setIncoming([a]) }
    }

    @Test func callbackLayerAsksTheHostAndPassesOptionsAndErrors() throws {
        let saved = Host.handler
        defer { Host.handler = saved }
        var seen: [JSON] = []
        Host.handler = ClosureHost { kind, key, options, nodes in
            #expect(kind == .output)
            seen.append(options)
            if key == 2 { throw AgentNetError(.runtime, "ValueError: boom") }
            return [try T.mul(nodes[0], 3)]
        }
        let input = InputLayer(shape: [nil, 3])
        let triple = try CallbackLayer(key: 1, kind: "Triple", inputShapes: [[nil, 3]], outputShape: [nil, 3], name: "triple")
        try triple.setIncoming([input])
        let options = try LayerOptions(json: .object(["deterministic": .bool(true), "hard_attention": .bool(true)]))
        let f = try Function(inputs: [input.inputVar], outputs: [try getOutput(triple, options: options)])
        #expect(try f([try Tensor([Float]([1, 2, 3]), shape: [1, 3])])[0].scalars == [3, 6, 9])
        #expect(seen.last?["hard_attention"]?.bool == true)
        #expect(try triple.outputShape(for: [[nil, 3]]) == [nil, 3])
        let failing = try CallbackLayer(key: 2, kind: "Failing", inputShapes: [[nil, 3]], outputShape: [nil, 3], name: nil)
        try failing.setIncoming([triple])
        do {
            _ = try getOutput(failing)
            Issue.record("the host error was swallowed")
        } catch let e as AgentNetError {
            #expect(e.message == "ValueError: boom")
        }
        Host.handler = nil
        #expect(throws: AgentNetError.self) { try getOutput(triple) }
    }
}
