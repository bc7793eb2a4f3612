// The host callback: the binding (Python) installs one C function, and the engine calls it while it builds a
// graph for host-defined pieces (Python layers, callables; later environments). See Layers/CallbackLayer.swift.
import AgentNet

/// `status = fn(request, key, options_json, in, n_in, out, out_cap, n_out, reply_json)`: the host gets new handles
/// to the input expressions (it owns and releases them), writes handles of its result expressions to `out` (kept
/// alive by the host until its next callback on this thread) and, for shape requests or on failure, a JSON reply
/// or an error message to `reply_json` (valid until its next callback on this thread). Nonzero status = failure.
public typealias HostFunction = @convention(c) (Int32, Int64, UnsafePointer<CChar>?, UnsafePointer<Int64>?, Int64,
                                         UnsafeMutablePointer<Int64>?, Int64, UnsafeMutablePointer<Int64>?,
                                         UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32

/// Most expressions one host reply may carry (a multi-output layer's outputs).
let hostReplyCapacity = 256

final class CHost: HostHandler {
    let function: HostFunction
    init(_ f: @escaping HostFunction) { function = f }

    func handle(_ kind: HostRequestKind, key: Int64, options: JSON, nodes: [Node]) throws -> (nodes: [Node], json: JSON) {
        let handles = nodes.map { Handles.register($0) }
        var outs = [Int64](repeating: 0, count: hostReplyCapacity)
        var n: Int64 = 0
        var reply: UnsafePointer<CChar>? = nil
        let status = options.serialized.withCString { opts in
            handles.withUnsafeBufferPointer { h in
                outs.withUnsafeMutableBufferPointer { o in
                    function(kind.rawValue, key, opts, h.baseAddress, Int64(h.count), o.baseAddress, Int64(hostReplyCapacity), &n, &reply)
                }
            }
        }
        let text = reply.map { String(cString: $0) } ?? ""
        guard status == 0 else {
            throw AgentNetError(.runtime, text.isEmpty ? "the host callback failed (request \(kind), key \(key))" : text)
        }
        guard n >= 0, n <= Int64(hostReplyCapacity) else { throw AgentNetError(.runtime, "the host callback returned \(n) expressions") }
        let result = try outs.prefix(Int(n)).map { try Handles.get($0, as: Node.self, "symbolic expression") }
        return (result, text.isEmpty ? .null : try JSON.parse(text))
    }
}

/// Installs the host callback (once, at import of the binding); NULL uninstalls it.
@_cdecl("agn_host_install")
public func agn_host_install(_ f: HostFunction?) -> Int32 {
    guarded { Host.handler = f.map { CHost($0) } }
}
