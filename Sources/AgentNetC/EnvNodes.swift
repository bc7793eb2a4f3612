// C export for native environments inside compiled functions (include/agentnet.h, "Environments in compiled
// functions"). No env logic here: look up the handles, call `EnvNodes`, register the nodes.
import AgentNet

@_cdecl("agn_env_node_create")
public func agn_env_node_create(_ env: Int64, _ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?,
                                _ inputs: UnsafePointer<Int64>?, _ n: Int64, _ out: UnsafeMutablePointer<Int64>?,
                                _ nOut: Int64) -> Int32 {
    guarded {
        let e = try environment(env)
        let k = try string(kind, "kind")
        guard case .object(let a) = try attributes(attrs, "attributes") else {
            throw AgentNetError(.invalidArgument, "attributes: expected a JSON object")
        }
        if let key = a.keys.sorted().first { throw AgentNetError(.invalidArgument, "attributes: unknown key '\(key)' for env node '\(k)'") }
        let ins = try nodes(inputs, n, "inputs")
        let made: [Node]
        switch k {
        case "observations":
            guard ins.isEmpty else { throw AgentNetError(.invalidArgument, "env node 'observations' takes no inputs, got \(ins.count)") }
            made = [EnvNodes.observations(e)]
        case "step":
            guard ins.count == 2 else {
                throw AgentNetError(.invalidArgument, "env node 'step' takes 2 inputs (actions, after), got \(ins.count)")
            }
            let s = try EnvNodes.step(e, actions: ins[0], after: ins[1])
            made = [s.node, s.observations, s.rewards, s.isAlive, s.isTruncated]
        default:
            throw AgentNetError(.invalidArgument, "unknown env node kind '\(k)' (expected 'observations' or 'step')")
        }
        guard nOut == Int64(made.count) else {
            throw AgentNetError(.invalidArgument, "env node '\(k)' has \(made.count) outputs, out holds \(nOut)")
        }
        let o = try outputBuffer(out, nOut, "out")
        for (i, node) in made.enumerated() { o[i] = Handles.register(node) }
    }
}
