/// Creates layers by kind name and JSON attributes: the generic constructor behind `agn_layer_create`, for every
/// kind (the graph's own and the zoo's). Parameters are given as `{"shared": <handle>}` or as an initializer
/// `{"kind": "GlorotUniform", "gain": 1}`; `null` for an optional parameter (a DenseLayer without bias). Other
/// engine objects named in the attributes (`{"input_var": h}`, `{"source": h}`) are handles too; the caller's
/// `resolve` closure turns a handle into its object.
///
/// The table is assembled from one `[kind: maker]` dictionary per layer family; each family's file provides its
/// own (`LayerRegistry.shapeLayers` in ShapeLayers.swift, ...), so families are added without touching the others.
public enum LayerRegistry {
    /// Builds a layer from its creation request.
    public typealias Maker = @Sendable (LayerSpec) throws -> Layer

    static let families: [[String: Maker]] = [
        coreLayers, graphLayers, agentLayers,
        shapeLayers, mergeLayers, biasScaleLayers, noiseLayers, embeddingLayers, batchNormLayers, convLayers, poolLayers,
        broadcastLayers, gradClipLayers,
        windowAugmentationLayers, stackAugmentationLayers, counterLayers, switchLayers, attentionLayers,
        gateLayers, rnnCellLayers, gruCellLayers, lstmCellLayers, gruMemoryLayers,
        nafLayers, resolverLayers, environmentLayers, reapplyLayers,
    ]

    public static let makers: [String: Maker] = families.reduce(into: [:]) { table, family in
        table.merge(family) { first, _ in first }
    }

    public static var kinds: [String] { makers.keys.sorted() }

