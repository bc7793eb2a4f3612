/// Creates layers by kind name and JSON attributes: the generic constructor behind `agn_layer_create`.
/// Parameters are given as `{"shared": <id>}` (resolved by the caller's `shared` closure) or as an initializer
/// `{"kind": "GlorotUniform", "gain": 1}`; `null` for an optional parameter (a DenseLayer without bias).
///
/// The table is assembled from one `[kind: maker]` dictionary per layer family; each family's file provides its
/// own (`LayerRegistry.shapeLayers` in ShapeLayers.swift, ...), so families are added without touching the others.
public enum LayerRegistry {
    /// Builds a layer from its creation request.
    public typealias Maker = @Sendable (LayerSpec) throws -> Layer

    static let families: [[String: Maker]] = [
        coreLayers,
        shapeLayers, mergeLayers, biasScaleLayers, noiseLayers, embeddingLayers, batchNormLayers, convLayers, poolLayers,
    ]

    public static let makers: [String: Maker] = families.reduce(into: [:]) { table, family in
        table.merge(family) { first, _ in first }
    }

    public static var kinds: [String] { makers.keys.sorted() }

    public static func make(_ kind: String, _ attrs: JSON, inputShapes: [[Int?]], name: String?,
                            shared: @escaping (Int) throws -> SharedValue) throws -> Layer {
        guard let maker = makers[kind] else {
            throw AgentNetError.invalid("unknown layer kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
        return try maker(LayerSpec(kind: kind, attrs: attrs, inputShapes: inputShapes, name: name, shared: shared))
    }

    static let coreLayers: [String: Maker] = [
        "InputLayer": { s in
            guard let shape = s.attrs["shape"]?.array else { throw AgentNetError.invalid("InputLayer: missing attribute 'shape'") }
            return InputLayer(shape: try shape.map { v -> Int? in
                if v.isNull { return nil }
                guard let d = v.int, d >= 0 else { throw AgentNetError.shape("InputLayer: invalid dimension \(v.serialized)") }
                return d
            }, name: s.name)
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
    public let shared: (Int) throws -> SharedValue

    /// A parameter: absent gives `dflt`, `null` gives nil (no parameter), `{"shared": id}` or an initializer.
    public func param(_ key: String, _ dflt: Initializer) throws -> ParamSpec? {
        guard let v = attrs[key] else { return .initializer(dflt) }
        if v.isNull { return nil }
        if let id = v["shared"]?.int { return .shared(try shared(id)) }
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
