// C exports for agents (MDPAgent) and graph/replay environments (include/agentnet.h, "Agents and graph
// environments"). No logic here: decode the caller's arguments, call `AgentRegistry` / `MDPEnvironmentRegistry`,
// register the resulting objects as handles.
import AgentNet

func engineObject(_ h: Int64) throws -> AnyObject { try Handles.get(h, as: AnyObject.self, "engine object") }

/// Writes a method's result objects to `outs` (they must fit `out_cap`, checked before any handle is made) and
/// its JSON reply to `reply` (`null` when it has none).
func writeResult(_ r: AgentRegistry.Result, _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64,
                 _ nOut: UnsafeMutablePointer<Int64>?, _ reply: UnsafeMutablePointer<UnsafePointer<CChar>?>?) throws {
    guard Int64(r.objects.count) <= outCap else {
        throw AgentNetError(.invalidArgument, "outs holds \(max(outCap, 0)) handles; the result has \(r.objects.count)")
    }
    for (i, x) in r.objects.enumerated() { outs?[i] = Handles.register(x) }
    nOut?.pointee = Int64(r.objects.count)
    try writeString(r.reply.serialized, reply, "reply_json")
}

/// Checks the out-pointers of a method call before it runs (so a bad pointer never follows a side effect).
func checkResultPointers(_ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64, _ nOut: UnsafeMutablePointer<Int64>?,
                         _ reply: UnsafeMutablePointer<UnsafePointer<CChar>?>?) throws {
    _ = try outputBuffer(outs, outCap, "outs")
    _ = try out(nOut, "n_out")
    _ = try out(reply, "reply_json")
}

@_cdecl("agn_agent_create")
public func agn_agent_create(_ attrs: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let agent = try AgentRegistry.make(try attributes(attrs, "attributes"), resolve: engineObject)
        o.pointee = Handles.register(agent)
    }
}

@_cdecl("agn_agent_call")
public func agn_agent_call(_ agent: Int64, _ method: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?,
                           _ inputs: UnsafePointer<Int64>?, _ nInputs: Int64, _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64,
                           _ nOut: UnsafeMutablePointer<Int64>?, _ reply: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let a = try Handles.get(agent, as: MDPAgent.self, "MDPAgent")
        let m = try string(method, "method"), json = try attributes(attrs, "attributes")
        let ins = try nodes(inputs, nInputs, "inputs")
        try checkResultPointers(outs, outCap, nOut, reply)
        try writeResult(try AgentRegistry.call(a, m, json, inputs: ins, resolve: engineObject), outs, outCap, nOut, reply)
    }
}

@_cdecl("agn_mdp_env_create")
public func agn_mdp_env_create(_ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ inputs: UnsafePointer<Int64>?,
                               _ nInputs: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let k = try string(kind, "kind"), json = try attributes(attrs, "attributes")
        let env = try MDPEnvironmentRegistry.make(k, json, inputs: try nodes(inputs, nInputs, "inputs"), resolve: engineObject)
        o.pointee = Handles.register(env)
    }
}

@_cdecl("agn_mdp_env_call")
public func agn_mdp_env_call(_ env: Int64, _ method: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?,
                             _ inputs: UnsafePointer<Int64>?, _ nInputs: Int64, _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64,
                             _ nOut: UnsafeMutablePointer<Int64>?, _ reply: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded {
        let e = try engineObject(env)
        guard e is BaseEnvironment || e is ReplayEnvironment else {
            throw AgentNetError(.invalidHandle, "handle \(env) is a \(Handles.kindName(e)), expected a graph or replay environment")
        }
        let m = try string(method, "method"), json = try attributes(attrs, "attributes")
        let ins = try nodes(inputs, nInputs, "inputs")
        try checkResultPointers(outs, outCap, nOut, reply)
        try writeResult(try MDPEnvironmentRegistry.call(e, m, json, inputs: ins, resolve: engineObject), outs, outCap, nOut, reply)
    }
}
