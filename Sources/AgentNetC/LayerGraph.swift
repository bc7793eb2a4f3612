// C exports for the layer graph: connecting layers, editing parameters, and the whole-network walks
// (get_output, get_output_shape, get_all_layers, get_all_params, count_params, set_all_param_values).
import AgentNet

func layers(_ p: UnsafePointer<Int64>?, _ n: Int64, _ what: String) throws -> [Layer] {
    try array(p, n, what).map { try Handles.get($0, as: Layer.self, "layer") }
}

func tagFilter(_ text: UnsafePointer<CChar>?) throws -> [String: Bool] {
    let json = try JSON.parse(text.map { String(cString: $0) } ?? "{}")
    guard case .object(let o) = json else { throw AgentNetError(.invalidArgument, "tags must be a JSON object of booleans") }
    return try o.mapValues {
        guard case .bool(let b) = $0 else { throw AgentNetError(.invalidArgument, "tag values must be true or false, got \($0.serialized)") }
        return b
    }
}

func tagSet(_ text: UnsafePointer<CChar>?) throws -> Set<String> {
    let json = try JSON.parse(try string(text, "tags"))
    guard let a = json.array else { throw AgentNetError(.invalidArgument, "tags must be a JSON list of strings") }
    return Set(try a.map {
        guard let s = $0.string else { throw AgentNetError(.invalidArgument, "tags must be strings, got \($0.serialized)") }
        return s
    })
}

/// Sets a layer's incoming layers; handle 0 marks a free-floating input (given to get_output).
@_cdecl("agn_layer_set_incoming")
public func agn_layer_set_incoming(_ layer: Int64, _ incoming: UnsafePointer<Int64>?, _ n: Int64) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        try l.setIncoming(try array(incoming, n, "incoming").map { $0 == 0 ? nil : try Handles.get($0, as: Layer.self, "layer") })
    }
}

/// Registers a parameter (a shared value's handle, or an expression's when `is_shared` is 0) with tags (JSON list).
@_cdecl("agn_layer_add_param")
public func agn_layer_add_param(_ layer: Int64, _ param: Int64, _ isShared: Int32, _ name: UnsafePointer<CChar>?,
                                _ tags: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let n = try string(name, "name"), t = try tagSet(tags)
        if isShared != 0 {
            l.appendParam(LayerParam(value: try Handles.get(param, as: SharedValue.self, "shared value"), name: n, tags: t))
        } else {
            l.appendParam(LayerParam(expression: try Handles.get(param, as: Node.self, "symbolic expression"), name: n, tags: t))
        }
    }
}

@_cdecl("agn_layer_remove_param")
public func agn_layer_remove_param(_ layer: Int64, _ index: Int64) -> Int32 {
    guarded { try Handles.get(layer, as: Layer.self, "layer").removeParam(at: Int(clamping: index)) }
}

@_cdecl("agn_layer_set_param_tags")
public func agn_layer_set_param_tags(_ layer: Int64, _ index: Int64, _ tags: UnsafePointer<CChar>?) -> Int32 {
    guarded { try Handles.get(layer, as: Layer.self, "layer").setParamTags(at: Int(clamping: index), try tagSet(tags)) }
}

/// Outputs of `layers` with `input_nodes[i]` standing for `input_layers[i]`. Writes every output (several for a
/// multi-output layer) to `outs` (capacity `out_cap`), each layer's count to `counts`, and for each output the
/// index of the given input it is identical to, or -1, or -2 - k when it is the input variable of the input layer
/// with host key k (so a binding can hand back the objects it already holds).
@_cdecl("agn_layer_get_output")
public func agn_layer_get_output(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ inputLayers: UnsafePointer<Int64>?,
                                 _ inputNodes: UnsafePointer<Int64>?, _ nInputs: Int64, _ options: UnsafePointer<CChar>?,
                                 _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64, _ counts: UnsafeMutablePointer<Int64>?,
                                 _ origins: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let targets = try layers(ls, n, "layers")
        let given = try layers(inputLayers, nInputs, "input layers"), xs = try nodes(inputNodes, nInputs, "input expressions")
        let opts = try LayerOptions(json: JSON.parse(options.map { String(cString: $0) } ?? "{}"))
        let o = try out(outs, "outs"), c = try out(counts, "counts"), g = try out(origins, "origins")
        let result = try getOutputs(targets, inputs: Array(zip(given, xs)), options: opts)
        let total = result.reduce(0) { $0 + $1.count }
        guard outCap >= 0, total <= outCap else { throw AgentNetError(.invalidArgument, "outs holds \(outCap) handles; \(total) outputs") }
        let inputVars = Dictionary(getAllLayers(targets, treatAsInput: given).compactMap { l in
            (l as? InputLayer).map { ($0.inputVar, $0.hostKey) } }, uniquingKeysWith: { a, _ in a })
        var at = 0
        for (i, nodes) in result.enumerated() {
            c[i] = Int64(nodes.count)
            for x in nodes {
                o[at] = Handles.register(x)
                if let k = xs.firstIndex(where: { $0 === x }) { g[at] = Int64(k) }
                else if let key = inputVars[x], key > 0 { g[at] = -2 - key }
                else { g[at] = -1 }
                at += 1
            }
        }
    }
}

