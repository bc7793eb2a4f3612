// C exports for persistence: safetensors files keyed by parameter name (Sources/AgentNet/Utils/Persistence.swift
// has the naming scheme and the strict/non-strict rules; nothing here decides a match).
import AgentNet

/// Parameter names from a JSON array of strings or nulls (one per shared value).
func parameterNames(_ json: UnsafePointer<CChar>?, count: Int) throws -> [String?] {
    guard case .array(let items) = try JSON.parse(try string(json, "names_json")) else {
        throw AgentNetError(.invalidArgument, "names_json is not a JSON array")
    }
    guard items.count == count else {
        throw AgentNetError(.invalidArgument, "names_json has \(items.count) names for \(count) shared values")
    }
    return try items.enumerated().map { i, item in
        if item.isNull { return nil }
        guard let s = item.string else { throw AgentNetError(.invalidArgument, "names_json[\(i)] is neither a string nor null") }
        return s
    }
}

/// The shared values and their unique names.
func namedParameters(_ json: UnsafePointer<CChar>?, _ shared: UnsafePointer<Int64>?, _ n: Int64) throws -> [(name: String, value: SharedValue)] {
    let handles = try array(shared, n, "shared")
    let values = try handles.map { try Handles.get($0, as: SharedValue.self, "shared value") }
    let names = Persistence.uniqueNames(try parameterNames(json, count: values.count))
    return Array(zip(names, values)).map { (name: $0.0, value: $0.1) }
}

/// The unique names the engine saves parameters under, as a JSON array, for names given as in `agn_safetensors_save`.
@_cdecl("agn_state_names")
public func agn_state_names(_ names: UnsafePointer<CChar>?, _ n: Int64, _ text: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let o = try out(text, "text")
        guard n >= 0, n <= 1 << 24 else { throw AgentNetError(.invalidArgument, "count \(n) is out of range") }
        let unique = Persistence.uniqueNames(try parameterNames(names, count: Int(n)))
        o.pointee = ThreadString.set(JSON.array(unique.map { .string($0) }).serialized)
    }
}

@_cdecl("agn_safetensors_save")
public func agn_safetensors_save(_ path: UnsafePointer<CChar>?, _ names: UnsafePointer<CChar>?, _ shared: UnsafePointer<Int64>?,
                                 _ n: Int64, _ metadata: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let p = try string(path, "path")
        let params = try namedParameters(names, shared, n)
        var meta: [String: String] = [:]
        if let metadata {
            guard case .object(let m) = try JSON.parse(String(cString: metadata)) else {
                throw AgentNetError(.invalidArgument, "metadata_json is not a JSON object")
            }
            for (k, v) in m {
                guard let s = v.string else { throw AgentNetError(.invalidArgument, "metadata_json[\(k)] is not a string") }
                meta[k] = s
            }
        }
        try Persistence.save(params, to: p, metadata: meta)
    }
}

@_cdecl("agn_safetensors_load")
public func agn_safetensors_load(_ path: UnsafePointer<CChar>?, _ names: UnsafePointer<CChar>?, _ shared: UnsafePointer<Int64>?,
                                 _ n: Int64, _ strict: Int32, _ report: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let p = try string(path, "path")
        let o = try out(report, "report")
        let params = try namedParameters(names, shared, n)
        let r = try Persistence.load(params, from: p, strict: strict != 0)
        o.pointee = ThreadString.set(r.json.serialized)
    }
}

