// C exports for layer-zoo features beyond the generic layer calls: batch normalization's mode flags and the state
// updates a layer's latest output recorded (its running averages).
import AgentNet

/// `BatchNormLayer` output with Lasagne's flags: `use_averages` / `update_averages` are 0, 1 or -1 for the default
/// (`deterministic` and its negation).
@_cdecl("agn_batch_norm_output")
public func agn_batch_norm_output(_ layer: Int64, _ input: Int64, _ deterministic: Int32, _ useAverages: Int32,
                                  _ updateAverages: Int32, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: BatchNormLayer.self, "batch normalization layer")
        let x = try Handles.get(input, as: Node.self, "input")
        let o = try AgentNetC.out(out, "out")
        func flag(_ v: Int32, _ what: String) throws -> Bool? {
            guard (-1...1).contains(v) else { throw AgentNetError(.invalidArgument, "\(what) must be 0, 1 or -1 (default), got \(v)") }
            return v < 0 ? nil : v == 1
        }
        let node = try l.output(for: [x], deterministic: deterministic != 0, useAverages: flag(useAverages, "use_averages"),
                                updateAverages: flag(updateAverages, "update_averages"))
        o.pointee = Handles.register(node)
    }
}

/// The number of state updates the layer's latest output recorded (0 for layers without any) and, when `index` is
/// in `0..<count`, new handles to update `index`'s shared value and its new-value expression.
@_cdecl("agn_layer_update")
public func agn_layer_update(_ layer: Int64, _ index: Int64, _ count: UnsafeMutablePointer<Int64>?,
                             _ shared: UnsafeMutablePointer<Int64>?, _ expr: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let updates = (l as? LayerWithUpdates)?.updates ?? []
        try out(count, "count").pointee = Int64(updates.count)
        guard index >= 0 else { return }
        guard index < updates.count else {
            throw AgentNetError(.invalidArgument, "\(l.kind) recorded \(updates.count) updates; index \(index) is out of range")
        }
        let (s, e) = updates[Int(index)]
        let sp = try out(shared, "shared"), ep = try out(expr, "expr")
        sp.pointee = Handles.register(s)
        ep.pointee = Handles.register(e)
    }
}