/// Output shapes of `layers` for shapes given to some layers (shapes back to back, -1 unknown, `ranks` each);
/// writes each result's rank to `out_ndims` and its dims to 8 slots of `out_dims`.
@_cdecl("agn_layer_get_output_shape")
public func agn_layer_get_output_shape(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ inputLayers: UnsafePointer<Int64>?,
                                       _ dims: UnsafePointer<Int64>?, _ ranks: UnsafePointer<Int32>?, _ nInputs: Int64,
                                       _ outNdims: UnsafeMutablePointer<Int32>?, _ outDims: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let targets = try layers(ls, n, "layers"), given = try layers(inputLayers, nInputs, "input layers")
        let r = try array(ranks, nInputs, "ranks")
        guard r.allSatisfy({ $0 >= 0 && $0 <= 8 }) else { throw AgentNetError(.shape, "input rank out of range (0...8)") }
        let flat = try array(dims, r.reduce(0) { $0 + Int64($1) }, "input shapes")
        var shapes: [[Int?]] = [], at = 0
        for k in r {
            shapes.append(try flat[at..<(at + Int(k))].map {
                guard $0 >= -1, $0 < (1 << 40) else { throw AgentNetError(.shape, "dimension \($0) is out of range") }
                return $0 < 0 ? nil : Int($0)
            })
            at += Int(k)
        }
        let on = try out(outNdims, "out_ndims"), od = try out(outDims, "out_dims")
        for (i, s) in try getOutputShape(targets, inputShapes: Array(zip(given, shapes))).enumerated() {
            guard s.count <= 8 else { throw AgentNetError(.shape, "output rank \(s.count) exceeds 8") }
            on[i] = Int32(s.count)
            for (j, d) in s.enumerated() { od[8 * i + j] = Int64(d ?? -1) }
        }
    }
}

/// Host keys of all layers below `layers` in topological order (0 for layers built in Swift); `n_out` gets the
/// count, and the keys are written when it fits `out_cap`.
@_cdecl("agn_layer_get_all_layers")
public func agn_layer_get_all_layers(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ treat: UnsafePointer<Int64>?, _ nTreat: Int64,
                                     _ keys: UnsafeMutablePointer<Int64>?, _ outCap: Int64, _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let all = getAllLayers(try layers(ls, n, "layers"), treatAsInput: try layers(treat, nTreat, "treat_as_input"))
        try out(nOut, "n_out").pointee = Int64(all.count)
        guard all.count <= outCap else { return }
        let k = try out(keys, "keys")
        for (i, l) in all.enumerated() { k[i] = l.hostKey }
    }
}

/// Parameters of the network, filtered by `tags_json` (`{"trainable": true}`), as (owner's host key, index in
/// the owner's parameters) pairs; `n_out` gets the count, the pairs are written when it fits `out_cap`.
@_cdecl("agn_layer_get_all_params")
public func agn_layer_get_all_params(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ tags: UnsafePointer<CChar>?,
                                     _ owners: UnsafeMutablePointer<Int64>?, _ indices: UnsafeMutablePointer<Int64>?,
                                     _ outCap: Int64, _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let targets = try layers(ls, n, "layers")
        let params = try getAllParams(targets, tags: try tagFilter(tags))
        try out(nOut, "n_out").pointee = Int64(params.count)
        guard params.count <= outCap else { return }
        let o = try out(owners, "owners"), x = try out(indices, "indices")
        let owner = paramOwners(targets)
        for (i, p) in params.enumerated() { (o[i], x[i]) = owner[p.node] ?? (0, -1) }
    }
}

