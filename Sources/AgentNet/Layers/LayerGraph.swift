/// Functions over whole networks (Lasagne's `layers.helper`): the layers below some layers, their outputs for
/// given inputs, and their parameters filtered by tags. A network is the layers reachable through `incoming`.

/// All layers below (and including) `layers` in topological order, each after its incoming layers, in the order
/// Lasagne gives: incoming layers depth first, left to right. Layers in `treatAsInput` are included but their
/// incoming layers are not followed.
public func getAllLayers(_ layers: [Layer], treatAsInput: [Layer] = []) -> [Layer] {
    var stop = Set(treatAsInput.map(ObjectIdentifier.init))
    var done = Set<ObjectIdentifier>(), result: [Layer] = []
    // Iterative post-order walk: (layer, expanded?) pairs, so deep stacks of layers cannot overflow the stack.
    var stack: [(Layer, Bool)] = layers.reversed().map { ($0, false) }
    while let (layer, expanded) = stack.popLast() {
        let id = ObjectIdentifier(layer)
        if expanded {
            if done.insert(id).inserted { result.append(layer) }
            continue
        }
        if done.contains(id) { continue }
        stack.append((layer, true))
        if stop.insert(id).inserted {
            for l in layer.incoming.reversed() { if let l, !done.contains(ObjectIdentifier(l)) { stack.append((l, false)) } }
        }
    }
    return result
}

public func getAllLayers(_ layer: Layer, treatAsInput: [Layer] = []) -> [Layer] {
    getAllLayers([layer], treatAsInput: treatAsInput)
}

/// Every output of each layer in `layers` (one expression, or one per key of a multi-output layer), with the
/// expressions in `inputs` standing for the given layers (input layers or any other, whose incoming layers are
/// then not followed); other input layers give their input variables.
public func getOutputs(_ layers: [Layer], inputs: [(Layer, Node)] = [], options: LayerOptions = LayerOptions()) throws -> [[Node]] {
    var outputs = [ObjectIdentifier: [Node]]()
    for (l, x) in inputs { outputs[ObjectIdentifier(l)] = [x] }
    for layer in getAllLayers(layers, treatAsInput: inputs.map(\.0)) where outputs[ObjectIdentifier(layer)] == nil {
        if let input = layer as? InputLayer {
            outputs[ObjectIdentifier(layer)] = [input.inputVar]
            continue
        }
        let xs = try layer.incoming.map { incoming -> Node in
            guard let incoming else {
                throw AgentNetError.invalid("get_output() was called without giving an input expression for the free-floating layer \(layer.label). Please call it with a dictionary mapping this layer to an input expression.")
            }
            guard let out = outputs[ObjectIdentifier(incoming)] else {
                throw AgentNetError.invalid("get_output(): \(incoming.label) below \(layer.label) has no output")
            }
            if let element = layer as? ElementLayer {
                guard element.index < out.count else {
                    throw AgentNetError.invalid("\(layer.label): \(incoming.label) has \(out.count) outputs, not \(element.index + 1)")
                }
                return out[element.index]
            }
            guard out.count == 1 else {
                throw AgentNetError.invalid("\(layer.label): its incoming \(incoming.label) has \(out.count) outputs; connect one of them (layer[key])")
            }
            return out[0]
        }
        let out = try layer.outputs(for: xs, options: options)
        guard out.count == layer.outputCount else {
            throw AgentNetError.invalid("\(layer.label) built \(out.count) outputs, expected \(layer.outputCount)")
        }
        outputs[ObjectIdentifier(layer)] = out
    }
    return try layers.map { l in
        guard let out = outputs[ObjectIdentifier(l)] else { throw AgentNetError.invalid("get_output(): \(l.label) has no output") }
        return out
    }
}

/// The output expression of each layer in `layers` (each must have one output; use `layer[key]` otherwise).
public func getOutput(_ layers: [Layer], inputs: [(Layer, Node)] = [], options: LayerOptions = LayerOptions()) throws -> [Node] {
    try zip(layers, getOutputs(layers, inputs: inputs, options: options)).map { layer, out in
        guard out.count == 1 else { throw AgentNetError.invalid("\(layer.label) has \(out.count) outputs; ask for one of them (layer[key])") }
        return out[0]
    }
}

/// The output expression of `layer`.
public func getOutput(_ layer: Layer, inputs: [(Layer, Node)] = [], options: LayerOptions = LayerOptions()) throws -> Node {
    try getOutput([layer], inputs: inputs, options: options)[0]
}

