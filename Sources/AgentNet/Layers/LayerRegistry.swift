/// Creates layers by kind name and JSON attributes: the generic constructor behind `agn_layer_create`.
/// Parameters are given as `{"shared": <id>}` (resolved by the caller's `shared` closure) or as an initializer
/// `{"kind": "GlorotUniform", "gain": 1}`; `null` for an optional parameter (a DenseLayer without bias).
public enum LayerRegistry {
    public static let kinds = ["InputLayer", "DenseLayer", "NonlinearityLayer"]

    public static func make(_ kind: String, _ attrs: JSON, inputShapes: [[Int?]], name: String?,
                            shared: (Int) throws -> SharedValue) throws -> Layer {
        func param(_ key: String, _ dflt: Initializer) throws -> ParamSpec? {
            guard let v = attrs[key] else { return .initializer(dflt) }
            if v.isNull { return nil }
            if let id = v["shared"]?.int { return .shared(try shared(id)) }
            return .initializer(try Initializer(json: v))
        }
        func nonlinearity() throws -> Nonlinearity {
            try Nonlinearity(name: attrs["nonlinearity"]?.string ?? "rectify", leakiness: Float(attrs["leakiness"]?.double ?? 0.01))
        }
        func one() throws -> [Int?] {
            guard inputShapes.count == 1 else { throw AgentNetError.invalid("\(kind) takes one incoming layer, got \(inputShapes.count)") }
            return inputShapes[0]
        }
        switch kind {
        case "InputLayer":
            guard let s = attrs["shape"]?.array else { throw AgentNetError.invalid("InputLayer: missing attribute 'shape'") }
            guard s.count <= maxRank else { throw AgentNetError.shape("InputLayer: shape has \(s.count) dimensions; the most the engine supports is \(maxRank)") }
            return InputLayer(shape: try s.map { v -> Int? in
                if v.isNull { return nil }
                guard let d = v.int, d >= 0 else { throw AgentNetError.shape("InputLayer: invalid dimension \(v.serialized)") }
                return d
            }, name: name)
        case "DenseLayer":
            guard let units = attrs["num_units"]?.int else { throw AgentNetError.invalid("DenseLayer: attribute 'num_units' must be an integer") }
            guard let w = try param("W", .glorotUniform(gain: 1)) else { throw AgentNetError.invalid("DenseLayer: W cannot be None") }
            return try DenseLayer(inputShape: one(), numUnits: units, W: w, b: try param("b", .constant(0)),
                                  nonlinearity: nonlinearity(), numLeadingAxes: attrs["num_leading_axes"]?.int ?? 1, name: name)
        case "NonlinearityLayer":
            return NonlinearityLayer(inputShape: try one(), nonlinearity: try nonlinearity(), name: name)
        default:
            throw AgentNetError.invalid("unknown layer kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
    }
}
