/// The resolvers' entries in the layer registry: kind + JSON attributes, as Python creates them.
extension LayerRegistry {
    static func resolverSeed(_ s: LayerSpec) throws -> UInt64 {
        guard s.attrs["seed"] != nil, s.attrs["seed"]?.isNull == false else { return 1234 }
        return try seed(s)
    }

    static func resolverPolicy(_ s: LayerSpec, extra: Int = 0) throws -> [Int?] {
        guard s.inputShapes.count == 1 + extra else {
            throw AgentNetError.invalid("\(s.kind) takes \(1 + extra == 1 ? "one incoming layer (the policy)" : "the policy and epsilon"), got \(s.inputShapes.count) inputs")
        }
        return s.inputShapes[0]
    }

    static func optionalFloat(_ s: LayerSpec, _ key: String, _ dflt: Float?) throws -> Float? {
        guard let v = s.attrs[key] else { return dflt }
        if v.isNull { return nil }
        guard let d = v.double else { throw AgentNetError.invalid("\(s.kind): attribute '\(key)' must be a number or null, got \(v.serialized)") }
        return Float(d)
    }

    static let resolverLayers: [String: Maker] = [
        "BaseResolver": { s in
            try BaseResolver(policyShape: resolverPolicy(s), outputDType: s.dtype(value: s.attrs["output_dtype"] ?? .string("int32")), name: s.name)
        },
        "EpsilonGreedyResolver": { s in
            let v = s.attrs["epsilon"]
            let eps: ResolverEpsilon?
            if v == nil || v!.isNull { eps = nil }
            else if v!.string == "input" { eps = .input }
            else if let id = v!["shared"]?.int {
                guard let shared = try s.resolve(Int64(id)) as? SharedValue else {
                    throw AgentNetError.invalid("EpsilonGreedyResolver: 'epsilon' must be a shared value")
                }
                eps = .shared(shared)
            }
            else { eps = .constant(Float(try s.double("epsilon"))) }
            let extra = { if case .input = eps { return 1 } else { return 0 } }()
            return try EpsilonGreedyResolver(policyShape: resolverPolicy(s, extra: extra), epsilon: eps, seed: resolverSeed(s),
                                             outputDType: s.dtype(value: s.attrs["output_dtype"] ?? .string("int32")), name: s.name)
        },
        "ProbabilisticResolver": { s in
            try ProbabilisticResolver(policyShape: resolverPolicy(s), assumeNormalized: s.bool("assume_normalized", false),
                                      seed: resolverSeed(s), outputDType: s.dtype(value: s.attrs["output_dtype"] ?? .string("int32")),
                                      name: s.name)
        },
        "GaussianResolver": { s in
            guard s.inputShapes.count == 2 else {
                throw AgentNetError.invalid("GaussianResolver takes the mean and the log-std, got \(s.inputShapes.count) inputs")
            }
            return try GaussianResolver(meanShape: s.inputShapes[0], logStdShape: s.inputShapes[1], low: optionalFloat(s, "low", -1),
                                        high: optionalFloat(s, "high", 1), seed: resolverSeed(s), name: s.name)
        },
    ]
}
