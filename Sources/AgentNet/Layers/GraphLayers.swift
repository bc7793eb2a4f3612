/// The registry's makers for the layers that make up the graph itself rather than the zoo: host (Python) layers,
/// multi-output layers and their elements (an input layer bound to an expression is `InputLayer` with `input_var`).
extension LayerRegistry {
    static let graphLayers: [String: Maker] = [
        "CallbackLayer": { s in
            guard let key = s.attrs["host_key"]?.int, key > 0 else { throw AgentNetError.invalid("CallbackLayer: 'host_key' must be a positive int") }
            return try CallbackLayer(key: Int64(key), kind: s.attrs["host_kind"]?.string ?? "Layer", inputShapes: s.inputShapes,
                                     outputShape: s.shape("output_shape"), outputDType: s.dtype("output_dtype"),
                                     outputCount: s.attrs["output_count"]?.int ?? 1, name: s.name)
        },
        "DictLayer": { s in
            guard let keys = s.attrs["keys"]?.array?.map({ $0.string ?? $0.serialized }) else { throw AgentNetError.invalid("DictLayer: 'keys' must be a list") }
            guard let shapes = s.attrs["output_shapes"]?.array else { throw AgentNetError.invalid("DictLayer: 'output_shapes' must be a list") }
            let dtypes = try s.attrs["output_dtypes"]?.array.map { try $0.map { try s.dtype(value: $0) } }
            let outputShapes = try shapes.map { try s.shape($0, "output_shapes") }
            return try DictLayer(incoming: Array(repeating: nil, count: s.inputShapes.count), inputShapes: s.inputShapes, keys: keys,
                                 outputShapes: outputShapes, outputDTypes: dtypes, name: s.name)
        },
        "ElementLayer": { s in
            guard let index = s.attrs["index"]?.int else { throw AgentNetError.invalid("ElementLayer: 'index' must be an int") }
            return try ElementLayer(s.object("source", Layer.self, "a layer"), index: index,
                                    shape: s.attrs["output_shape"] != nil ? s.shape("output_shape") : nil,
                                    dtype: s.attrs["output_dtype"] != nil ? s.dtype("output_dtype") : nil, name: s.name)
        },
    ]
}
