/// Rebinding a built expression to other parameters: Theano's `clone(output, replace={W: W_copy})`, limited to
/// shared values. A cloned layer builds its output with the original layer (so every kind of layer, including a
/// host layer or a Recurrence, clones the same way) and then reads its own parameters instead of the original's.

/// Shared value → its replacement, keyed by identity.
public struct SharedValueMap {
    private var table: [ObjectIdentifier: SharedValue] = [:]
    /// The replaced values, in insertion order (keeps them alive while the map is).
    public private(set) var pairs: [(original: SharedValue, replacement: SharedValue)] = []

    public init() {}

    public subscript(_ s: SharedValue) -> SharedValue? {
        get { table[ObjectIdentifier(s)] }
        set {
            let id = ObjectIdentifier(s)
            if let i = pairs.firstIndex(where: { $0.original === s }) { pairs.remove(at: i) }
            table[id] = newValue
            if let r = newValue { pairs.append((s, r)) }
        }
    }

    public var isEmpty: Bool { table.isEmpty }

    /// The map without the pairs that replace a value by itself.
    var replacing: SharedValueMap {
        var m = SharedValueMap()
        for (o, r) in pairs where o !== r { m[o] = r }
        return m
    }
}

/// `roots` with every read of a shared value in `map` replaced by a read of its replacement. Nodes in `leaves`
/// (the expressions a layer was given as inputs) are kept as they are and not entered; nodes that read no replaced
/// value are kept too, so the result shares everything it can with the original expressions.
public func substitutingShared(_ roots: [Node], _ map: SharedValueMap, leaves: [Node] = []) throws -> [Node] {
    if map.isEmpty { return roots }
    var done: [Node: Node] = [:]
    for l in leaves { done[l] = l }
    // Iterative post-order walk, so deep (unrolled) graphs cannot overflow the stack.
    var stack: [(Node, Bool)] = roots.reversed().map { ($0, false) }
    while let (node, expanded) = stack.popLast() {
        if done[node] != nil { continue }
        if let s = node.sharedValue {
            done[node] = map[s]?.node ?? node
            continue
        }
        if !expanded {
            stack.append((node, true))
            for x in node.inputs.reversed() where done[x] == nil { stack.append((x, false)) }
            continue
        }
        let inputs = node.inputs.map { done[$0]! }
        done[node] = zip(inputs, node.inputs).allSatisfy({ $0 === $1 }) ? node : try Node.make(node.op, inputs, name: node.name)
    }
    return roots.map { done[$0]! }
}
