// C exports for the update rules (agentnet.updates): generic creation by kind + JSON hyperparameters, returning
// the ordered update pairs; and the joint norm constraint, which returns several expressions. Objectives and
// norm_constraint are node kinds of agn_node_create (UpdatesRegistry.makeNode).
import AgentNet

/// Hyperparameters given as `{"node": handle}` resolve to that expression.
func hyperNode(_ id: Int) throws -> Node { try Handles.get(Int64(id), as: Node.self, "symbolic expression") }

/// Writes `updates` as `(key_index, shared, value)` triples: `key_index` is the position of the shared value in
/// `keys` (no new handle; `shared` is 0) or −1 for new optimizer state (`shared` is a new handle).
func writeUpdates(_ updates: UpdateList, keys: [SharedValue], _ capacity: Int64, _ keyIndex: UnsafeMutablePointer<Int64>?,
                  _ sharedOut: UnsafeMutablePointer<Int64>?, _ valuesOut: UnsafeMutablePointer<Int64>?,
                  _ countOut: UnsafeMutablePointer<Int64>?) throws {
    let count = try out(countOut, "count"), capacity = try AgentNetC.count(capacity, "capacity")
    guard updates.count <= capacity else {
        throw AgentNetError(.invalidArgument, "the update list has \(updates.count) entries; capacity \(capacity) is too small")
    }
    let k = try out(keyIndex, "key_index"), s = try out(sharedOut, "shared"), v = try out(valuesOut, "values")
    for (i, (shared, value)) in updates.enumerated() {
        let known = keys.firstIndex { $0 === shared }
        k[i] = Int64(known ?? -1)
        s[i] = known == nil ? Handles.register(shared) : 0
        v[i] = Handles.register(value)
    }
    count.pointee = Int64(updates.count)
}

/// Update rule `kind` ("sgd", "momentum", "nesterov_momentum", "adagrad", "rmsprop", "adadelta", "adam", "adamax")
/// over `params`, from a scalar `loss` (n_grads = 0) or one gradient per parameter (loss = 0).
@_cdecl("agn_updates_create")
public func agn_updates_create(_ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ params: UnsafePointer<Int64>?,
                               _ nParams: Int64, _ loss: Int64, _ grads: UnsafePointer<Int64>?, _ nGrads: Int64,
                               _ capacity: Int64, _ keyIndex: UnsafeMutablePointer<Int64>?, _ sharedOut: UnsafeMutablePointer<Int64>?,
                               _ valuesOut: UnsafeMutablePointer<Int64>?, _ countOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let k = try string(kind, "kind")
        let json = try JSON.parse(attrs.map { String(cString: $0) } ?? "{}")
        let ps = try array(params, nParams, "params").map { try Handles.get($0, as: SharedValue.self, "shared value") }
        let lossOrGrads: LossOrGradients
        if loss != 0 {
            guard nGrads == 0 else { throw AgentNetError(.invalidArgument, "give either a loss or gradients, not both") }
            lossOrGrads = .loss(try Handles.get(loss, as: Node.self, "symbolic expression"))
        } else {
            lossOrGrads = .gradients(try nodes(grads, nGrads, "gradients"))
        }
        let updates = try UpdatesRegistry.makeRule(k, json, lossOrGrads, params: ps, node: hyperNode)
        try writeUpdates(updates, keys: ps, capacity, keyIndex, sharedOut, valuesOut, countOut)
    }
}

/// `apply_momentum` / `apply_nesterov_momentum` over the update list `(upd_shared[i], upd_values[i])`, for the
/// keys at `param_index` (n_params = −1: every key). Key indices in the result refer to the given list.
@_cdecl("agn_updates_apply")
public func agn_updates_apply(_ kind: UnsafePointer<CChar>?, _ attrs: UnsafePointer<CChar>?, _ updShared: UnsafePointer<Int64>?,
                              _ updValues: UnsafePointer<Int64>?, _ nUpdates: Int64, _ paramIndex: UnsafePointer<Int64>?,
                              _ nParams: Int64, _ capacity: Int64, _ keyIndex: UnsafeMutablePointer<Int64>?,
                              _ sharedOut: UnsafeMutablePointer<Int64>?, _ valuesOut: UnsafeMutablePointer<Int64>?,
                              _ countOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let k = try string(kind, "kind")
        let json = try JSON.parse(attrs.map { String(cString: $0) } ?? "{}")
        let keys = try array(updShared, nUpdates, "update targets").map { try Handles.get($0, as: SharedValue.self, "shared value") }
        let values = try nodes(updValues, nUpdates, "update values")
        guard Set(keys.map(ObjectIdentifier.init)).count == keys.count else {
            throw AgentNetError(.invalidArgument, "the update list names a shared value twice")
        }
        var params: [SharedValue]? = nil
        if nParams != -1 {
            params = try array(paramIndex, nParams, "param_index").map {
                guard $0 >= 0, $0 < nUpdates else { throw AgentNetError(.invalidArgument, "param_index \($0) is out of range for \(nUpdates) updates") }
                return keys[Int($0)]
            }
        }
        let updates = try UpdatesRegistry.apply(k, json, UpdateList(Array(zip(keys, values))), params: params, node: hyperNode)
        try writeUpdates(updates, keys: keys, capacity, keyIndex, sharedOut, valuesOut, countOut)
    }
}

/// Lasagne's `total_norm_constraint` over `n` expressions: `scaled_out` gets n new handles, `norm_out` the joint norm.
@_cdecl("agn_total_norm_constraint")
public func agn_total_norm_constraint(_ tensors: UnsafePointer<Int64>?, _ n: Int64, _ attrs: UnsafePointer<CChar>?,
                                      _ scaledOut: UnsafeMutablePointer<Int64>?, _ normOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let xs = try nodes(tensors, n, "tensors")
        let json = try JSON.parse(attrs.map { String(cString: $0) } ?? "{}")
        func number(_ key: String) throws -> Float {
            guard let d = json[key]?.double, d.isFinite else { throw AgentNetError(.invalidArgument, "total_norm_constraint: '\(key)' must be a finite number") }
            return Float(d)
        }
        let s = try out(scaledOut, "scaled"), o = try out(normOut, "norm")
        let (scaled, norm) = try Updates.totalNormConstraint(xs, maxNorm: number("max_norm"), epsilon: number("epsilon"))
        for (i, x) in scaled.enumerated() { s[i] = Handles.register(x) }
        o.pointee = Handles.register(norm)
    }
}
