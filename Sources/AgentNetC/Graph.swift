// C exports for the symbolic graph: inputs, constants, shared values, generic node creation, gradients,
// compiled functions. Python's agentnet.tensor and agentnet.function sit on these.
import AgentNet
#if canImport(Glibc)
import Glibc
#endif

/// A random generator handle for random nodes (`RandomStreams`).
final class RandomHandle { let state: RandomState; init(_ s: RandomState) { state = s } }

func nodes(_ p: UnsafePointer<Int64>?, _ n: Int64, _ what: String) throws -> [Node] {
    try array(p, n, what).map { try Handles.get($0, as: Node.self, "symbolic expression") }
}

func staticShape(_ dims: UnsafePointer<Int64>?, _ ndim: Int32) throws -> [Int?] {
    guard ndim >= 0, ndim <= 8 else { throw AgentNetError(.shape, "rank \(ndim) is out of range (0...8)") }
    return try array(dims, Int64(ndim), "shape").map {
        guard $0 >= -1, $0 < (1 << 40) else { throw AgentNetError(.shape, "dimension \($0) is out of range") }
        return $0 < 0 ? nil : Int($0)
    }
}

func tensorFrom(_ data: UnsafeRawPointer?, _ dtypeCode: Int32, _ ndim: Int32, _ dims: UnsafePointer<Int64>?) throws -> Tensor {
    let d = try dtype(dtypeCode)
    let s = try shape(dims, ndim)
    let n = try checkedCount(s)
    if n > 0 && data == nil { throw AgentNetError(.invalidArgument, "data pointer is NULL") }
    return n == 0 ? try Tensor(zeros: s, dtype: d) : try Tensor(copying: data!, dtype: d, shape: s)
}

@_cdecl("agn_input_create")
public func agn_input_create(_ name: UnsafePointer<CChar>?, _ dtypeCode: Int32, _ ndim: Int32,
                             _ dims: UnsafePointer<Int64>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let n = Node.input(name.map { String(cString: $0) }, dtype: try dtype(dtypeCode), shape: try staticShape(dims, ndim))
        o.pointee = Handles.register(n)
    }
}

@_cdecl("agn_constant_create")
public func agn_constant_create(_ data: UnsafeRawPointer?, _ dtypeCode: Int32, _ ndim: Int32,
                                _ dims: UnsafePointer<Int64>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        o.pointee = Handles.register(Node.constant(try tensorFrom(data, dtypeCode, ndim, dims)))
    }
}

@_cdecl("agn_node_create")
public func agn_node_create(_ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ inputs: UnsafePointer<Int64>?,
                            _ n: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let k = try string(kind, "kind")
        let a = attrs.map { String(cString: $0) } ?? "{}"
        let json = try JSON.parse(a.isEmpty ? "{}" : a), ins = try nodes(inputs, n, "inputs")
        let node = try UpdatesRegistry.makeNode(k, json, ins) ?? OpRegistry.make(k, json, ins)
        o.pointee = Handles.register(node)
    }
}

@_cdecl("agn_random_node_create")
public func agn_random_node_create(_ state: Int64, _ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?,
                                   _ inputs: UnsafePointer<Int64>?, _ n: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let rng = try Handles.get(state, as: RandomHandle.self, "random state")
        let k = try string(kind, "kind")
        guard k.hasPrefix("random_") else { throw AgentNetError(.invalidArgument, "'\(k)' is not a random op kind") }
        let node = try OpRegistry.make(k, try JSON.parse(attrs.map { String(cString: $0) } ?? "{}"),
                                       try nodes(inputs, n, "inputs"), random: rng.state)
        o.pointee = Handles.register(node)
    }
}

@_cdecl("agn_random_state_create")
public func agn_random_state_create(_ seed: UInt64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded { try AgentNetC.out(out, "out").pointee = Handles.register(RandomHandle(RandomState(seed: seed))) }
}

@_cdecl("agn_random_state_seed")
public func agn_random_state_seed(_ state: Int64, _ seed: UInt64) -> Int32 {
    guarded { try Handles.get(state, as: RandomHandle.self, "random state").state.reseed(seed) }
}

/// Static type of a node: dtype, rank and dimensions (-1 where unknown). `dims` must hold 8 entries.
@_cdecl("agn_node_info")
public func agn_node_info(_ h: Int64, _ dtypeOut: UnsafeMutablePointer<Int32>?, _ ndimOut: UnsafeMutablePointer<Int32>?,
                          _ dims: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let n = try Handles.get(h, as: Node.self, "symbolic expression")
        let d = try out(dtypeOut, "dtype"), r = try out(ndimOut, "ndim"), s = try out(dims, "dims")
        d.pointee = n.dtype.rawValue
        r.pointee = Int32(n.rank)
        for (i, v) in n.shape.enumerated() { s[i] = Int64(v ?? -1) }
    }
}