    public static func make(_ kind: String, _ attrs: JSON, inputShapes: [[Int?]], name: String?,
                            resolve: @escaping (Int64) throws -> AnyObject) throws -> Layer {
        guard let maker = makers[kind] else {
            throw AgentNetError.invalid("unknown layer kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
        let layer = try maker(LayerSpec(kind: kind, attrs: attrs, inputShapes: inputShapes, name: name, resolve: resolve))
        layer.remake = { shapes in try maker(LayerSpec(kind: kind, attrs: attrs, inputShapes: shapes, name: name, resolve: resolve)) }
        return layer
    }

    static let coreLayers: [String: Maker] = [
        "InputLayer": { s in
            guard s.attrs["shape"] != nil else { throw AgentNetError.invalid("InputLayer: missing attribute 'shape'") }
            let shape = try s.shape("shape")
            if s.attrs["input_var"] != nil {
                return try InputLayer(shape: shape, inputVar: s.object("input_var", Node.self, "an expression"), name: s.name)
            }
            return InputLayer(shape: shape, name: s.name)
        },
        "DenseLayer": { s in
            guard let units = s.attrs["num_units"]?.int else { throw AgentNetError.invalid("DenseLayer: attribute 'num_units' must be an integer") }
            guard let w = try s.param("W", .glorotUniform(gain: 1)) else { throw AgentNetError.invalid("DenseLayer: W cannot be None") }
            return try DenseLayer(inputShape: s.one(), numUnits: units, W: w, b: try s.param("b", .constant(0)),
                                  nonlinearity: s.nonlinearity(), numLeadingAxes: s.attrs["num_leading_axes"]?.int ?? 1, name: s.name)
        },
        "NonlinearityLayer": { s in
            NonlinearityLayer(inputShape: try s.one(), nonlinearity: try s.nonlinearity(), name: s.name)
        },
    ]
}

/// One creation request: the kind, its JSON attributes and the incoming shapes, with typed attribute readers that
/// name the layer and attribute in their errors.
public struct LayerSpec {
    public let kind: String
    public let attrs: JSON
    public let inputShapes: [[Int?]]
    public let name: String?
    /// Turns a handle named in the attributes into its engine object.
    public let resolve: (Int64) throws -> AnyObject

    /// The engine object whose handle is attribute `key`, of type `T` (`what` names it in errors).
    public func object<T>(_ key: String, _ type: T.Type, _ what: String) throws -> T {
        guard let h = attrs[key]?.int else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a handle") }
        guard let o = try resolve(Int64(h)) as? T else { throw AgentNetError.invalid("\(kind): '\(key)' must be \(what)") }
        return o
    }

    /// The shape in attribute `key`, of rank <= 8 (`null` for an unknown dimension).
    public func shape(_ key: String) throws -> [Int?] { try shape(attrs[key], key) }

    /// The shape `value` (part of attribute `key`).
    public func shape(_ value: JSON?, _ key: String) throws -> [Int?] {
        guard let dims = value?.array, dims.count <= 8 else { throw AgentNetError.invalid("\(kind): '\(key)' must be a shape of rank <= 8") }
        return try dims.map { d -> Int? in
            if d.isNull { return nil }
            guard let n = d.int, n >= 0 else { throw AgentNetError.shape("\(kind): invalid dimension \(d.serialized) in '\(key)'") }
            return n
        }
    }

    /// The dtype named in attribute `key` (`float32`, `int32`, `bool`); absent means float32.
    public func dtype(_ key: String) throws -> DType { try dtype(value: attrs[key]) }

    public func dtype(value: JSON?) throws -> DType {
        switch value?.string ?? "float32" {
        case "float32": return .float32
        case "int32": return .int32
        case "bool": return .bool
        case let other: throw AgentNetError.dtype("\(kind): unsupported dtype '\(other)'")
        }
    }

    /// A parameter: absent gives `dflt`, `null` gives nil (no parameter), `{"shared": id}` or an initializer.
    public func param(_ key: String, _ dflt: Initializer) throws -> ParamSpec? {
        guard let v = attrs[key] else { return .initializer(dflt) }
        if v.isNull { return nil }
        if let id = v["shared"]?.int {
            guard let value = try resolve(Int64(id)) as? SharedValue else { throw AgentNetError.invalid("\(kind): '\(key)' must be a shared value") }
            return .shared(value)
        }
        return .initializer(try Initializer(json: v))
    }

    /// A parameter that cannot be None.
    public func requiredParam(_ key: String, _ dflt: Initializer) throws -> ParamSpec {
        guard let p = try param(key, dflt) else { throw AgentNetError.invalid("\(kind): \(key) cannot be None") }
        return p
    }

    public func nonlinearity() throws -> Nonlinearity {
        try Nonlinearity(name: attrs["nonlinearity"]?.string ?? "rectify", leakiness: Float(attrs["leakiness"]?.double ?? 0.01))
    }

    /// The single incoming shape of a one-input layer.
    public func one() throws -> [Int?] {
        guard inputShapes.count == 1 else { throw AgentNetError.invalid("\(kind) takes one incoming layer, got \(inputShapes.count)") }
        return inputShapes[0]
    }

    public func int(_ key: String, _ dflt: Int? = nil) throws -> Int {
        guard let v = attrs[key], !v.isNull else {
            guard let dflt else { throw AgentNetError.invalid("\(kind): missing attribute '\(key)'") }
            return dflt
        }
        guard case .number = v, let i = v.int else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be an integer, got \(v.serialized)") }
        return i
    }

    public func double(_ key: String, _ dflt: Double? = nil) throws -> Double {
        guard let v = attrs[key], !v.isNull else {
            guard let dflt else { throw AgentNetError.invalid("\(kind): missing attribute '\(key)'") }
            return dflt
        }
        guard let d = v.double else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a number, got \(v.serialized)") }
        return d
    }

    public func bool(_ key: String, _ dflt: Bool) throws -> Bool {
        guard let v = attrs[key], !v.isNull else { return dflt }
        guard let b = v.bool else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a boolean, got \(v.serialized)") }
        return b
    }

    public func string(_ key: String, _ dflt: String? = nil) throws -> String {
        guard let v = attrs[key], !v.isNull else {
            guard let dflt else { throw AgentNetError.invalid("\(kind): missing attribute '\(key)'") }
            return dflt
        }
        guard let s = v.string else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a string, got \(v.serialized)") }
        return s
    }

    /// A list of integers (a single integer gives a one-element list); nil when absent or null.
    public func ints(_ key: String) throws -> [Int]? {
        guard let v = attrs[key], !v.isNull else { return nil }
        if case .number = v, let i = v.int { return [i] }
        guard let a = v.array else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a list of integers, got \(v.serialized)") }
        return try a.map {
            guard case .number = $0, let i = $0.int else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a list of integers, got \(v.serialized)") }
            return i
        }
    }

    /// `n` integers: one integer repeated, or a list of exactly `n` (Lasagne's `as_tuple`).
    public func tuple(_ key: String, _ n: Int, _ dflt: [Int]? = nil) throws -> [Int] {
        guard let v = try ints(key) else {
            guard let dflt else { throw AgentNetError.invalid("\(kind): missing attribute '\(key)'") }
            return dflt
        }
        if case .number = attrs[key]! { return Array(repeating: v[0], count: n) }
        guard v.count == n else { throw AgentNetError.invalid("\(kind): '\(key)' must be an integer or \(n) integers, got \(attrs[key]!.serialized)") }
        return v
    }
}
