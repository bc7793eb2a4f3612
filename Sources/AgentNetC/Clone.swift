// C exports for copying networks: clone_network (NetworkClone), the host keys a binding gives the copies, and
// TargetNetwork (parameter pairs, the fused weight load, symbolic updates). reapply is the "ReapplyLayer" kind.
import AgentNet

/// One `NetworkClone`, held by handle until the binding has mirrored its layers.
final class CloneRecord {
    let clone: NetworkClone
    init(_ clone: NetworkClone) { self.clone = clone }
}

/// Copies `layers` and the layers below them. `bottom` holds layers kept as they are and shared values kept
/// shared; `subst_old[i]` is replaced by `subst_new[i]` (both layers, or both shared values); `name_prefix` may be
/// NULL (names unchanged). `*out` gets a clone record for agn_clone_layers and agn_clone_outputs.
@_cdecl("agn_clone_network")
public func agn_clone_network(_ ls: UnsafePointer<Int64>?, _ n: Int64, _ bottom: UnsafePointer<Int64>?, _ nBottom: Int64,
                              _ substOld: UnsafePointer<Int64>?, _ substNew: UnsafePointer<Int64>?, _ nSubst: Int64,
                              _ shareParams: Int32, _ shareInputs: Int32, _ namePrefix: UnsafePointer<CChar>?,
                              _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let outputs = try layers(ls, n, "layers")
        var spec = BottomLayers(kept: [])
        for (i, h) in try array(bottom, nBottom, "bottom").enumerated() {
            switch try Handles.get(h, as: AnyObject.self, "engine object") {
            case let l as Layer: spec.kept.append(l)
            case let s as SharedValue: spec.keptParams.append(s)
            case let x: throw AgentNetError(.invalidArgument, "bottom_layers[\(i)] must be a layer or a shared value, got a \(Handles.kindName(x))")
            }
        }
        let olds = try array(substOld, nSubst, "subst_old"), news = try array(substNew, nSubst, "subst_new")
        var substitutions: [(Layer, Layer)] = []
        for (i, (a, b)) in zip(olds, news).enumerated() {
            switch (try Handles.get(a, as: AnyObject.self, "engine object"), try Handles.get(b, as: AnyObject.self, "engine object")) {
            case let (x as Layer, y as Layer): substitutions.append((x, y))
            case let (x as SharedValue, y as SharedValue): spec.paramSubstitutions.append((x, y))
            case let (x, y):
                throw AgentNetError(.invalidArgument, "bottom_layers substitution \(i) must map a layer to a layer or a shared value to a shared value, got \(Handles.kindName(x)) → \(Handles.kindName(y))")
            }
        }
        spec.substitutions = LayerDict(substitutions)
        let prefix = try optionalString(namePrefix, "name_prefix")
        let clone = try NetworkClone(of: outputs, bottomLayers: spec, shareParams: shareParams != 0, shareInputs: shareInputs != 0,
                                     namePrefix: prefix)
        o.pointee = Handles.register(CloneRecord(clone))
    }
}

/// The layers a cloning made, in topological order: `*n_out` gets their count; when it fits `cap`, each one's
/// original's host key goes to `orig_keys` and a new handle to the copy to `new_layers`.
@_cdecl("agn_clone_layers")
public func agn_clone_layers(_ record: Int64, _ origKeys: UnsafeMutablePointer<Int64>?, _ newLayers: UnsafeMutablePointer<Int64>?,
                             _ cap: Int64, _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let made = try Handles.get(record, as: CloneRecord.self, "clone record").clone.made
        let count = try out(nOut, "n_out")
        let keys = try outputBuffer(origKeys, cap, "orig_keys"), handles = try outputBuffer(newLayers, cap, "new_layers")
        count.pointee = Int64(made.count)
        guard made.count <= keys.count else { return }
        for (i, m) in made.enumerated() {
            keys[i] = m.original.hostKey
            handles[i] = Handles.register(m.clone)
        }
    }
}

