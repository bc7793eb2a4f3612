/// A compiled function: `function(inputs, outputs, updates)`. Compiled once per set of concrete input shapes
/// (plans are cached), run entirely in the engine, shared values updated in place after the outputs are computed.
/// A call that fails (bad shape, NaN input, index out of range) leaves every shared value unchanged.
///
/// Threads: a call holds the function's own lock (its plans and their buffers are not shared, so a second thread
/// calling the same function waits) and the lock of every shared value the function touches: for writing the ones
/// it updates, for reading the rest, taken in `SharedValue.id` order (no deadlock between functions). Independent
/// functions, and functions that only read the same values, run in parallel.
public final class Function: @unchecked Sendable {
    public let inputs: [Node]
    public let outputs: [Node]
    public let updates: [(SharedValue, Node)]
    /// Reject NaN/inf in float inputs (on by default: a NaN fed to a training step silently ruins the parameters).
    public var checkFinite: Bool

    /// Every shared value the graph reads or the updates write, in lock order (`id`), with whether it is written.
    let sharedAccess: [(value: SharedValue, writes: Bool)]
    /// Guards `plans`, `lastKey`, `lastPlan` and the plans' buffers.
    private let callLock = Lock()
    private var plans: [[Int]: StagedPlan] = [:]
    private var lastKey: [Int] = []
    private var lastPlan: StagedPlan?
    /// Where plans split when the graph reads a resizable value (StagedPlan.swift).
    private let split: StagedSplit

    public init(inputs: [Node], outputs: [Node], updates: [(SharedValue, Node)] = [], checkFinite: Bool = true) throws {
        for (i, x) in inputs.enumerated() {
            guard x.isInput else {
                throw AgentNetError.invalid("function input \(i) (\(x)) is not a symbolic input such as T.matrix()")
            }
        }
        guard Set(inputs).count == inputs.count else { throw AgentNetError.invalid("an input is listed twice") }
        var targets = Set<ObjectIdentifier>()
        for (s, v) in updates {
            guard targets.insert(ObjectIdentifier(s)).inserted else {
                throw AgentNetError.invalid("shared \(s.name ?? "value") is updated twice")
            }
            guard v.dtype == s.dtype, v.rank == s.rank else {
                throw AgentNetError.dtype("update of shared \(s.name ?? "value") (\(s.dtype), rank \(s.rank)) with \(v) (\(v.dtype), rank \(v.rank))")
            }
        }
        // Catch missing inputs now rather than at the first call.
        let given = Set(inputs)
        var read: [ObjectIdentifier: SharedValue] = [:]
        let order = topologicalOrder(outputs + updates.map(\.1))
        try EnvNodes.checkOrder(order)  // the ticks of each native env run in their chain's order
        for n in order {
            if n.isInput && !given.contains(n) {
                throw AgentNetError.invalid("missing input: \(n) is used by the outputs but is not among the function's inputs")
            }
            if let s = n.sharedValue { read[ObjectIdentifier(s)] = s }
        }
        for (s, _) in updates { read[ObjectIdentifier(s)] = nil }
        sharedAccess = (read.values.map { ($0, false) } + updates.map { ($0.0, true) }).sorted { $0.value.id < $1.value.id }
        self.inputs = inputs
        self.outputs = outputs
        self.updates = updates
        self.checkFinite = checkFinite
        split = StagedSplit(outputs: outputs, updates: updates, order: order)
    }

    /// Validates one argument against its input node: dtype, rank and the statically known dimensions.
    public func check(_ i: Int, dtype: DType, shape: [Int]) throws {
        let x = inputs[i]
        let label = x.name.map { "'\($0)'" } ?? "#\(i)"
        guard dtype == x.dtype else {
            throw AgentNetError.dtype("input \(label): expected \(x.dtype), got \(dtype)")
        }
        guard shape.count == x.rank, zip(shape, x.shape).allSatisfy({ $1 == nil || $0 == $1 }) else {
            throw AgentNetError.shape("input \(label): expected shape \(formatShape(x.shape)), got \(formatShape(shape))")
        }
    }

