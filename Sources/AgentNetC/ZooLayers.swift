// C exports for layer-zoo features beyond the generic layer calls: the state updates a layer's latest output
// recorded (batch normalization's running averages; its mode flags are get_output options).
import AgentNet

/// The number of state updates the layer's latest output recorded (0 for layers without any), the version of that
/// record (it grows with every output that records updates) and, when `index` is in `0..<count`, new handles to
/// update `index`'s shared value and its new-value expression.
@_cdecl("agn_layer_update")
public func agn_layer_update(_ layer: Int64, _ index: Int64, _ count: UnsafeMutablePointer<Int64>?,
                             _ version: UnsafeMutablePointer<Int64>?, _ shared: UnsafeMutablePointer<Int64>?,
                             _ expr: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        let updates = (l as? LayerWithUpdates)?.updates ?? []
        try out(count, "count").pointee = Int64(updates.count)
        try out(version, "version").pointee = Int64((l as? LayerWithUpdates)?.updatesVersion ?? 0)
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