/// The output shape of each layer for other input shapes (`get_output_shape` with `input_shapes`).
public func getOutputShape(_ layers: [Layer], inputShapes: [(Layer, [Int?])]) throws -> [[Int?]] {
    var shapes = [ObjectIdentifier: [Int?]]()
    for (l, s) in inputShapes { shapes[ObjectIdentifier(l)] = s }
    for layer in getAllLayers(layers, treatAsInput: inputShapes.map(\.0)) where shapes[ObjectIdentifier(layer)] == nil {
        if let input = layer as? InputLayer { shapes[ObjectIdentifier(layer)] = input.outputShape; continue }
        let given = try layer.incoming.map { incoming -> [Int?] in
            guard let incoming, let s = shapes[ObjectIdentifier(incoming)] else {
                throw AgentNetError.invalid("get_output_shape() was called without giving an input shape for the free-floating layer \(layer.label). Please call it with a dictionary mapping this layer to an input shape.")
            }
            return s
        }
        shapes[ObjectIdentifier(layer)] = try layer.outputShape(for: given)
    }
    return try layers.map { l in
        guard let s = shapes[ObjectIdentifier(l)] else { throw AgentNetError.invalid("get_output_shape(): \(l.label) has no shape") }
        return s
    }
}

/// Lasagne's tag filter: a tag mapped to true must be present, a tag mapped to false must be absent. A tag no
/// parameter of the network carries (besides `trainable` and `regularizable`) is an error, as in Lasagne.
public func getAllParams(_ layers: [Layer], tags: [String: Bool] = [:]) throws -> [LayerParam] {
    let all = getAllLayers(layers)
    var known: Set<String> = ["trainable", "regularizable"]
    for l in all { for p in l.params { known.formUnion(p.tags) } }
    let unknown = tags.keys.filter { !known.contains($0) }.sorted()
    guard unknown.isEmpty else {
        throw AgentNetError.invalid("unknown parameter tag(s) \(unknown.map { "'\($0)'" }.joined(separator: ", ")); known tags are \(known.sorted().map { "'\($0)'" }.joined(separator: ", "))")
    }
    let must = Set(tags.filter { $0.value }.keys), mustNot = Set(tags.filter { !$0.value }.keys)
    var seen = Set<Node>(), result: [LayerParam] = []
    for l in all {
        for p in l.params where must.isSubset(of: p.tags) && p.tags.isDisjoint(with: mustNot) {
            if seen.insert(p.node).inserted { result.append(p) }
        }
    }
    return result
}

public func getAllParams(_ layer: Layer, tags: [String: Bool] = [:]) throws -> [LayerParam] {
    try getAllParams([layer], tags: tags)
}

private func sharedValue(_ p: LayerParam) throws -> SharedValue {
    guard let v = p.value else { throw AgentNetError.invalid("parameter \(p.name) is a symbolic expression, not a shared variable; it has no value") }
    return v
}

/// Total number of scalars in the (filtered) parameters.
public func countParams(_ layers: [Layer], tags: [String: Bool] = [:]) throws -> Int {
    try getAllParams(layers, tags: tags).reduce(0) { $0 + (try sharedValue($1).shape.reduce(1, *)) }
}

/// Copies of the (filtered) parameter values, in `getAllParams` order.
public func getAllParamValues(_ layers: [Layer], tags: [String: Bool] = [:]) throws -> [Tensor] {
    try getAllParams(layers, tags: tags).map { try sharedValue($0).value }
}

/// Sets the (filtered) parameters from `values` in `getAllParams` order. Every count, shape and dtype is checked
/// before anything is set, so a mismatch changes nothing; the message names the parameter.
public func setAllParamValues(_ layers: [Layer], _ values: [Tensor], tags: [String: Bool] = [:]) throws {
    let params = try getAllParams(layers, tags: tags)
    guard params.count == values.count else {
        throw AgentNetError.invalid("mismatch: got \(values.count) values to set \(params.count) parameters")
    }
    let shared = try params.map(sharedValue)
    for (i, (p, v)) in zip(params, values).enumerated() {
        let s = shared[i]
        guard s.shape == v.shape else {
            throw AgentNetError.invalid("mismatch: parameter \(i) (\(p.name)) has shape \(formatShape(s.shape)) but value to set has shape \(formatShape(v.shape))")
        }
        guard s.dtype == v.dtype else {
            throw AgentNetError.dtype("mismatch: parameter \(i) (\(p.name)) is \(s.dtype) but value to set is \(v.dtype)")
        }
    }
    for (s, v) in zip(shared, values) { try s.set(v) }
}