/// Host keys of the copies of the output layers (0 for a layer without one), written when their count fits `cap`.
@_cdecl("agn_clone_outputs")
public func agn_clone_outputs(_ record: Int64, _ keys: UnsafeMutablePointer<Int64>?, _ cap: Int64,
                              _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let outputs = try Handles.get(record, as: CloneRecord.self, "clone record").clone.outputs
        let count = try out(nOut, "n_out"), k = try outputBuffer(keys, cap, "keys")
        count.pointee = Int64(outputs.count)
        guard outputs.count <= k.count else { return }
        for (i, l) in outputs.enumerated() { k[i] = l.hostKey }
    }
}

/// Names the host object a layer stands for (a binding's mirror of a layer the engine made); 0 for none.
@_cdecl("agn_layer_set_host_key")
public func agn_layer_set_host_key(_ layer: Int64, _ key: Int64) -> Int32 {
    guarded {
        let l = try Handles.get(layer, as: Layer.self, "layer")
        guard key >= 0 else { throw AgentNetError(.invalidArgument, "host key must be non-negative, got \(key)") }
        l.hostKey = key
    }
}

/// A TargetNetwork over `clone` (a copy of `original`): parameters paired by position; an error if none differ.
@_cdecl("agn_target_network_create")
public func agn_target_network_create(_ original: UnsafePointer<Int64>?, _ n: Int64, _ clone: UnsafePointer<Int64>?, _ nClone: Int64,
                                      _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        let t = try TargetNetwork(original: try layers(original, n, "original"), clone: try layers(clone, nClone, "clone"))
        o.pointee = Handles.register(t)
    }
}

/// `clone ← original` (alpha 1) or `clone ← (1 − alpha)·clone + alpha·original` over every pair, in one call.
@_cdecl("agn_target_network_load_weights")
public func agn_target_network_load_weights(_ target: Int64, _ alpha: Double) -> Int32 {
    guarded { try Handles.get(target, as: TargetNetwork.self, "target network").loadWeights(movingAverageAlpha: alpha) }
}

/// The parameter pairs: `*n_out` gets their count; when it fits `cap`, each pair as (owner host key, index in the
/// owner's parameters) for the clone's parameter and for the original's.
@_cdecl("agn_target_network_pairs")
public func agn_target_network_pairs(_ target: Int64, _ cloneOwners: UnsafeMutablePointer<Int64>?, _ cloneIndices: UnsafeMutablePointer<Int64>?,
                                     _ origOwners: UnsafeMutablePointer<Int64>?, _ origIndices: UnsafeMutablePointer<Int64>?,
                                     _ cap: Int64, _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let t = try Handles.get(target, as: TargetNetwork.self, "target network")
        let count = try out(nOut, "n_out")
        let co = try outputBuffer(cloneOwners, cap, "clone_owners"), ci = try outputBuffer(cloneIndices, cap, "clone_indices")
        let oo = try outputBuffer(origOwners, cap, "orig_owners"), oi = try outputBuffer(origIndices, cap, "orig_indices")
        count.pointee = Int64(t.paramPairs.count)
        guard t.paramPairs.count <= co.count else { return }
        let cloneOwner = paramOwners(t.outputLayers), origOwner = paramOwners(t.originalNetworkOutputs)
        for (i, p) in t.paramPairs.enumerated() {
            (co[i], ci[i]) = cloneOwner[p.clone.node] ?? (0, -1)
            (oo[i], oi[i]) = origOwner[p.original.node] ?? (0, -1)
        }
    }
}

/// The weight load as symbolic updates, one new-value expression per pair in pair order: `clone ← original` when
/// `alpha` is 0 (no node), else `clone ← (1 − alpha)·clone + alpha·original` for the scalar expression `alpha`.
@_cdecl("agn_target_network_updates")
public func agn_target_network_updates(_ target: Int64, _ alpha: Int64, _ exprs: UnsafeMutablePointer<Int64>?, _ cap: Int64,
                                       _ nOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let t = try Handles.get(target, as: TargetNetwork.self, "target network")
        let count = try out(nOut, "n_out"), e = try outputBuffer(exprs, cap, "exprs")
        let a: NodeConvertible = alpha == 0 ? Float(1) : try Handles.get(alpha, as: Node.self, "symbolic expression")
        let updates = try t.updates(movingAverageAlpha: a)
        count.pointee = Int64(updates.count)
        guard updates.count <= e.count else { return }
        for (i, (_, x)) in updates.enumerated() { e[i] = Handles.register(x) }
    }
}
