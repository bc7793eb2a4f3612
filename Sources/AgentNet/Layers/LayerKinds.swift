/// Creation by kind + JSON of the layers that make up the graph itself rather than the zoo: input layers bound
/// to an expression, host (Python) layers, multi-output layers and their elements. `resolve` turns the handles
/// a caller passes in JSON (`{"node": h}`, `{"layer": h}`) into engine objects. Returns nil for other kinds
/// (`LayerRegistry` makes those).
public enum LayerKinds {
    public static let kinds = ["InputLayer", "CallbackLayer", "DictLayer", "ElementLayer"]

    public static func make(_ kind: String, _ attrs: JSON, inputShapes: [[Int?]], name: String?,
                            resolve: (Int64) throws -> AnyObject) throws -> Layer? {
        func object<T>(_ key: String, _ type: T.Type, _ what: String) throws -> T {
            guard let h = attrs[key]?.int else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a handle") }
            guard let o = try resolve(Int64(h)) as? T else { throw AgentNetError.invalid("\(kind): '\(key)' must be \(what)") }
            return o
        }
        func shape(_ v: JSON?, _ what: String) throws -> [Int?] {
            guard let dims = v?.array, dims.count <= 8 else { throw AgentNetError.invalid("\(kind): '\(what)' must be a shape of rank <= 8") }
            return try dims.map { d -> Int? in
                if d.isNull { return nil }
                guard let n = d.int, n >= 0 else { throw AgentNetError.shape("\(kind): invalid dimension \(d.serialized) in '\(what)'") }
                return n
            }
        }
        func dtype(_ v: JSON?) throws -> DType {
            switch v?.string ?? "float32" {
            case "float32": return .float32
            case "int32": return .int32
            case "bool": return .bool
            case let other: throw AgentNetError.dtype("\(kind): unsupported dtype '\(other)'")
            }
        }
        switch kind {
        case "InputLayer" where attrs["input_var"] != nil:
            return try InputLayer(shape: shape(attrs["shape"], "shape"), inputVar: object("input_var", Node.self, "an expression"), name: name)
        case "CallbackLayer":
            guard let key = attrs["host_key"]?.int, key > 0 else { throw AgentNetError.invalid("CallbackLayer: 'host_key' must be a positive int") }
            return try CallbackLayer(key: Int64(key), kind: attrs["host_kind"]?.string ?? "Layer", inputShapes: inputShapes,
                                     outputShape: shape(attrs["output_shape"], "output_shape"), outputDType: dtype(attrs["output_dtype"]),
                                     outputCount: attrs["output_count"]?.int ?? 1, name: name)
        case "DictLayer":
            guard let keys = attrs["keys"]?.array?.map({ $0.string ?? $0.serialized }) else { throw AgentNetError.invalid("DictLayer: 'keys' must be a list") }
            guard let shapes = attrs["output_shapes"]?.array else { throw AgentNetError.invalid("DictLayer: 'output_shapes' must be a list") }
            let dtypes = try attrs["output_dtypes"]?.array.map { try $0.map { try dtype($0) } }
            return try DictLayer(incoming: Array(repeating: nil, count: inputShapes.count), inputShapes: inputShapes, keys: keys,
                                 outputShapes: shapes.map { try shape($0, "output_shapes") }, outputDTypes: dtypes, name: name)
        case "ElementLayer":
            guard let index = attrs["index"]?.int else { throw AgentNetError.invalid("ElementLayer: 'index' must be an int") }
            return try ElementLayer(object("source", Layer.self, "a layer"), index: index,
                                    shape: attrs["output_shape"].map { try shape($0, "output_shape") },
                                    dtype: attrs["output_dtype"].map { try dtype($0) }, name: name)
        default:
            return nil
        }
    }
}
