// C exports for layers: generic creation by kind + JSON attributes, output for input expressions, parameters.
import AgentNet

@_cdecl("agn_layer_create")
public func agn_layer_create(_ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ inputShapes: UnsafePointer<Int64>?,
                             _ inputRanks: UnsafePointer<Int32>?, _ nInputs: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let k = try string(kind, "kind")
        let json = try attributes(attrs, "attributes")
        let shapes = try staticShapes(inputShapes, ranks: inputRanks, nInputs, "input shapes")
        let layer = try LayerRegistry.make(k, json, inputShapes: shapes, name: json["name"]?.string) { id in
            try Handles.get(Int64(id), as: SharedValue.self, "shared value")
        }
        o.pointee = Handles.register(layer)
    }
}

/// The layer's output for input expressions (one per incoming layer); `options_json` like `{"deterministic": true}`.
@_cdecl("agn_layer_output")
public func agn_layer_output(_ layer: Int64, _ inputs: UnsafePointer<Int64>?, _ n: Int64, _ options: UnsafePointer<CChar>?,
                             _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let o = try AgentNetC.out(out, "out")
        let opts = try attributes(options, "options")
        let node = try l.output(for: try nodes(inputs, n, "inputs"), options: LayerOptions(deterministic: opts["deterministic"]?.bool ?? false))
        o.pointee = Handles.register(node)
    }
}

/// Output shape (dims -1 where unknown; 8 slots) and number of parameters.
@_cdecl("agn_layer_info")
public func agn_layer_info(_ layer: Int64, _ ndim: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?,
                           _ nParams: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let r = try out(ndim, "ndim"), d = try out(dims, "dims"), p = try out(nParams, "n_params")
        try writeShape(l.outputShape, rank: r, dims: d)
        p.pointee = Int64(l.params.count)
    }
}

/// Parameter `index` of a layer: a new handle to its shared value, and its name and tags as JSON
/// (`{"name": "dense.W", "tags": ["regularizable", "trainable"]}`, valid until the thread's next string call).
@_cdecl("agn_layer_param")
public func agn_layer_param(_ layer: Int64, _ index: Int64, _ shared: UnsafeMutablePointer<Int64>?,
                            _ info: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        guard index >= 0, index < l.params.count else {
            throw AgentNetError(.invalidArgument, "\(l.kind) has \(l.params.count) parameters; index \(index) is out of range")
        }
        let p = l.params[Int(index)]
        try out(shared, "shared").pointee = Handles.register(p.value)
        let json = JSON.object(["name": .string(p.name), "tags": .array(p.tags.sorted().map { .string($0) })])
        try writeString(json.serialized, info, "info")
    }
}

@_cdecl("agn_layer_repr")
public func agn_layer_repr(_ layer: Int64, _ text: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        try writeString(l.description, text, "text")
    }
}
