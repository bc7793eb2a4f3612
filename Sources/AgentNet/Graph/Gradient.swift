/// Reverse-mode differentiation on the symbolic graph: the result is more graph, so gradients can be compiled,
/// differentiated again, or fed to optimizers.

public enum DisconnectedInputs: String, Sendable { case raise, ignore }

/// Topological order (inputs before users) of every node `roots` depend on; `leaves` are listed but not entered
/// (a plan's stage that starts from the values an earlier stage computed).
public func topologicalOrder(_ roots: [Node], stoppingAt leaves: Set<Node> = []) -> [Node] {
    var order: [Node] = []
    var seen = Set<Node>()
    var stack: [(Node, Int)] = []
    for root in roots where !seen.contains(root) {
        seen.insert(root)
        stack.append((root, 0))
        while let (node, i) = stack.last {
            if i < node.inputs.count && !leaves.contains(node) {
                stack[stack.count - 1].1 += 1
                let child = node.inputs[i]
                if !seen.contains(child) {
                    seen.insert(child)
                    stack.append((child, 0))
                }
            } else {
                order.append(node)
                stack.removeLast()
            }
        }
    }
    return order
}

/// Gradients of a scalar `cost` with respect to each node of `wrt`.
///
/// - `consider`: nodes treated as constants (Theano's `consider_constant`).
/// - Broadcasting is undone by the ops' rules (`sum_like`); a path only through ops without a gradient
///   (argmax, comparisons) is an error naming those ops; an integer `wrt` is an error.
public func grad(_ cost: Node, wrt: [Node], consider: [Node] = [], disconnected: DisconnectedInputs = .raise) throws -> [Node] {
    guard cost.dtype == .float32 else { throw AgentNetError.dtype("grad: cost must be float32, got \(cost.dtype)") }
    guard cost.shape.allSatisfy({ $0 == 1 }) else {
        throw AgentNetError.shape("grad: cost must be a scalar, got shape \(formatShape(cost.shape)); reduce it with sum() or mean()")
    }
    for w in wrt where w.dtype != .float32 {
        throw AgentNetError.dtype("grad: cannot differentiate with respect to \(w) of dtype \(w.dtype): gradients are defined for float32 only")
    }
    let order = topologicalOrder([cost])
    let constants = Set(consider)
    let targets = Set(wrt)
    // Nodes through which some wrt reaches the cost.
    var reaches = Set<Node>()
    for n in order where targets.contains(n) || n.inputs.contains(where: { reaches.contains($0) }) {
        if !constants.contains(n) { reaches.insert(n) }
    }
    // Contributions are collected per node and summed once, when the node is reached (see `sumGradients`).
    var pending: [Node: [Node]] = [cost: [try T.alloc(Float(1), T.shape(cost))]]
    if cost.rank == 0 { pending[cost] = [Node.scalar(1)] }
    var grads: [Node: Node] = [:]
    var blocked: [String] = []
    for node in order.reversed() {
        guard let p = pending[node] else { continue }
        let g = try sumGradients(p)
        grads[node] = g
        guard !node.inputs.isEmpty, reaches.contains(node) else { continue }
        guard node.inputs.contains(where: { reaches.contains($0) }) else { continue }
        let parts: [Node?]
        do { parts = try node.op.gradient(node, g) } catch let e as NoGradient {
            blocked.append(e.op)
            continue
        }
        for (input, part) in zip(node.inputs, parts) {
            guard reaches.contains(input) else { continue }
            // An integer or bool value on the path (argmax, a comparison) carries no gradient.
            guard input.dtype == .float32 else { blocked.append(input.op.name); continue }
            guard let part else { continue }
            pending[input, default: []].append(part)
        }
    }
    return try wrt.map { w in
        if let g = grads[w] { return g }
        if order.contains(w) && !constants.contains(w) && !blocked.isEmpty {
            throw AgentNetError.invalid("grad: the cost depends on \(w) only through ops without a gradient (\(Set(blocked).sorted().joined(separator: ", ")))")
        }
        if disconnected == .ignore { return try T.zerosLike(w) }
        throw AgentNetError.invalid("grad: the cost does not depend on \(w) (pass disconnected_inputs='ignore' to get zeros)")
    }
}
