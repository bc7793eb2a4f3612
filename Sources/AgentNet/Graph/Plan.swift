#if canImport(Glibc)
import Glibc
#endif

/// A graph specialised on concrete input shapes: every node's shape resolved, shape-only subgraphs folded to
/// constants, buffers assigned (reused once their last reader has run, shared by reshape-like views) and a flat
/// list of kernels. Running a plan allocates nothing.
final class Plan {
    /// Caller values are copied into these before the kernels run.
    let inputTensors: [Tensor]
    let outputTensors: [Tensor]
    let kernels: [Kernel]
    /// Op name of each kernel (for `AGENTNET_PROFILE`).
    let kernelNames: [String]
    /// Applied after all kernels succeed: (shared value, its new value).
    let updates: [(SharedValue, Tensor)]
    /// Storages of the shared values at plan time; a `set` that changed them invalidates the plan.
    let sharedStorages: [(SharedValue, TensorStorage)]
    /// Every buffer the kernels touch: kernels capture raw pointers, so the plan owns the storages.
    let retained: [TensorStorage]

    /// Whether each output was folded to a constant at plan time (a later stage reads it as a compile-time value).
    let outputFolded: [Bool]

    /// `bound`: nodes an earlier stage computed (StagedPlan.swift), read from its tensors as leaves; `folded` ones
    /// are compile-time values there and stay so here.
    init(inputs: [Node], inputShapes: [[Int]], outputs: [Node], updates: [(SharedValue, Node)],
         bound: [Node: (tensor: Tensor, folded: Bool)] = [:]) throws {
        _ = BLASLibrary.shared  // load OpenBLAS (and choose its kernels) here rather than in the first compute
        let roots = outputs + updates.map(\.1)
        let order = topologicalOrder(roots, stoppingAt: Set(bound.keys))
        /// The nodes this plan computes (bound ones are leaves here).
        let computed = bound.isEmpty ? order : order.filter { bound[$0] == nil }

        var shapes: [Node: [Int]] = [:]
        var statics: [Node: Tensor] = [:]
        var tensors: [Node: Tensor] = [:]
        var shared: [(SharedValue, TensorStorage)] = []
        for (node, shape) in zip(inputs, inputShapes) { shapes[node] = shape }

        // 1. Shapes and compile-time values.
        for node in order {
            if let b = bound[node] {
                shapes[node] = b.tensor.shape
                if b.folded { statics[node] = b.tensor } else { tensors[node] = b.tensor }
                continue
            }
            if node.isInput {
                guard shapes[node] != nil else {
                    throw AgentNetError.invalid("missing input: \(node) is used by the outputs but is not among the function's inputs")
                }
                continue
            }
            if let s = node.sharedValue {
                shapes[node] = s.tensor.shape
                tensors[node] = s.tensor
                shared.append((s, s.tensor.storage))
                continue
            }
            if let c = node.constantValue {
                shapes[node] = c.shape
                statics[node] = c
                continue
            }
            let ctx = ShapeContext(node: node, shapes: node.inputs.map { shapes[$0]! },
                                   values: node.inputs.map { statics[$0] })
            let shape: [Int]
            do {
                shape = try node.op.shape(ctx)
                try checkStaticShape(shape.map { Optional($0) })
                _ = try byteCount(shape, node.dtype)
            } catch let e as AgentNetError {
                throw AgentNetError(e.kind, "\(e.message) (in \(node.op.name) of \(node.inputs.map { formatShape(shapes[$0]!) }.joined(separator: ", ")))")
            }
            shapes[node] = shape
            let foldable = node.op is ShapeOp || (node.op.isFoldable && node.inputs.allSatisfy { statics[$0] != nil })
            if foldable {
                let ins = try node.inputs.map { try statics[$0] ?? Tensor(shape: shapes[$0]!, dtype: $0.dtype, storage: try TensorStorage(byteCount: 0)) }
                if node.op.aliasesInput {
                    statics[node] = Tensor(shape: shape, dtype: node.dtype, storage: ins[0].storage)
                } else {
                    let out = try Tensor(zeros: shape, dtype: node.dtype)
                    try node.op.kernel(ins, out)()
                    statics[node] = out
                }
            }
        }

        // 2. Buffers: views share their source's storage; the rest reuse freed storages.
        var aliasing = Set<Node>()
        for node in computed where !node.inputs.isEmpty && node.op.aliases(node.inputs.map { shapes[$0]! }, shapes[node]!) {
            aliasing.insert(node)
        }
        func root(_ n: Node) -> Node {
            var r = n
            while aliasing.contains(r) && statics[r] == nil, let first = r.inputs.first { r = first }
            return r
        }
        var lastUse: [Node: Int] = [:]
        for (i, node) in order.enumerated() where bound[node] == nil {
            for input in node.inputs { lastUse[root(input)] = max(lastUse[root(input)] ?? 0, i) }
        }
        for r in roots { lastUse[root(r)] = order.count }
        var inputTensors: [Tensor] = []
        for (node, shape) in zip(inputs, inputShapes) {
            let t = try Tensor(zeros: shape, dtype: node.dtype)
            inputTensors.append(t)
            tensors[node] = t
        }
        var free = FreeStorages()
        var owned: [Node: TensorStorage] = [:]
        var kernels: [Kernel] = []
        var names: [String] = []
        // Products that accumulate into an add's other operand (PlanFusion.swift); `absorbed` maps each add that
        // thereby became a no-op to the buffer holding its result.
        let accumulate = AccumulateFusion.candidates(computed, roots: roots, aliasing: aliasing)
        var position: [Node: Int] = [:]
        var readers: [Node: [Int]] = [:]
        if !accumulate.isEmpty {
            for (i, node) in order.enumerated() where bound[node] == nil {
                position[node] = i
                for input in Set(node.inputs) { readers[root(input), default: []].append(i) }
            }
        }
        var absorbed: [Node: TensorStorage] = [:]
        var columns = ConvColumnSharing(computed)
        /// A bias reached through views not yet visited (`b.dimshuffle('x', 0, 'x', 'x')`): its source's data.
        func viewOfComputed(_ n: Node) -> Tensor? {
            var r = n
            while tensors[r] == nil, aliasing.contains(r), let first = r.inputs.first { r = first }
            guard let t = tensors[r], t.dtype == .float32, t.count == (try? checkedCount(shapes[n]!)) else { return nil }
            return t
        }
        /// The smallest freed storage of at least `bytes`, else a new one.
        func storage(_ bytes: Int) throws -> TensorStorage { try free.take(bytes) ?? TensorStorage(byteCount: bytes, for: "a plan buffer") }
        for (i, node) in order.enumerated() {
            if let s = statics[node] { tensors[node] = s; continue }
            if tensors[node] != nil { continue }
            let shape = shapes[node]!
            if let st = absorbed[node] {
                tensors[node] = Tensor(shape: shape, dtype: node.dtype, storage: st)
                owned[node] = st
            } else if let c = accumulate[node], node.op is MatMulOp, let x = tensors[c.target], statics[c.target] == nil,
                      let sumAt = position[c.sum], c.target.dtype == .float32,
                      shapes[c.sum]! == shapes[c.target]!, c.sum.inputs.allSatisfy({ shapes[$0]! == shapes[c.sum]! }),
                      let st = owned[root(c.target)], st === x.storage, lastUse[root(c.target)] == sumAt,
                      !(readers[root(c.target)] ?? []).contains(where: { $0 > i && $0 < sumAt }),
                      !node.inputs.contains(where: { tensors[$0]!.storage === st }) {
                let out = Tensor(shape: shape, dtype: node.dtype, storage: st)
                tensors[node] = out
                owned[root(c.target)] = nil
                absorbed[c.sum] = st
                kernels.append(try (node.op as! MatMulOp).kernel(node.inputs.map { tensors[$0]! }, out, beta: 1))
                names.append(node.op.name + "+= " + formatShape(shape))
            } else if let c = accumulate[node], let bias = tensors[c.target] ?? viewOfComputed(c.target), 
                      c.target.dtype == .float32, shapes[c.sum]! == shape, let n = shape.last, n > 0,
                      (node.op is MatMulOp && shapes[c.target]!.last == n && shapes[c.target]!.dropLast().allSatisfy({ $0 == 1 }))
                      || (node.op is Conv2DOp && shapes[c.target]! == [1, shape[1], 1, 1]) {
                // add(dot(a, b), bias) with a row bias: the gemm starts from the broadcast bias.
                let bytes = try byteCount(shape, .float32)
                let st = try storage(bytes)
                let out = Tensor(shape: shape, dtype: node.dtype, storage: st)
                tensors[node] = out
                absorbed[c.sum] = st
                let ins = node.inputs.map { tensors[$0]! }
                let shares = try columns.kernel(node, ins, out, bias: bias)
                kernels.append(try shares ?? (node.op as? Conv2DOp)?.kernel(ins, out, bias: bias)
                               ?? (node.op as! MatMulOp).kernel(ins, out, rowBias: bias))
                names.append(node.op.name + "+bias" + (shares == nil ? " " : " kept columns ") + formatShape(shape))
            } else if aliasing.contains(node) {
                tensors[node] = Tensor(shape: shape, dtype: node.dtype, storage: tensors[node.inputs[0]]!.storage)
            } else {
                let bytes = try byteCount(shape, node.dtype)
                let st = try storage(bytes)
                owned[node] = st
                let out = Tensor(shape: shape, dtype: node.dtype, storage: st)
                tensors[node] = out
                let ins = node.inputs.map { tensors[$0]! }
                let shares = try columns.kernel(node, ins, out)
                kernels.append(try shares ?? node.op.kernel(ins, out))
                names.append(node.op.name + (shares == nil ? " " : " kept columns ") + formatShape(shape))
            }
            for input in Set(node.inputs) {
                let r = root(input)
                if lastUse[r] == i, let s = owned[r] { free.put(s); owned[r] = nil }
            }
        }

        // 3. Updates: a new value that is itself some shared value's storage is staged first, so swaps work.
        let sharedSet = Set(shared.map { ObjectIdentifier($0.1) })
        var staged: [(SharedValue, Tensor)] = []
        for (s, expr) in updates {
            let t = tensors[expr]!
            guard t.dtype == s.dtype else {
                throw AgentNetError.dtype("update of shared \(s.name ?? "value") \(s.dtype) with a value of dtype \(t.dtype)")
            }
            guard s.resizable ? t.rank == s.rank : t.shape == s.tensor.shape else {
                throw AgentNetError.shape("update of shared \(s.name ?? "value") \(formatShape(s.tensor.shape)) with a value of shape \(formatShape(t.shape))")
            }
            if sharedSet.contains(ObjectIdentifier(t.storage)) || statics[expr] != nil {
                let copy = try Tensor(zeros: t.shape, dtype: t.dtype)
                let bytes = t.count * t.dtype.size
                kernels.append { copy.storage.raw.copyMemory(from: t.storage.raw, byteCount: bytes) }
                names.append("update copy")
                staged.append((s, copy))
            } else {
                staged.append((s, t))
            }
        }
        self.inputTensors = inputTensors
        self.outputTensors = outputs.map { tensors[$0]! }
        self.outputFolded = outputs.map { statics[$0] != nil }
        self.kernels = kernels
        self.kernelNames = names
        self.updates = staged
        self.sharedStorages = shared
        self.retained = tensors.values.map(\.storage) + statics.values.map(\.storage) + staged.map(\.1.storage)
    }

