// C exports for agents (MDPAgent) and graph/replay environments (include/agentnet.h, "Agents and graph
// environments"). No logic here: decode the caller's arguments, call `AgentRegistry` / `MDPEnvironmentRegistry`,
// register the resulting objects as handles.
import AgentNet

func engineObject(_ h: Int64) throws -> AnyObject { try Handles.get(h, as: AnyObject.self, "engine object") }

/// The boundary steps `agn_agent_call` and `agn_mdp_env_call` share, after the receiver's handle is checked: decode
/// the method name, its attributes and its input nodes; check the out-pointers before the method runs (so a bad
/// pointer never follows a side effect); run `call`; then write its result objects to `outs` (they must fit
/// `out_cap`, checked before any handle is made), their count to `n_out` and its JSON reply to `reply` (`null` when
/// it has none).
func methodCall(_ method: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ inputs: UnsafePointer<Int64>?, _ nInputs: Int64,
                _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64, _ nOut: UnsafeMutablePointer<Int64>?,
                _ reply: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                _ call: (_ method: String, _ attrs: JSON, _ inputs: [Node]) throws -> AgentRegistry.Result) throws {
    let m = try string(method, "method"), json = try attributes(attrs, "attributes")
    let ins = try nodes(inputs, nInputs, "inputs")
    _ = try outputBuffer(outs, outCap, "outs")
    let n = try out(nOut, "n_out")
    _ = try out(reply, "reply_json")
    let r = try call(m, json, ins)
    guard Int64(r.objects.count) <= outCap else {
        throw AgentNetError(.invalidArgument, "outs holds \(max(outCap, 0)) handles; the result has \(r.objects.count)")
    }
    for (i, x) in r.objects.enumerated() { outs?[i] = Handles.register(x) }
    n.pointee = Int64(r.objects.count)
    try writeString(r.reply.serialized, reply, "reply_json")
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
        try methodCall(method, attrs, inputs, nInputs, outs, outCap, nOut, reply) {
            try AgentRegistry.call(a, $0, $1, inputs: $2, resolve: engineObject)
        }
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
        try methodCall(method, attrs, inputs, nInputs, outs, outCap, nOut, reply) {
            try MDPEnvironmentRegistry.call(e, $0, $1, inputs: $2, resolve: engineObject)
        }
    }
}