    /// Runs `body` holding the function's lock and its shared values' locks.
    private func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        try callLock.locked {
            for (s, writes) in sharedAccess {
                if writes { s.access.lockWrite() } else { s.access.lockRead() }
            }
            defer { for (s, _) in sharedAccess.reversed() { s.access.unlock() } }
            return try body()
        }
    }

    /// The plan for these input shapes, compiled on first use. Called under `exclusive`.
    func plan(for shapes: [[Int]]) throws -> StagedPlan {
        var key: [Int] = []
        for s in shapes { key.append(s.count); key.append(contentsOf: s) }
        if let p = lastPlan, key == lastKey, try p.validate() { return p }
        if let p = plans[key], try p.validate() {
            lastKey = key; lastPlan = p
            return p
        }
        let p = try StagedPlan(split, inputs: inputs, inputShapes: shapes)
        plans[key] = p
        lastKey = key; lastPlan = p
        return p
    }

    /// Output shapes and dtypes for these input shapes (compiles if needed).
    public func outputShapes(for shapes: [[Int]]) throws -> [([Int], DType)] {
        try exclusive {
            let p = try plan(for: shapes)
            return outputs.indices.map { (p.output($0).shape, p.output($0).dtype) }
        }
    }

    /// Runs the function on raw argument buffers `times` times in one call and hands each output of the last run
    /// to `emit` while the function's locks are held (so `emit` must not call a function or read a shared value
    /// this one writes). Every run applies its updates before the next one starts, as `times` separate calls
    /// would (a training step repeated, a rollout continued), but the arguments cross once and no other call
    /// can come in between. If run `k` fails, the updates of the runs before it stay applied.
    public func run(arguments: [(UnsafeRawPointer, DType, [Int])], times: Int = 1, emit: (Int, Tensor) throws -> Void) throws {
        let floatMode = FloatMode.enterCompiled(); defer { floatMode.restore() }
        guard times >= 1 else { throw AgentNetError.invalid("a function runs at least once, got times = \(times)") }
        guard arguments.count == inputs.count else {
            throw AgentNetError.invalid("expected \(inputs.count) inputs (\(inputs.map(\.description).joined(separator: ", "))), got \(arguments.count)")
        }
        for (i, a) in arguments.enumerated() { try check(i, dtype: a.1, shape: a.2) }
        try exclusive {
            var loaded: Plan?
            for run in 1...times {
                // An update that resized a shared value invalidates the plan stage that reads it: the next run
                // compiles that stage anew.
                let p = try plan(for: arguments.map(\.2))
                if p.head !== loaded {
                    try load(arguments, into: p)
                    loaded = p.head
                }
                try p.compute()
                if run == times {
                    for i in outputs.indices { try emit(i, p.output(i)) }
                }
                p.applyUpdates()
            }
        }
    }

    /// Copies the arguments into the plan's input tensors, rejecting NaN/inf when `checkFinite`.
    private func load(_ arguments: [(UnsafeRawPointer, DType, [Int])], into p: StagedPlan) throws {
        for (i, a) in arguments.enumerated() {
            let t = p.inputTensors[i]
            t.storage.raw.copyMemory(from: a.0, byteCount: t.count * t.dtype.size)
            if checkFinite && t.hasNonFinite {
                throw AgentNetError(.runtime, "input \(inputs[i].name.map { "'\($0)'" } ?? "#\(i)") contains NaN or inf")
            }
        }
    }

    /// Swift convenience: runs on tensors (`times` times, see `run`) and returns copies of the last outputs.
    public func callAsFunction(_ args: [Tensor], times: Int = 1) throws -> [Tensor] {
        var results: [Tensor] = []
        try run(arguments: args.map { (UnsafeRawPointer($0.storage.raw), $0.dtype, $0.shape) }, times: times) { _, t in results.append(t.copy()) }
        return results
    }
}

/// Evaluates nodes that have no symbolic inputs (eager mode: numpy in, numpy out).
public func evaluate(_ nodes: [Node]) throws -> [Tensor] {
    try Function(inputs: [], outputs: nodes, checkFinite: false)([])
}