    /// True while every shared value still has the storage this plan was built on.
    var isValid: Bool { sharedStorages.allSatisfy { $0.0.tensor.storage === $0.1 } }

    /// Runs every kernel; shared values are not touched yet.
    func compute() throws {
        if Plan.profiling { return try computeProfiled() }
        for k in kernels { try k() }
    }

    /// Set `AGENTNET_PROFILE=1` to accumulate seconds per op name and shape; dumped to stderr at exit.
    static let profiling = getenv("AGENTNET_PROFILE") != nil
    /// Seconds and count per kernel name, under `profileLock` (functions may run on several threads).
    nonisolated(unsafe) static var profile: [String: (Double, Int)] = [:]
    static let profileLock = Lock()
    static let profileRegistered: Bool = {
        atexit {
            let total = Plan.profile.values.reduce(0) { $0 + $1.0 }
            for (k, v) in Plan.profile.sorted(by: { $0.value.0 > $1.value.0 }).prefix(60) {
                fputs("\(Int(v.0 * 1e6)) us  \(Int(1000 * v.0 / total) / 10)%  x\(v.1)  \(k)\n", stderr)
            }
        }
        return true
    }()

    func computeProfiled() throws {
        _ = Plan.profileRegistered
        for (k, name) in zip(kernels, kernelNames) {
            var t0 = timespec(), t1 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t0)
            try k()
            clock_gettime(CLOCK_MONOTONIC, &t1)
            let dt = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) * 1e-9
            Plan.profileLock.locked {
                let old = Plan.profile[name] ?? (0, 0)
                Plan.profile[name] = (old.0 + dt, old.1 + 1)
            }
        }
    }

    /// Writes the new shared values; called after the outputs were read, so an output that is a shared value
    /// (or a view of one) shows the value before the update, as in Theano.
    /// An update of another shape (a replay pool that grows, as Theano allows) gives the value new storage, which
    /// invalidates the plans built on the old one.
    func applyUpdates() {
        for (s, t) in updates where s.tensor.storage !== t.storage {
            if s.tensor.shape == t.shape {
                s.tensor.storage.raw.copyMemory(from: t.storage.raw, byteCount: t.count * t.dtype.size)
            } else {
                s.tensor = t.copy()
            }
        }
    }
}
