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
        let layer = try LayerRegistry.make(k, json, inputShapes: shapes, name: json["name"]?.string) {
            try Handles.get($0, as: AnyObject.self, "engine object")
        }
        if let key = json["host_key"]?.int { layer.hostKey = Int64(key) }
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
        let opts = try LayerOptions(json: attributes(options, "options"))
        let node = try l.output(for: try nodes(inputs, n, "inputs"), options: opts)
        o.pointee = Handles.register(node)
    }
}

/// Every output of the layer for input expressions (several for a multi-output layer such as attention's
/// `attn` and `probs`): `n_outs` gets the count, and new handles are written to `outs` when they fit `out_cap`.
@_cdecl("agn_layer_outputs")
public func agn_layer_outputs(_ layer: Int64, _ inputs: UnsafePointer<Int64>?, _ n: Int64, _ options: UnsafePointer<CChar>?,
                              _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64, _ nOuts: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let count = try out(nOuts, "n_outs"), buffer = try outputBuffer(outs, outCap, "outs")
        let opts = try LayerOptions(json: attributes(options, "options"))
        let nodes = try l.outputs(for: try AgentNetC.nodes(inputs, n, "inputs"), options: opts)
        count.pointee = Int64(nodes.count)
        guard nodes.count <= buffer.count else { return }
        for (i, x) in nodes.enumerated() { buffer[i] = Handles.register(x) }
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

/// Parameter `index` of a layer: a new handle to its shared value (to its expression if it has none), and its name and tags as JSON
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
        try out(shared, "shared").pointee = Handles.register(p.value.map { $0 as AnyObject } ?? p.node)
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

/// A layer's outputs as JSON, valid until the thread's next string call: `{"output_count": n, "output_shapes":
/// [[null, 25, 10], ...], "output_dtypes": ["float32", ...]}` (every output of a multi-output layer), plus a
/// layer's facts (a Recurrence's `n_steps`, `param_sources`, `unused_inputs`; a memory cell's `param_slots`).
@_cdecl("agn_layer_describe")
public func agn_layer_describe(_ layer: Int64, _ text: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let multi = l as? MultiOutputLayer
        let shapes = multi?.outputShapes ?? [l.outputShape], dtypes = multi?.outputDTypes ?? [l.outputDType]
        var json: [String: JSON] = [
            "output_count": .number(Double(l.outputCount)),
            "output_shapes": .array(shapes.map { .array($0.map { $0.map { .number(Double($0)) } ?? .null }) }),
            "output_dtypes": .array(dtypes.map { .string($0.description) }),
        ]
        if let f = l as? LayerWithFacts { json.merge(f.facts) { $1 } }
        try writeString(JSON.object(json).serialized, text, "text")
    }
}