/// Sets shared values from caller buffers by name. Buffer `i` is named `keys_json[i]` and holds
/// `data[i]` of `dtypes[i]`, rank `ndims[i]`, its dims back to back in `dims`.
@_cdecl("agn_state_set")
public func agn_state_set(_ names: UnsafePointer<CChar>?, _ shared: UnsafePointer<Int64>?, _ n: Int64,
                          _ keys: UnsafePointer<CChar>?, _ data: UnsafePointer<UnsafeRawPointer?>?, _ dtypes: UnsafePointer<Int32>?,
                          _ ndims: UnsafePointer<Int32>?, _ dims: UnsafePointer<Int64>?, _ nValues: Int64, _ strict: Int32,
                          _ report: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let o = try out(report, "report")
        let params = try namedParameters(names, shared, n)
        guard case .array(let keyItems) = try JSON.parse(try string(keys, "keys_json")), keyItems.count == Int(clamping: nValues) else {
            throw AgentNetError(.invalidArgument, "keys_json is not a JSON array of \(nValues) names")
        }
        let pointers = try array(data, nValues, "data"), codes = try array(dtypes, nValues, "dtypes")
        let ranks = try array(ndims, nValues, "ndims")
        guard ranks.allSatisfy({ $0 >= 0 && $0 <= 8 }) else { throw AgentNetError(.shape, "a rank in ndims is out of range (0...8)") }
        let allDims = try array(dims, ranks.reduce(0) { $0 + Int64($1) }, "dims")
        var values: [(name: String, tensor: Tensor)] = []
        var at = 0
        for i in 0..<keyItems.count {
            guard let key = keyItems[i].string else { throw AgentNetError(.invalidArgument, "keys_json[\(i)] is not a string") }
            let r = Int(ranks[i])
            let s = try allDims[at..<(at + r)].map { d -> Int in
                guard d >= 0 else { throw AgentNetError(.shape, "value \(JSON.string(key).serialized): dimension \(d) is negative") }
                return Int(d)
            }
            at += r
            let d = try dtype(codes[i])
            let count = try checkedCount(s)
            if count == 0 {
                values.append((key, try Tensor(zeros: s, dtype: d)))
            } else if let p = pointers[i] {
                values.append((key, try Tensor(copying: p, dtype: d, shape: s)))
            } else {
                throw AgentNetError(.invalidArgument, "value \(JSON.string(key).serialized): data pointer is NULL")
            }
        }
        let r = try Persistence.setStateDict(params, values, strict: strict != 0)
        o.pointee = ThreadString.set(r.json.serialized)
    }
}

// MARK: - Reading a file without a network

@_cdecl("agn_safetensors_open")
public func agn_safetensors_open(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        o.pointee = Handles.register(try SafeTensorsFile(path: try string(path, "path")))
    }
}

/// `{"metadata": {...}, "tensors": [{"name", "dtype", "shape", "nbytes"}, ...]}` in buffer order.
@_cdecl("agn_safetensors_info")
public func agn_safetensors_info(_ file: Int64, _ text: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let f = try Handles.get(file, as: SafeTensorsFile.self, "safetensors file")
        let o = try out(text, "text")
        let tensors = f.entries.map { e in
            JSON.object(["name": .string(e.name), "dtype": .string(e.dtype.rawValue),
                         "shape": .array(e.shape.map { .number(Double($0)) }), "nbytes": .number(Double(e.byteCount))])
        }
        let json = JSON.object(["metadata": .object(f.metadata.mapValues { .string($0) }), "tensors": .array(tensors)])
        o.pointee = ThreadString.set(json.serialized)
    }
}

/// Copies tensor `index` (of the info list) as raw little-endian bytes; `nbytes` must be its exact size.
@_cdecl("agn_safetensors_read")
public func agn_safetensors_read(_ file: Int64, _ index: Int64, _ data: UnsafeMutableRawPointer?, _ nbytes: Int64) -> Int32 {
    guarded {
        let f = try Handles.get(file, as: SafeTensorsFile.self, "safetensors file")
        guard index >= 0, index < f.entries.count else {
            throw AgentNetError(.invalidArgument, "\(f.path) has \(f.entries.count) tensors; index \(index) is out of range")
        }
        let e = f.entries[Int(index)]
        guard nbytes == Int64(e.byteCount) else {
            throw AgentNetError(.invalidArgument, "tensor \(e.name) has \(e.byteCount) bytes; the buffer has \(nbytes)")
        }
        if e.byteCount == 0 { return }
        guard let data else { throw AgentNetError(.invalidArgument, "data is NULL") }
        try f.readBytes(e, into: data)
    }
}
