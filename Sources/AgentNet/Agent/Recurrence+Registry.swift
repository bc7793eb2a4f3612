/// `Recurrence` by kind + JSON attributes (`agn_layer_create("Recurrence", ...)`). Layers are handles:
///
///     {"state_variables": [[new, prev], ...], "input_sequences": [[one_tick, outer], ...],
///      "input_nonsequences": [[one_tick, outer], ...], "tracked_outputs": [h, ...],
///      "state_init": "zeros" | [[state, init or null], ...] | {"list": [init or null, ...]},
///      "mask_input": h or null, "delayed_states": [h, ...], "n_steps": n or null,
///      "batch_size": n or null, "batch_size_var": node, "unroll_scan": true, "verify_graph": true, "name": "..."}
///
/// The incoming shapes are not read: the outer layers named here are the incoming layers.
extension LayerRegistry {
    static let agentLayers: [String: Maker] = [
        "Recurrence": { s in
            func layer(_ v: JSON, _ key: String) throws -> Layer {
                guard let h = v.int, case .number = v, let l = try s.resolve(Int64(h)) as? Layer else {
                    throw AgentNetError.invalid("Recurrence: '\(key)' must hold layer handles, got \(v.serialized)")
                }
                return l
            }
            func layers(_ key: String) throws -> [Layer] {
                guard let v = s.attrs[key], !v.isNull else { return [] }
                guard let a = v.array else { throw AgentNetError.invalid("Recurrence: '\(key)' must be a list of layer handles, got \(v.serialized)") }
                return try a.map { try layer($0, key) }
            }
            func pairs(_ key: String) throws -> [(Layer, JSON)] {
                guard let v = s.attrs[key], !v.isNull else { return [] }
                guard let a = v.array else { throw AgentNetError.invalid("Recurrence: '\(key)' must be a list of [layer, layer] pairs, got \(v.serialized)") }
                return try a.map { p in
                    guard let kv = p.array, kv.count == 2 else { throw AgentNetError.invalid("Recurrence: '\(key)' must be a list of [layer, layer] pairs, got \(v.serialized)") }
                    return (try layer(kv[0], key), kv[1])
                }
            }
            func dict(_ key: String) throws -> LayerDict<Layer> {
                LayerDict(try pairs(key).map { ($0.0, try layer($0.1, key)) })
            }
            func optionalLayer(_ v: JSON, _ key: String) throws -> Layer? { v.isNull ? nil : try layer(v, key) }
            /// A count given as a whole number (the Recurrence checks its sign); anything else is shown as given.
            func count(_ key: String, _ must: String) throws -> Int? {
                guard let v = s.attrs[key], !v.isNull else { return nil }
                guard case .number = v, let n = v.int else {
                    throw AgentNetError.invalid("\(RecurrenceChecks(name: s.name).what): \(key) must be \(must), got \(v.string ?? v.serialized)")
                }
                return n
            }

            let stateInit: Recurrence.StateInit
            switch s.attrs["state_init"] ?? .null {
            case .null, .string("zeros"): stateInit = .zeros
            case .array: stateInit = .layers(LayerDict(try pairs("state_init").map { ($0.0, try optionalLayer($0.1, "state_init")) }))
            case let v:
                guard let list = v["list"]?.array else {
                    throw AgentNetError.invalid("Recurrence: state_init must be 'zeros', a dict or a list of layers, got \(v.serialized)")
                }
                stateInit = .list(try list.map { try optionalLayer($0, "state_init") })
            }
            var batchSize: Recurrence.BatchSize? = try count("batch_size", "a positive int or a symbolic scalar").map { .fixed($0) }
            if s.attrs["batch_size_var"] != nil { batchSize = .symbolic(try s.object("batch_size_var", Node.self, "a symbolic scalar")) }
            return try Recurrence(
                inputNonsequences: dict("input_nonsequences"), inputSequences: dict("input_sequences"),
                trackedOutputs: layers("tracked_outputs"), stateVariables: dict("state_variables"), stateInit: stateInit,
                unrollScan: s.bool("unroll_scan", true), nSteps: count("n_steps", "a positive int (the graph is unrolled when it is built)"), batchSize: batchSize,
                maskInput: optionalLayer(s.attrs["mask_input"] ?? .null, "mask_input"), delayedStates: layers("delayed_states"),
                verifyGraph: s.bool("verify_graph", true), name: s.name)
        },
    ]
}
