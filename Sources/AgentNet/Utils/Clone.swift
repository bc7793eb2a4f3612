/// The seed's `agentnet.utils.clone.clone_network`: a copy of a layer graph, for target networks (an older
/// snapshot of the weights) and for applying a network twice (DPG's critic on the actor's actions).
///
///     let clone = try cloneNetwork(qvalues, bottomLayers: [conv2], namePrefix: "target_net.")
///
/// The layers below the given outputs are copied, except the bottom layers (kept as they are, or replaced by the
/// given layers) and, with `shareInputs`, the input layers. Each copy gets copies of its layer's parameters
/// holding their values at cloning time (or, with `shareParams`, the very same parameters), so the copy computes
/// what the original computes until one of them is trained.

/// What `cloneNetwork` does not copy. An array literal keeps those layers as they are; a dictionary literal
/// `[original: replacement]` makes the copy use the replacement wherever the original network uses the original
/// layer. Parameters can be kept or replaced the same way (`keptParams`, `paramSubstitutions`).
public struct BottomLayers: ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public var kept: [Layer]
    public var keptParams: [SharedValue]
    public var substitutions: LayerDict<Layer>
    public var paramSubstitutions: [(original: SharedValue, replacement: SharedValue)]

    public init(kept: [Layer] = [], keptParams: [SharedValue] = [], substitutions: LayerDict<Layer> = [:],
                paramSubstitutions: [(original: SharedValue, replacement: SharedValue)] = []) {
        (self.kept, self.keptParams, self.substitutions, self.paramSubstitutions) = (kept, keptParams, substitutions, paramSubstitutions)
    }

    public init(arrayLiteral layers: Layer...) { self.init(kept: layers) }

    public init(dictionaryLiteral pairs: (Layer, Layer)...) { self.init(substitutions: LayerDict(pairs)) }
}

/// One cloning: the copies of the output layers, every layer made (with the original it copies) and every
/// parameter copied, so a binding can mirror the copies (the Python package makes a Python layer for each).
public struct NetworkClone {
    /// The copies of the output layers, in the order given (a bottom layer given as an output is itself).
    public let outputs: [Layer]
    /// Every layer made, in topological order, with the layer it copies.
    public let made: [(original: Layer, clone: Layer)]
    /// Original parameter → the parameter the copies use instead (kept parameters are not listed).
    public let params: SharedValueMap

    public init(of outputs: [Layer], bottomLayers bottom: BottomLayers = [], shareParams: Bool = false,
                shareInputs: Bool = true, namePrefix: String? = nil) throws {
        var memo: [ObjectIdentifier: Layer] = [:]
        for l in bottom.kept { memo[ObjectIdentifier(l)] = l }
        for (o, r) in bottom.substitutions { memo[ObjectIdentifier(o)] = r }
        var map = SharedValueMap()
        for s in bottom.keptParams { map[s] = s }
        for (o, r) in bottom.paramSubstitutions {
            guard o.dtype == r.dtype, o.shape == r.shape else {
                throw AgentNetError.shape("clone_network: parameter \(o.name ?? "?") (\(o.dtype), shape \(formatShape(o.shape))) cannot be replaced by \(r.name ?? "?") (\(r.dtype), shape \(formatShape(r.shape)))")
            }
            map[o] = r
        }
        let stops = bottom.kept + bottom.substitutions.keys
        let all = getAllLayers(outputs, treatAsInput: stops)
        if shareInputs {
            for l in all where l is InputLayer && memo[ObjectIdentifier(l)] == nil { memo[ObjectIdentifier(l)] = l }
        }
        func named(_ s: String) -> String { namePrefix.map { $0 + s } ?? s }
        func param(_ p: LayerParam) -> LayerParam {
            guard let s = p.value else { return p }  // an expression: shared as it is
            if let r = map[s] {
                if r === s { return p }
                return LayerParam(value: r, name: r.name ?? named(p.name), tags: p.tags)
            }
            let r = shareParams ? s : s.reading { SharedValue($0, name: named(s.name ?? p.name), resizable: s.resizable) }
            map[s] = r
            return r === s ? p : LayerParam(value: r, name: named(p.name), tags: p.tags)
        }
        var made: [(original: Layer, clone: Layer)] = []
        for layer in all where memo[ObjectIdentifier(layer)] == nil {
            let name = namePrefix.map { $0 + (layer.name ?? "") } ?? layer.name
            let incoming = layer.incoming.map { $0.map { memo[ObjectIdentifier($0)]! } }
            let copy: Layer
            do {
                copy = try Self.copy(layer, incoming: incoming, name: name, params: layer.params.map(param), map: map, named: named)
            } catch let e as AgentNetError {
                throw AgentNetError(e.kind, "clone_network: cannot copy \(layer.label): \(e.message)")
            }
            memo[ObjectIdentifier(layer)] = copy
            made.append((layer, copy))
        }
        self.outputs = outputs.map { memo[ObjectIdentifier($0)]! }
        self.made = made
        params = map.replacing
    }

    /// An input layer gets a new input variable of the same kind; an element of a multi-output layer becomes the
    /// same element of its source's copy; every other layer a `ClonedLayer`.
    private static func copy(_ layer: Layer, incoming: [Layer?], name: String?, params: [LayerParam], map: SharedValueMap,
                             named: (String) -> String) throws -> Layer {
        if let input = layer as? InputLayer {
            let v = input.inputVar
            let variable = v.isInput ? Node.input(v.name.map(named), dtype: v.dtype, shape: v.shape) : v
            return try InputLayer(shape: input.inputShapes[0], inputVar: variable, name: name)
        }
        if let element = layer as? ElementLayer, let source = incoming[0] {
            return try ElementLayer(source, index: element.index, shape: element.outputShape, dtype: element.outputDType, name: name)
        }
        return try ClonedLayer(of: layer, incoming: incoming, name: name, params: params, map: map)
    }
}

/// Copies of `outputs` and the layers below them (see `NetworkClone`).
public func cloneNetwork(_ outputs: [Layer], bottomLayers: BottomLayers = [], shareParams: Bool = false, shareInputs: Bool = true,
                         namePrefix: String? = nil) throws -> [Layer] {
    try NetworkClone(of: outputs, bottomLayers: bottomLayers, shareParams: shareParams, shareInputs: shareInputs,
                     namePrefix: namePrefix).outputs
}

/// A copy of `output` and the layers below it (see `NetworkClone`).
public func cloneNetwork(_ output: Layer, bottomLayers: BottomLayers = [], shareParams: Bool = false, shareInputs: Bool = true,
                         namePrefix: String? = nil) throws -> Layer {
    try cloneNetwork([output], bottomLayers: bottomLayers, shareParams: shareParams, shareInputs: shareInputs,
                     namePrefix: namePrefix)[0]
}
