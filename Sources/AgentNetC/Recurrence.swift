// C exports for Recurrence beyond generic layer creation: one application of its one-tick graph (`get_one_step`).
import AgentNet

/// The one-tick graph of Recurrence `rec` applied once: writes the new states (cast to their dtypes), then the
/// tracked outputs, to `outs` (capacity `out_cap`) and their number to `n_out`. `prev_layers[i]` names the state
/// `prev_nodes[i]` is for, and `input_layers[i]` the registered one-tick input `input_nodes[i]` is for; a NULL
/// layer array means positional order (states in order; non-sequences then sequences).
@_cdecl("agn_recurrence_step")
public func agn_recurrence_step(_ rec: Int64, _ prevLayers: UnsafePointer<Int64>?, _ prevNodes: UnsafePointer<Int64>?, _ nPrev: Int64,
                                _ inputLayers: UnsafePointer<Int64>?, _ inputNodes: UnsafePointer<Int64>?, _ nInputs: Int64,
                                _ options: UnsafePointer<CChar>?, _ outs: UnsafeMutablePointer<Int64>?, _ outCap: Int64,
                                _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let r = try Handles.get(rec, as: Recurrence.self, "Recurrence")
        let o = try out(outs, "outs"), n = try out(nOut, "n_out"), cap = try count(outCap, "out_cap")
        let opts = try LayerOptions(json: attributes(options, "options"))
        var prev = try nodes(prevNodes, nPrev, "previous states"), current = try nodes(inputNodes, nInputs, "current inputs")
        if prevLayers != nil { prev = try r.statesInOrder(LayerDict(Array(zip(try layers(prevLayers, nPrev, "state layers"), prev)))) }
        if inputLayers != nil { current = try r.inputsInOrder(LayerDict(Array(zip(try layers(inputLayers, nInputs, "input layers"), current)))) }
        let (states, outputs) = try r.oneStep(prevStates: prev, currentInputs: current, options: opts)
        let all = states + outputs
        guard all.count <= cap else {
            throw AgentNetError(.invalidArgument, "outs holds \(cap) handles; the step has \(all.count) outputs")
        }
        for (i, x) in all.enumerated() { o[i] = Handles.register(x) }
        n.pointee = Int64(all.count)
    }
}