@_cdecl("agn_node_repr")
public func agn_node_repr(_ h: Int64, _ text: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let n = try Handles.get(h, as: Node.self, "symbolic expression")
        try out(text, "text").pointee = ThreadString.set(n.description)
    }
}

@_cdecl("agn_node_set_name")
public func agn_node_set_name(_ h: Int64, _ name: UnsafePointer<CChar>?) -> Int32 {
    guarded { try Handles.get(h, as: Node.self, "symbolic expression").name = try string(name, "name") }
}

// MARK: - Shared values

@_cdecl("agn_shared_create")
public func agn_shared_create(_ data: UnsafeRawPointer?, _ dtypeCode: Int32, _ ndim: Int32, _ dims: UnsafePointer<Int64>?,
                              _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let t = try tensorFrom(data, dtypeCode, ndim, dims)
        o.pointee = Handles.register(SharedValue(t, name: name.map { String(cString: $0) }))
    }
}

@_cdecl("agn_shared_node")
public func agn_shared_node(_ h: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let s = try Handles.get(h, as: SharedValue.self, "shared value")
        try AgentNetC.out(out, "out").pointee = Handles.register(s.node)
    }
}

@_cdecl("agn_shared_info")
public func agn_shared_info(_ h: Int64, _ dtypeOut: UnsafeMutablePointer<Int32>?, _ ndimOut: UnsafeMutablePointer<Int32>?,
                            _ dims: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let s = try Handles.get(h, as: SharedValue.self, "shared value")
        let d = try out(dtypeOut, "dtype"), r = try out(ndimOut, "ndim"), o = try out(dims, "dims")
        let shape = s.shape
        d.pointee = s.dtype.rawValue
        r.pointee = Int32(shape.count)
        for (i, v) in shape.enumerated() { o[i] = Int64(v) }
    }
}

/// Copies the value into caller memory of `nbytes` bytes, which must match the value's size exactly.
@_cdecl("agn_shared_get")
public func agn_shared_get(_ h: Int64, _ data: UnsafeMutableRawPointer?, _ nbytes: Int64) -> Int32 {
    guarded {
        let s = try Handles.get(h, as: SharedValue.self, "shared value")
        try s.reading { t in
            let size = t.count * t.dtype.size
            guard nbytes == size else { throw AgentNetError(.shape, "buffer of \(nbytes) bytes for a value of \(size) bytes") }
            guard size == 0 || data != nil else { throw AgentNetError(.invalidArgument, "data pointer is NULL") }
            if size > 0 { data!.copyMemory(from: t.storage.raw, byteCount: size) }
        }
    }
}

@_cdecl("agn_shared_set")
public func agn_shared_set(_ h: Int64, _ data: UnsafeRawPointer?, _ dtypeCode: Int32, _ ndim: Int32,
                           _ dims: UnsafePointer<Int64>?) -> Int32 {
    guarded {
        let s = try Handles.get(h, as: SharedValue.self, "shared value")
        try s.set(try tensorFrom(data, dtypeCode, ndim, dims))
    }
}

// MARK: - Gradients and functions

@_cdecl("agn_grad")
public func agn_grad(_ cost: Int64, _ wrt: UnsafePointer<Int64>?, _ n: Int64, _ consider: UnsafePointer<Int64>?, _ nc: Int64,
                     _ ignoreDisconnected: Int32, _ outs: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let c = try Handles.get(cost, as: Node.self, "symbolic expression")
        let w = try nodes(wrt, n, "wrt"), k = try nodes(consider, nc, "consider_constant")
        let o = try out(outs, "out")
        let g = try grad(c, wrt: w, consider: k, disconnected: ignoreDisconnected != 0 ? .ignore : .raise)
        for (i, node) in g.enumerated() { o[i] = Handles.register(node) }
    }
}

@_cdecl("agn_function_create")
public func agn_function_create(_ inputs: UnsafePointer<Int64>?, _ nIn: Int64, _ outputs: UnsafePointer<Int64>?, _ nOut: Int64,
                                _ updShared: UnsafePointer<Int64>?, _ updValues: UnsafePointer<Int64>?, _ nUpd: Int64,
                                _ checkFinite: Int32, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let shared = try array(updShared, nUpd, "update targets").map { try Handles.get($0, as: SharedValue.self, "shared value") }
        let values = try nodes(updValues, nUpd, "update values")
        let f = try Function(inputs: try nodes(inputs, nIn, "inputs"), outputs: try nodes(outputs, nOut, "outputs"),
                             updates: Array(zip(shared, values)), checkFinite: checkFinite != 0)
        o.pointee = Handles.register(f)
    }
}

