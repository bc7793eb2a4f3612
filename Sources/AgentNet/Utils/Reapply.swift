/// The seed's `agentnet.utils.reapply`: a part of a network applied again somewhere else, with the same
/// parameters.
///
///     let again = try reapply(d3, [input1: input2])        // d3's network on another input
///
/// `ReapplyLayer` is a multi-output layer fed by the replacement layers; its outputs are the given layers' outputs
/// with each replaced layer standing for its replacement's output. Nothing is copied: the parameters are the
/// original's, so training either application trains both.
public final class ReapplyLayer: Layer, MultiOutputLayer, LayerWithFacts {
    /// The layers applied again, one output each.
    public let targets: [Layer]
    /// The layers whose outputs are replaced, in the order of the incoming (replacement) layers.
    public let replaced: [Layer]
    public let outputShapes: [[Int?]]
    public let outputDTypes: [DType]
    /// Where each parameter comes from: a layer of the re-evaluated part and its index there.
    public private(set) var paramSources: [(layer: Layer, index: Int)] = []

    /// `layers` re-evaluated with `replacements[old]` standing for each `old` layer. The output shapes and dtypes
    /// are the given layers' own (the seed's default: the replacements are assumed to fit).
    public init(_ layers: [Layer], replacements: LayerDict<Layer>, name: String? = nil) throws {
        guard !layers.isEmpty else { throw AgentNetError.invalid("reapply: there are no layers to reapply") }
        guard !replacements.isEmpty else { throw AgentNetError.invalid("reapply: replacements are empty; give {old_layer: new_layer}") }
        for (i, l) in layers.enumerated() where l.outputCount != 1 {
            throw AgentNetError.invalid("reapply: layer \(i) (\(l.label)) has \(l.outputCount) outputs; reapply one of them (layer[key])")
        }
        var seen = Set<ObjectIdentifier>()
        for old in replacements.keys where !seen.insert(ObjectIdentifier(old)).inserted {
            throw AgentNetError.invalid("reapply: \(old.label) is replaced twice")
        }
        for (old, new) in replacements where new.outputCount != 1 {
            throw AgentNetError.invalid("reapply: the replacement for \(old.label), \(new.label), has \(new.outputCount) outputs; give one of them (layer[key])")
        }
        targets = layers
        replaced = replacements.keys
        outputShapes = layers.map(\.outputShape)
        outputDTypes = layers.map(\.outputDType)
        super.init(inputShapes: replacements.values.map(\.outputShape), name: name)
        try setIncoming(replacements.values)
        // The parameters of the part that is re-evaluated: above the replaced layers, below the given ones.
        let stop = Set(replaced.map(ObjectIdentifier.init))
        var params = Set<Node>()
        for l in getAllLayers(layers, treatAsInput: replaced) where !stop.contains(ObjectIdentifier(l)) {
            for (i, p) in l.params.enumerated() where params.insert(p.node).inserted {
                appendParam(p)
                paramSources.append((l, i))
            }
        }
    }

    public override var outputShape: [Int?] { outputShapes[0] }
    public override var outputDType: DType { outputDTypes[0] }
    public override var outputCount: Int { targets.count }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { outputShapes[0] }

    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        return try getOutput(targets, inputs: Array(zip(replaced, inputs)), options: options)
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    public override var attributes: [String] { ["\(targets.count) layers", "\(replaced.count) replaced"] }

    /// For the Python binding: `param_sources`, the host key of each parameter's layer and its index there.
    public var facts: [String: JSON] {
        ["param_sources": .array(paramSources.map { .array([.number(Double($0.layer.hostKey)), .number(Double($0.index))]) })]
    }
}

/// `layer` applied again with the replacements (a one-output layer).
public func reapply(_ layer: Layer, _ replacements: LayerDict<Layer>, name: String? = nil) throws -> Layer {
    try reapply([layer], replacements, name: name)[0]
}

/// `layers` applied again with the replacements, one layer each, in order.
public func reapply(_ layers: [Layer], _ replacements: LayerDict<Layer>, name: String? = nil) throws -> [Layer] {
    let r = try ReapplyLayer(layers, replacements: replacements, name: name)
    return try layers.indices.map { try ElementLayer(r, index: $0) }
}

/// `layers` (by key) applied again with the replacements: the same keys, each with its reapplied layer.
public func reapply(_ layers: [String: Layer], _ replacements: LayerDict<Layer>, name: String? = nil) throws -> [String: Layer] {
    let keys = layers.keys.sorted()
    return Dictionary(uniqueKeysWithValues: zip(keys, try reapply(keys.map { layers[$0]! }, replacements, name: name)))
}

extension LayerRegistry {
    /// `{"layers": [h, ...], "replacements": [[old, new], ...]}` (handles); the incoming shapes are not read, the
    /// replacement layers are the incoming layers.
    static let reapplyLayers: [String: Maker] = [
        "ReapplyLayer": { s in
            func layer(_ v: JSON) throws -> Layer {
                guard case .number = v, let h = v.int, let l = try s.resolve(Int64(h)) as? Layer else {
                    throw AgentNetError.invalid("ReapplyLayer: expected a layer handle, got \(v.serialized)")
                }
                return l
            }
            guard let layers = s.attrs["layers"]?.array else { throw AgentNetError.invalid("ReapplyLayer: 'layers' must be a list of layer handles") }
            guard let pairs = s.attrs["replacements"]?.array else {
                throw AgentNetError.invalid("ReapplyLayer: 'replacements' must be a list of [old, new] layer handle pairs")
            }
            let replacements = try pairs.map { p -> (Layer, Layer) in
                guard let kv = p.array, kv.count == 2 else { throw AgentNetError.invalid("ReapplyLayer: each replacement must be an [old, new] pair, got \(p.serialized)") }
                return (try layer(kv[0]), try layer(kv[1]))
            }
            return try ReapplyLayer(try layers.map(layer), replacements: LayerDict(replacements), name: s.name)
        },
    ]
}
