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

func tensorFrom(_ data: UnsafeRawPointer?, _ dtypeCode: Int32, _ ndim: Int32, _ dims: UnsafePointer<Int64>?) throws -> Tensor {
    try tensor(data, try dtype(dtypeCode), try shape(dims, ndim))
}

@_cdecl("agn_input_create")
public func agn_input_create(_ name: UnsafePointer<CChar>?, _ dtypeCode: Int32, _ ndim: Int32,
                             _ dims: UnsafePointer<Int64>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let n = Node.input(try optionalString(name, "name"), dtype: try dtype(dtypeCode), shape: try staticShape(dims, ndim))
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
        let json = try attributes(attrs, "attributes"), ins = try nodes(inputs, n, "inputs")
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
        let node = try OpRegistry.make(k, try attributes(attrs, "attributes"), try nodes(inputs, n, "inputs"), random: rng.state)
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
        try writeShape(n.shape, rank: r, dims: s)
        d.pointee = n.dtype.rawValue
    }
}

@_cdecl("agn_node_repr")
public func agn_node_repr(_ h: Int64, _ text: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let n = try Handles.get(h, as: Node.self, "symbolic expression")
        try writeString(n.description, text, "text")
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
        o.pointee = Handles.register(SharedValue(t, name: try optionalString(name, "name")))
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
        try writeShape(s.shape, rank: r, dims: o)
        d.pointee = s.dtype.rawValue
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
            writeBytes(data, from: t.storage.raw, size)
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
        let o = try outputBuffer(outs, Int64(w.count), "grads")
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

/// Runs a function. `desc` = `[n_in, n_out, inputs..., outputs...]`, each buffer as `pointer, dtype, ndim, dims...`.
/// Output buffers must have the shapes `agn_function_output_info` reports; otherwise AGN_E_OUTPUT_SHAPE.
@_cdecl("agn_function_call")
public func agn_function_call(_ fn: Int64, _ desc: UnsafePointer<Int64>?, _ len: Int64) -> Int32 {
    guarded { try callFunction(fn, times: 1, desc, len) }
}

/// Runs a function `times` times in one engine call (each run applies its updates before the next) and writes
/// the outputs of the last run, `desc` as in `agn_function_call`. The output buffers are checked before the first
/// run; if an update changes an output's shape on the way, the last outputs are lost (AGN_E_OUTPUT_SHAPE) and the
/// runs' updates stay applied.
@_cdecl("agn_function_call_repeat")
public func agn_function_call_repeat(_ fn: Int64, _ times: Int64, _ desc: UnsafePointer<Int64>?, _ len: Int64) -> Int32 {
    guarded {
        guard times >= 1, times <= Int64(Int32.max) else {
            throw AgentNetError(.invalidArgument, "times must be in 1...\(Int32.max), got \(times)")
        }
        try callFunction(fn, times: Int(times), desc, len)
    }
}

/// The body of both call exports.
func callFunction(_ fn: Int64, times: Int, _ desc: UnsafePointer<Int64>?, _ len: Int64) throws {
    let f = try Handles.get(fn, as: Function.self, "compiled function")
    let call = try CallDescriptor(desc, len)
    let outs = call.outputs
    guard outs.count == f.outputs.count else {
        throw AgentNetError(.invalidArgument, "\(outs.count) output buffers for \(f.outputs.count) outputs")
    }
    let arguments = call.inputs.map { ($0.pointer ?? emptyBuffer, $0.dtype, $0.shape) }
    func fits(_ i: Int, _ shape: [Int], _ dtype: DType) throws {
        guard outs[i].dtype == dtype, outs[i].shape == shape else {
            throw AgentNetError(.outputShape, "output \(i) is \(formatShape(shape)) \(dtype), buffer is \(formatShape(outs[i].shape)) \(outs[i].dtype)"
                                + (times > 1 ? " after \(times) runs" : ""))
        }
    }
    if times > 1 {  // fail before the first run rather than after the last
        guard arguments.count == f.inputs.count else {
            throw AgentNetError(.invalidArgument, "expected \(f.inputs.count) inputs, got \(arguments.count)")
        }
        for (i, a) in arguments.enumerated() { try f.check(i, dtype: a.1, shape: a.2) }
        for (i, (shape, dtype)) in try f.outputShapes(for: arguments.map(\.2)).enumerated() { try fits(i, shape, dtype) }
    }
    try f.run(arguments: arguments, times: times) { i, t in
        try fits(i, t.shape, t.dtype)
        writeBytes(outs[i].pointer, from: t.storage.raw, outs[i].byteCount)
    }
}

/// Output dtypes, ranks and dims (8 slots per output) for the input buffers described as in `agn_function_call`
/// (`[n_in, 0, inputs...]`; pointers are ignored). The out-arrays hold one entry (8 dims) per function output.
@_cdecl("agn_function_output_info")
public func agn_function_output_info(_ fn: Int64, _ desc: UnsafePointer<Int64>?, _ len: Int64, _ dtypes: UnsafeMutablePointer<Int32>?,
                                     _ ndims: UnsafeMutablePointer<Int32>?, _ dims: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let f = try Handles.get(fn, as: Function.self, "compiled function")
        let ins = try CallDescriptor(desc, len).inputs
        guard ins.count == f.inputs.count else {
            throw AgentNetError(.invalidArgument, "expected \(f.inputs.count) inputs, got \(ins.count)")
        }
        for (i, a) in ins.enumerated() { try f.check(i, dtype: a.dtype, shape: a.shape) }
        let d = try out(dtypes, "dtypes"), r = try out(ndims, "ndims"), s = try out(dims, "dims")
        let info = try f.outputShapes(for: ins.map(\.shape))
        for (i, (shape, dt)) in info.enumerated() {
            try writeShape(shape, rank: r, dims: s, slot: i)
            d[i] = dt.rawValue
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