/// Decodes a call descriptor: `[n_args, then per argument: pointer, dtype, ndim, dims...]`, bounds-checked.
func decodeArguments(_ desc: UnsafePointer<Int64>, _ len: Int64, from start: inout Int, count: Int) throws -> [(UnsafeRawPointer?, DType, [Int])] {
    var args: [(UnsafeRawPointer?, DType, [Int])] = []
    args.reserveCapacity(count)
    for i in 0..<count {
        guard start + 3 <= Int(len) else { throw AgentNetError(.invalidArgument, "call descriptor is truncated at argument \(i)") }
        let ptr = UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: desc[start]))
        let d = try dtype(Int32(truncatingIfNeeded: desc[start + 1]))
        let ndim = Int(desc[start + 2])
        guard ndim >= 0, ndim <= 8, start + 3 + ndim <= Int(len) else { throw AgentNetError(.invalidArgument, "call descriptor: bad rank \(ndim) for argument \(i)") }
        let s = (0..<ndim).map { Int(desc[start + 3 + $0]) }
        let n = try checkedCount(s)
        if n > 0 && ptr == nil { throw AgentNetError(.invalidArgument, "argument \(i): data pointer is NULL") }
        args.append((ptr, d, s))
        start += 3 + ndim
    }
    return args
}

/// Runs a function. `desc` = `[n_in, n_out, inputs..., outputs...]`, each buffer as `pointer, dtype, ndim, dims...`.
/// Output buffers must have the shapes `agn_function_output_info` reports; otherwise AGN_E_OUTPUT_SHAPE.
@_cdecl("agn_function_call")
public func agn_function_call(_ fn: Int64, _ desc: UnsafePointer<Int64>?, _ len: Int64) -> Int32 {
    guarded {
        let f = try Handles.get(fn, as: Function.self, "compiled function")
        guard let desc, len >= 2 else { throw AgentNetError(.invalidArgument, "call descriptor is missing") }
        var at = 2
        let ins = try decodeArguments(desc, len, from: &at, count: Int(desc[0]))
        let outs = try decodeArguments(desc, len, from: &at, count: Int(desc[1]))
        guard outs.count == f.outputs.count else {
            throw AgentNetError(.invalidArgument, "\(outs.count) output buffers for \(f.outputs.count) outputs")
        }
        let placeholder = UnsafeRawPointer(bitPattern: 64)!
        try f.run(arguments: ins.map { ($0.0 ?? placeholder, $0.1, $0.2) }) { i, t in
            guard outs[i].1 == t.dtype, outs[i].2 == t.shape else {
                throw AgentNetError(.outputShape, "output \(i) is \(formatShape(t.shape)) \(t.dtype), buffer is \(formatShape(outs[i].2)) \(outs[i].1)")
            }
            let bytes = t.count * t.dtype.size
            if bytes > 0 { UnsafeMutableRawPointer(mutating: outs[i].0!).copyMemory(from: t.storage.raw, byteCount: bytes) }
        }
    }
}

/// Output dtypes, ranks and dims (8 slots per output) for the input buffers described as in `agn_function_call`
/// (`[n_in, 0, inputs...]`; pointers are ignored).
@_cdecl("agn_function_output_info")
public func agn_function_output_info(_ fn: Int64, _ desc: UnsafePointer<Int64>?, _ len: Int64, _ dtypes: UnsafeMutablePointer<Int32>?,
                                     _ ndims: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let f = try Handles.get(fn, as: Function.self, "compiled function")
        guard let desc, len >= 2 else { throw AgentNetError(.invalidArgument, "call descriptor is missing") }
        var at = 2
        let ins = try decodeArguments(desc, len, from: &at, count: Int(desc[0]))
        guard ins.count == f.inputs.count else {
            throw AgentNetError(.invalidArgument, "expected \(f.inputs.count) inputs, got \(ins.count)")
        }
        for (i, a) in ins.enumerated() { try f.check(i, dtype: a.1, shape: a.2) }
        let info = try f.outputShapes(for: ins.map(\.2))
        let d = try out(dtypes, "dtypes"), r = try out(ndims, "ndims"), s = try out(dims, "dims")
        for (i, (shape, dt)) in info.enumerated() {
            d[i] = dt.rawValue
            r[i] = Int32(shape.count)
            for (j, v) in shape.enumerated() { s[i * 8 + j] = Int64(v) }
        }
    }
}

@_cdecl("agn_set_num_threads")
public func agn_set_num_threads(_ n: Int32) -> Int32 {
    guarded {
        guard n >= 1, n <= 1024 else { throw AgentNetError(.invalidArgument, "thread count \(n) is out of range") }
        setBLASThreads(Int(n))
    }
}
