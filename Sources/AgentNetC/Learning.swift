// C export for the learning objectives of agentnet.learning (value references are the node kind "value_reference").
import AgentNet

/// Builds objective `kind` ("qlearning", "sarsa", "a2c", "reinforce", "dpg_critic") from named inputs (the
/// attribute "inputs" lists their names) and the seed's parameters as JSON attributes. Writes one or two node
/// handles into `outs` (room for `n_outs >= 2`; the second is 0 when there is one result).
@_cdecl("agn_learning_objective")
public func agn_learning_objective(_ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ inputs: UnsafePointer<Int64>?,
                                   _ n: Int64, _ outs: UnsafeMutablePointer<Int64>?, _ nOuts: Int64) -> Int32 {
    guarded {
        let o = try AgentNetC.out(outs, "outs")
        guard nOuts >= 2 else { throw AgentNetError(.invalidArgument, "outs must have room for 2 handles, got \(nOuts)") }
        let k = try string(kind, "kind")
        let a = attrs.map { String(cString: $0) } ?? "{}"
        let results = try LearningRegistry.objective(k, try JSON.parse(a.isEmpty ? "{}" : a), try nodes(inputs, n, "inputs"))
        o[0] = Handles.register(results[0])
        o[1] = results.count > 1 ? Handles.register(results[1]) : 0
    }
}