/// Parameter node → (host key of the first layer below `targets` that has it, its index there).
func paramOwners(_ targets: [Layer]) -> [Node: (Int64, Int64)] {
    var owner = [Node: (Int64, Int64)]()
    for l in getAllLayers(targets) {
        for (i, p) in l.params.enumerated() where owner[p.node] == nil { owner[p.node] = (l.hostKey, Int64(i)) }
    }
    return owner
}

@_cdecl("agn_layer_count_params")
public func agn_layer_count_params(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ tags: UnsafePointer<CChar>?,
                                   _ count: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded { try out(count, "count").pointee = Int64(try countParams(try layers(ls, n, "layers"), tags: try tagFilter(tags))) }
}

/// Sets the filtered parameters from `n_values` buffers (`data[i]`, `dtypes[i]`, `ndims[i]`, dims back to back);
/// counts, shapes and dtypes are all checked first, so a mismatch sets nothing.
@_cdecl("agn_layer_set_all_param_values")
public func agn_layer_set_all_param_values(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ tags: UnsafePointer<CChar>?,
                                           _ data: UnsafePointer<UnsafeRawPointer?>?, _ dtypes: UnsafePointer<Int32>?,
                                           _ ndims: UnsafePointer<Int32>?, _ dims: UnsafePointer<Int64>?, _ nValues: Int64) -> Int32 {
    guarded {
        let targets = try layers(ls, n, "layers")
        let ptrs = try array(data, nValues, "data"), codes = try array(dtypes, nValues, "dtypes"), ranks = try array(ndims, nValues, "ndims")
        guard ranks.allSatisfy({ $0 >= 0 && $0 <= 8 }) else { throw AgentNetError(.shape, "value rank out of range (0...8)") }
        let flat = try array(dims, ranks.reduce(0) { $0 + Int64($1) }, "dims")
        var values: [Tensor] = [], at = 0
        for i in 0..<ptrs.count {
            let d = Array(flat[at..<(at + Int(ranks[i]))])
            at += Int(ranks[i])
            values.append(try d.withUnsafeBufferPointer { try tensorFrom(ptrs[i], codes[i], ranks[i], $0.baseAddress) })
        }
        try setAllParamValues(targets, values, tags: try tagFilter(tags))
    }
}

/// Replaces a DenseLayer's or NonlinearityLayer's nonlinearity (`{"nonlinearity": "tanh"}`, or
/// `{"host_key": k, "label": "..."}` for a host callable), e.g. when `batch_norm` moves it after the normalization.
@_cdecl("agn_layer_set_nonlinearity")
public func agn_layer_set_nonlinearity(_ layer: Int64, _ spec: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let f = try nonlinearity(JSON.parse(try string(spec, "nonlinearity")))
        guard let d = l as? LayerWithNonlinearity else { throw AgentNetError(.invalidArgument, "\(l.label) has no nonlinearity to set") }
        d.nonlinearity = f
    }
}

/// `{"nonlinearity": name, "leakiness": a}` or `{"host_key": k, "label": text}`.
func nonlinearity(_ json: JSON) throws -> Nonlinearity {
    if let key = json["host_key"]?.int {
        guard key > 0 else { throw AgentNetError(.invalidArgument, "host_key must be positive") }
        return .host(HostObject(key: Int64(key), label: json["label"]?.string ?? "callable"))
    }
    return try Nonlinearity(name: json["nonlinearity"]?.string ?? "rectify", leakiness: Float(json["leakiness"]?.double ?? 0.01))
}

/// Drops a layer's bias (DenseLayer, Conv1DLayer/Conv2DLayer: `batch_norm`).
@_cdecl("agn_layer_remove_bias")
public func agn_layer_remove_bias(_ layer: Int64) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        guard let d = l as? LayerWithBias else { throw AgentNetError(.invalidArgument, "\(l.label) has no bias to remove") }
        try d.removeBias()
    }
}
