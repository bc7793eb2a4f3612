/// Creates nodes by kind name and JSON attributes: the generic constructor behind `agn_node_create`, so the C ABI
/// stays small as ops are added. Kind and attribute names match the Python API (`agentnet.tensor`).
public enum OpRegistry {
    public static func make(_ kind: String, _ attrs: JSON, _ inputs: [Node], random: RandomState? = nil) throws -> Node {
        func arity(_ n: Int) throws {
            guard inputs.count == n else { throw AgentNetError.invalid("\(kind) takes \(n) input(s), got \(inputs.count)") }
        }
        func int(_ key: String, _ dflt: Int? = nil) throws -> Int {
            if let v = attrs[key], !v.isNull {
                guard let i = v.int else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be an integer, got \(v.serialized)") }
                return i
            }
            guard let dflt else { throw AgentNetError.invalid("\(kind): missing attribute '\(key)'") }
            return dflt
        }
        func ints(_ key: String) throws -> [Int]? {
            guard let v = attrs[key], !v.isNull else { return nil }
            if let i = v.int { return [i] }
            guard let a = v.array else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a list of integers") }
            return try a.map {
                guard let i = $0.int else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a list of integers, got \(v.serialized)") }
                return i
            }
        }
        func bool(_ key: String) -> Bool { attrs[key]?.bool ?? false }
        func float(_ key: String) throws -> Float {
            guard let d = attrs[key]?.double else { throw AgentNetError.invalid("\(kind): missing numeric attribute '\(key)'") }
            return Float(d)
        }
        func dtype(_ key: String, _ dflt: DType) throws -> DType {
            guard let v = attrs[key], !v.isNull else { return dflt }
            guard let s = v.string, let d = DType(name: s) else { throw AgentNetError.dtype("\(kind): unknown dtype \(v.serialized)") }
            return d
        }
        let x = inputs.first
        func first() throws -> Node {
            guard let x else { throw AgentNetError.invalid("\(kind) needs an input") }
            return x
        }

        if let b = BinaryKind(rawValue: kind) { try arity(2); return try T.binary(b, inputs[0], inputs[1]) }
        if let u = UnaryKind(rawValue: kind) { try arity(1); return try T.unary(u, inputs[0]) }
        if let r = ReduceKind(rawValue: kind) {
            try arity(1)
            return try T.reduce(r, inputs[0], axes: try ints("axis"), keepdims: bool("keepdims"))
        }
        if let f = FusedKind(rawValue: kind) {
            try arity(f.arity)
            return try Node.make(FusedOp(kind: f), inputs.map { try T.cast($0, .float32) })
        }
        switch kind {
        case "where": try arity(3); return try T.where_(inputs[0], inputs[1], inputs[2])
        case "cast": try arity(1); return try T.cast(inputs[0], dtype("dtype", .float32))
        case "clip": try arity(3); return try T.clip(inputs[0], inputs[1], inputs[2])
        case "var": try arity(1); return try T.variance(inputs[0], axes: ints("axis"), keepdims: bool("keepdims"))
        case "std": try arity(1); return try T.std(inputs[0], axes: ints("axis"), keepdims: bool("keepdims"))
        case "argmax", "argmin":
            try arity(1)
            let axis = try ints("axis")
            guard axis == nil || axis!.count == 1 else { throw AgentNetError.invalid("\(kind): axis must be a single integer or None") }
            return try T.arg(kind == "argmax", inputs[0], axis?.first, bool("keepdims"))
        case "dot": try arity(2); return try T.dot(inputs[0], inputs[1])
        case "batched_dot": try arity(2); return try T.batchedDot(inputs[0], inputs[1])
        case "reshape":
            if inputs.count == 2 { return try T.reshape(inputs[0], inputs[1]) }
            try arity(1)
            guard let s = try ints("shape") else { throw AgentNetError.invalid("reshape: missing attribute 'shape'") }
            return try T.reshape(inputs[0], s)
        case "dimshuffle":
            try arity(1)
            guard let p = attrs["pattern"]?.array else { throw AgentNetError.invalid("dimshuffle: missing attribute 'pattern'") }
            let pattern = try p.map { v -> Int in
                if v.string == "x" { return -1 }
                guard let i = v.int, i >= 0 else { throw AgentNetError.invalid("dimshuffle: pattern entries are axis numbers or 'x', got \(v.serialized)") }
                return i
            }
            return try T.dimshuffle(inputs[0], pattern)
        case "transpose":
            try arity(1)
            let axes = try ints("axes").map { try $0.map { try T.normAxis($0, inputs[0].rank) } }
            if let axes, Set(axes) != Set(0..<inputs[0].rank) || axes.count != inputs[0].rank {
                throw AgentNetError.invalid("transpose: axes \(axes) are not a permutation of \(inputs[0].rank) axes")
            }
            return try T.transpose(inputs[0], axes)
        case "flatten": try arity(1); return try T.flatten(inputs[0], ndim: int("ndim", 1))
        case "concatenate": return try T.concatenate(inputs, axis: int("axis", 0))
        case "stack": return try T.stack(inputs, axis: int("axis", 0))
        case "repeat": try arity(1); return try T.repeat_(inputs[0], int("repeats"), axis: int("axis"))
        case "tile":
            try arity(1)
            guard let reps = try ints("reps"), reps.allSatisfy({ $0 >= 0 }) else { throw AgentNetError.invalid("tile: 'reps' must be non-negative integers") }
            return try T.tile(inputs[0], reps)
        case "getitem":
            try arity(1)
            guard let raw = attrs["items"]?.array else { throw AgentNetError.invalid("getitem: missing attribute 'items'") }
            let items = try raw.map { v -> SliceItem in
                if let i = v.int { return .index(i) }
                guard let r = v.array, r.count == 3 else { throw AgentNetError.invalid("getitem: bad index item \(v.serialized)") }
                let step = r[2].isNull ? 1 : (r[2].int ?? 0)
                guard step != 0 else { throw AgentNetError.invalid("slice step cannot be zero") }
                return .range(start: r[0].int, stop: r[1].int, step: step)
            }
            return try Node.make(SliceOp(items: items), [try first()])
        case "advanced_index":
            guard let flags = attrs["is_array"]?.array?.compactMap(\.bool) else { throw AgentNetError.invalid("advanced_index: missing 'is_array'") }
            guard flags.filter({ $0 }).count == inputs.count - 1, flags.contains(true) else {
                throw AgentNetError.invalid("advanced_index: \(flags.filter { $0 }.count) array positions but \(inputs.count - 1) index arrays")
            }
            return try Node.make(AdvancedIndexOp(isArray: flags, negativeIndices: attrs["negative_indices"]?.bool ?? true), inputs)
        case "one_hot": try arity(1); return try Node.make(OneHotOp(depth: int("depth")), [T.cast(inputs[0], inputs[0].dtype == .bool ? .int32 : inputs[0].dtype)])
        case "cumsum":
            try arity(1)
            var n = inputs[0]
            if n.dtype == .bool { n = try T.cast(n, .int32) }
            if attrs["axis"] == nil || attrs["axis"]!.isNull { n = try T.reshape(n, [-1]) }
            return try Node.make(CumsumOp(axis: T.normAxis(int("axis", 0), n.rank), reverse: bool("reverse")), [n])
        case "arange":
            try arity(3)
            let d = inputs.allSatisfy { $0.dtype != .float32 } ? DType.int32 : .float32
            return try Node.make(ArangeOp(dtype: try dtype("dtype", d)), inputs)
        case "alloc": try arity(2); return try T.alloc(inputs[0], inputs[1])
        case "zeros_like": try arity(1); return try T.zerosLike(inputs[0])
        case "ones_like": try arity(1); return try T.onesLike(inputs[0])
        case "shape": try arity(1); return try T.shape(inputs[0])
        case "softmax": try arity(1); return try T.softmax(T.cast(inputs[0], .float32), axis: int("axis", -1))
        case "log_softmax": try arity(1); return try T.logSoftmax(T.cast(inputs[0], .float32), axis: int("axis", -1))
        case "logsumexp": try arity(1); return try T.logsumexp(T.cast(inputs[0], .float32), axes: ints("axis"), keepdims: bool("keepdims"))
        case "stop_gradient": try arity(1); return try T.stopGradient(inputs[0])
        case "grad_clip": try arity(1); return try T.gradClip(inputs[0], float("lower"), float("upper"))
        case "broadcast_to": try arity(2); return try T.broadcastTo(inputs[0], T.cast(inputs[1], .int32))
        case "random_uniform", "random_normal", "random_binomial", "random_choice", "random_multinomial":
            guard let random else { throw AgentNetError.invalid("\(kind) needs a random state") }
            try arity(3)
            let k = RandomKind(rawValue: String(kind.dropFirst(7)))!
            let dflt: DType = (k == .uniform || k == .normal) ? .float32 : .int32
            var ins = inputs
            ins[0] = try T.cast(ins[0], .int32)
            if k == .binomial || k == .multinomial || k == .uniform || k == .normal {
                let i = k == .multinomial ? 1 : 2
                ins[i] = try T.cast(ins[i], .float32)
                if k != .multinomial { ins[1] = try T.cast(ins[1], .float32) }
            }
            return try Node.make(RandomOp(kind: k, state: random, dtype: dtype("dtype", dflt)), ins)
        case "conv2d", "conv1d", "pool2d": return try makeConvolutionNode(kind, attrs, inputs)
        case "value_reference": return try LearningRegistry.valueReference(attrs, inputs)
        case "values_for_actions": try arity(2); return try Generic.valuesForActions(inputs[0], inputs[1])
        case "end_indicator": try arity(1); return try Generic.endIndicator(inputs[0], forceEndAtTMax: bool("force_end_at_t_max"))
        case "mask_by_eos": try arity(1); return try Generic.maskByEOS(inputs[0])
        default:
            throw AgentNetError.invalid("unknown op kind '\(kind)'")
        }
    }
}
