/// A function's plan for one set of input shapes, in two stages when the graph reads a resizable shared value
/// (a replay pool that grows as a compiled function appends to it).
///
/// Why: a plan is specialised on the shapes and storages of the shared values it reads, so every update that
/// resizes the pool invalidates it. Re-planning a whole 256-tick rollout on every call costs tens of
/// milliseconds, far more than running it. So the graph is split once, at function creation:
/// - the **head** is every node that does not depend on a resizable value (the rollout, the agent, the optimizer
///   of a graph that does not read the pool); it owns the input tensors and is re-planned only when its own
///   input shapes or shared storages change;
/// - the **tail** is the rest (the append `concat(pool, new)[-max:]`, the sampling and whatever reads the sample),
///   built on the head's tensors and re-planned when a resizable value changed shape.
/// Both stages compute before either applies its updates, so the call behaves as one plan: outputs and updates
/// see the values from before the call.
final class StagedPlan {
    let head: Plan
    private(set) var tail: Plan?
    private let split: StagedSplit

    init(_ split: StagedSplit, inputs: [Node], inputShapes: [[Int]]) throws {
        self.split = split
        head = try Plan(inputs: inputs, inputShapes: inputShapes, outputs: split.headOutputs + split.exports,
                        updates: split.headUpdates)
        if split.staged { tail = try makeTail() }
    }

    private func makeTail() throws -> Plan {
        let first = split.headOutputs.count
        var bound: [Node: (tensor: Tensor, folded: Bool)] = [:]
        for (k, node) in split.exports.enumerated() {
            bound[node] = (head.outputTensors[first + k], head.outputFolded[first + k])
        }
        return try Plan(inputs: [], inputShapes: [], outputs: split.tailOutputs, updates: split.tailUpdates, bound: bound)
    }

    /// False when the head must be re-planned (its shared values changed storage); a stale tail is re-planned here.
    func validate() throws -> Bool {
        guard head.isValid else { return false }
        if let t = tail, !t.isValid { tail = try makeTail() }
        return true
    }

    var inputTensors: [Tensor] { head.inputTensors }
    /// Op names of the kernels, head then tail (tests and `AGENTNET_PROFILE`).
    var kernelNames: [String] { head.kernelNames + (tail?.kernelNames ?? []) }

    /// Output `i` of the function.
    func output(_ i: Int) -> Tensor {
        let (inTail, k) = split.outputPlace[i]
        return inTail ? tail!.outputTensors[k] : head.outputTensors[k]
    }

    func compute() throws {
        try head.compute()
        try tail?.compute()
    }

    func applyUpdates() {
        head.applyUpdates()
        tail?.applyUpdates()
    }
}

/// Where a function's graph splits into a head and a tail (see StagedPlan); computed once per function.
struct StagedSplit {
    let headOutputs: [Node], tailOutputs: [Node]
    let headUpdates: [(SharedValue, Node)], tailUpdates: [(SharedValue, Node)]
    /// Head nodes the tail reads (function inputs and computed values; shared values and constants the tail reads itself).
    let exports: [Node]
    /// Per function output: whether the tail computes it, and its index among that stage's outputs.
    let outputPlace: [(Bool, Int)]
    /// Whether there is a tail at all (the graph reads a resizable value).
    var staged: Bool { !tailOutputs.isEmpty || !tailUpdates.isEmpty }

    /// `order`: the topological order of the outputs and update values (the function has it already).
    init(outputs: [Node], updates: [(SharedValue, Node)], order: [Node]) {
        var dependent = Set<Node>()
        for node in order where node.sharedValue?.resizable == true || node.inputs.contains(where: dependent.contains) {
            dependent.insert(node)
        }
        var place: [(Bool, Int)] = []
        var head: [Node] = [], tail: [Node] = []
        for o in outputs {
            if dependent.contains(o) { place.append((true, tail.count)); tail.append(o) } else { place.append((false, head.count)); head.append(o) }
        }
        var exports: [Node] = [], exported = Set<Node>()
        for node in order where dependent.contains(node) {
            for input in node.inputs where !dependent.contains(input) && input.sharedValue == nil && input.constantValue == nil {
                if exported.insert(input).inserted { exports.append(input) }
            }
        }
        (headOutputs, tailOutputs, outputPlace, self.exports) = (head, tail, place, exports)
        headUpdates = updates.filter { !dependent.contains($0.1) }
        tailUpdates = updates.filter { dependent.contains($0.1) }
    }
}
