/// Lasagne's shape layers: `ReshapeLayer`, `FlattenLayer`, `DimshuffleLayer`, `SliceLayer` and `PadLayer`.
/// None has parameters; each checks its arguments against the input shape when it is created.

/// One entry of a reshape specification.
public enum ReshapeDim: Equatable, Sendable {
    /// A fixed positive size.
    case size(Int)
    /// `-1`: inferred from the total size (at most once).
    case infer
    /// `[i]`: the size of input axis `i`.
    case input(Int)
}

/// Reshapes `[d0, d1, ...]` to the specified shape; `[0]`-style references copy an input axis (so `([0], -1)`
/// keeps the batch axis and flattens the rest).
public final class ReshapeLayer: Layer {
    public let spec: [ReshapeDim]
    private let inferred: [Int?]

    public init(inputShape: [Int?], shape spec: [ReshapeDim], name: String? = nil) throws {
        let input = inputShape
        guard spec.filter({ $0 == .infer }).count <= 1 else { throw AgentNetError.invalid("ReshapeLayer: `shape` cannot contain multiple -1") }
        var out = [Int?](), maskedIn = input.map { $0 }, maskedOut = [Int?]()
        for d in spec {
            switch d {
            case .size(let n):
                guard n > 0 else { throw AgentNetError.invalid("ReshapeLayer: `shape` integers must be positive or -1, got \(n)") }
                out.append(n); maskedOut.append(n)
            case .infer: out.append(-1); maskedOut.append(-1)
            case .input(let i):
                guard i >= 0, i < input.count else {
                    throw AgentNetError.shape("ReshapeLayer: specification contains [\(i)], but input shape \(formatShape(input)) has \(input.count) dimensions only")
                }
                out.append(input[i]); maskedOut.append(input[i])
                if input[i] == nil, maskedIn[i] == nil {
                    // a None axis copied to the output cancels out of the size comparison
                    maskedIn[i] = 1
                    maskedOut[maskedOut.count - 1] = 1
                }
            }
        }
        func size(_ s: [Int?]) -> Int? { s.contains { $0 == nil } ? nil : s.reduce(1) { $0 * $1! } }
        let inSize = size(maskedIn)
        var outSize = size(maskedOut.map { $0 == -1 ? 1 : $0 })
        if let k = spec.firstIndex(of: .infer) {
            if let i = inSize, let o = outSize {
                guard o > 0, i % o == 0 else {
                    throw AgentNetError.shape("ReshapeLayer: \(formatShape(input)) cannot be reshaped to specification \(ReshapeLayer.format(spec)). The total size mismatches.")
                }
                out[k] = i / o
                outSize = i
            } else {
                out[k] = nil
                outSize = nil
            }
        }
        if let i = inSize, let o = outSize, i != o {
            throw AgentNetError.shape("ReshapeLayer: \(formatShape(input)) cannot be reshaped to specification \(ReshapeLayer.format(spec)). The total size mismatches.")
        }
        self.spec = spec
        self.inferred = out
        super.init(inputShapes: [inputShape], name: name)
    }

    static func format(_ spec: [ReshapeDim]) -> String {
        "(" + spec.map { d -> String in
            switch d {
            case .size(let n): return String(n)
            case .infer: return "-1"
            case .input(let i): return "[\(i)]"
            }
        }.joined(separator: ", ") + (spec.count == 1 ? ",)" : ")")
    }

    public override var outputShape: [Int?] { inferred }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let x = inputs[0]
        if !spec.contains(where: { if case .input = $0 { return true } else { return false } }) {
            return try T.reshape(x, spec.map { if case .size(let n) = $0 { return n } else { return -1 } })
        }
        let s = try T.shape(x)
        return try T.reshape(x, T.stackInts(spec.map { d -> Node in
            switch d {
            case .size(let n): return Node.intScalar(n)
            case .infer: return Node.intScalar(-1)
            case .input(let i):
                if let n = x.shape[i] { return Node.intScalar(n) }
                return try T.index(s, i)
            }
        }))
    }

    public override var attributes: [String] { ["shape=\(ReshapeLayer.format(spec))"] }
}

/// Keeps the first `outdim - 1` axes and flattens the rest into one: `[b, c, h, w] -> [b, c·h·w]` for outdim 2.
public final class FlattenLayer: Layer {
    public let outdim: Int

    public init(inputShape: [Int?], outdim: Int = 2, name: String? = nil) throws {
        guard outdim >= 1 else { throw AgentNetError.invalid("FlattenLayer: Dim must be >0, was \(outdim)") }
        guard outdim <= inputShape.count else {
            throw AgentNetError.shape("FlattenLayer: outdim=\(outdim) exceeds the \(inputShape.count) dimensions of input shape \(formatShape(inputShape))")
        }
        self.outdim = outdim
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] {
        let s = inputShapes[0], rest = s[(outdim - 1)...]
        return Array(s.prefix(outdim - 1)) + [rest.contains { $0 == nil } ? nil : rest.reduce(1) { $0 * $1! }]
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.flatten(inputs[0], ndim: outdim)
    }

    public override var attributes: [String] { ["outdim=\(outdim)"] }
}

/// Permutes axes, inserts size-1 axes (`-1`, Lasagne's `'x'`) and drops input axes of size 1.
public final class DimshuffleLayer: Layer {
    /// Input axis per output axis, `-1` for a new axis of size 1.
    public let pattern: [Int]

    public init(inputShape: [Int?], pattern: [Int], name: String? = nil) throws {
        var used = Set<Int>()
        for p in pattern where p >= 0 {
            guard p < inputShape.count else {
                throw AgentNetError.shape("DimshuffleLayer: pattern contains \(p), but input shape \(formatShape(inputShape)) has \(inputShape.count) dimensions only")
            }
            guard used.insert(p).inserted else { throw AgentNetError.invalid("DimshuffleLayer: pattern contains dimension \(p) more than once") }
        }
        guard pattern.allSatisfy({ $0 >= -1 }) else { throw AgentNetError.invalid("DimshuffleLayer: invalid dimension index in pattern \(pattern)") }
        for (i, d) in inputShape.enumerated() where !used.contains(i) {
            if let d, d != 1 {
                throw AgentNetError.shape("DimshuffleLayer: pattern attempted to collapse dimension \(i) of size \(d) of input shape \(formatShape(inputShape)); dimensions with size != 1/None are not broadcastable and cannot be collapsed")
            }
        }
        self.pattern = pattern
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] { pattern.map { $0 < 0 ? 1 : inputShapes[0][$0] } }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.dimshuffle(inputs[0], pattern)
    }

    public override var attributes: [String] { ["pattern=(" + pattern.map { $0 < 0 ? "x" : String($0) }.joined(separator: ", ") + ")"] }
}

/// `input[..., indices, ...]` along one axis: an integer removes the axis, a range keeps it.
public final class SliceLayer: Layer {
    public let item: SliceItem
    public let axis: Int

    public init(inputShape: [Int?], indices: SliceItem, axis: Int = -1, name: String? = nil) throws {
        let rank = inputShape.count
        guard axis >= -rank, axis < rank else {
            throw AgentNetError.shape("SliceLayer: axis \(axis) is out of range for input shape \(formatShape(inputShape))")
        }
        let a = axis < 0 ? axis + rank : axis
        if case .range(_, _, let step) = indices, step == 0 { throw AgentNetError.invalid("SliceLayer: slice step cannot be zero") }
        if case .index(let i) = indices, let n = inputShape[a], i < -n || i >= n {
            throw AgentNetError.shape("SliceLayer: index \(i) is out of range for axis \(axis) of size \(n) (input shape \(formatShape(inputShape)))")
        }
        self.item = indices
        self.axis = a
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] {
        var s = inputShapes[0]
        switch item {
        case .index: s.remove(at: axis)
        case .range:
            if let n = s[axis] { s[axis] = (try? item.resolve(n, axis: axis))?.count }
        }
        return s
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let all = SliceItem.range(start: nil, stop: nil, step: 1)
        return try Node.make(SliceOp(items: Array(repeating: all, count: axis) + [item]), [inputs[0]])
    }

    public override var attributes: [String] {
        let text: String
        switch item {
        case .index(let i): text = String(i)
        case .range(let a, let b, let s): text = "\(a.map(String.init) ?? ""):\(b.map(String.init) ?? ""):\(s)"
        }
        return ["indices=\(text)", "axis=\(axis)"]
    }
}

/// Pads the axes after the first `batchNdim` with the constant `value`: `widths[k]` is `(before, after)` for
/// padded axis `k`; axes without an entry are not padded.
public final class PadLayer: Layer {
    public let widths: [(Int, Int)]
    public let value: Float
    public let batchNdim: Int

    public init(inputShape: [Int?], widths: [(Int, Int)], value: Float = 0, batchNdim: Int = 2, name: String? = nil) throws {
        guard batchNdim >= 0, batchNdim <= inputShape.count else {
            throw AgentNetError.shape("PadLayer: batch_ndim=\(batchNdim) does not fit input shape \(formatShape(inputShape))")
        }
        let padded = inputShape.count - batchNdim
        guard widths.count <= padded else {
            throw AgentNetError.shape("PadLayer: pad width has \(widths.count) entries but only \(padded) axes of input shape \(formatShape(inputShape)) can be padded (batch_ndim=\(batchNdim))")
        }
        guard widths.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else {
            throw AgentNetError.invalid("PadLayer: pad widths must be non-negative, got \(widths.map { "(\($0.0), \($0.1))" }.joined(separator: ", "))")
        }
        self.widths = widths
        self.value = value
        self.batchNdim = batchNdim
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] {
        var s = inputShapes[0]
        for (k, w) in widths.enumerated() { s[batchNdim + k] = s[batchNdim + k].map { $0 + w.0 + w.1 } }
        return s
    }

    /// Constant blocks concatenated before and after each padded axis.
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        var out = inputs[0]
        let rank = out.rank
        for (k, (before, after)) in widths.enumerated() where before > 0 || after > 0 {
            let axis = batchNdim + k
            let s = try T.shape(out)
            func block(_ w: Int) throws -> Node {
                let dims = try (0..<rank).map { i -> Node in
                    if i == axis { return Node.intScalar(w) }
                    if let n = out.shape[i] { return Node.intScalar(n) }
                    return try T.index(s, i)
                }
                return try T.alloc(T.cast(value, out.dtype), T.stackInts(dims))
            }
            out = try T.concatenate((before > 0 ? [try block(before)] : []) + [out] + (after > 0 ? [try block(after)] : []), axis: axis)
        }
        return out
    }

    public override var attributes: [String] {
        ["width=[" + widths.map { "(\($0.0), \($0.1))" }.joined(separator: ", ") + "]", "val=\(value)", "batch_ndim=\(batchNdim)"]
    }
}

extension LayerRegistry {
    static let shapeLayers: [String: Maker] = [
        "ReshapeLayer": { s in
            guard let raw = s.attrs["shape"]?.array else { throw AgentNetError.invalid("ReshapeLayer: `shape` must be a tuple of int and/or [int], got \(s.attrs["shape"]?.serialized ?? "nothing")") }
            let spec = try raw.map { v -> ReshapeDim in
                if case .number = v, let n = v.int { return n == -1 ? .infer : .size(n) }
                if let a = v.array, a.count == 1, case .number = a[0], let i = a[0].int, i >= 0 { return .input(i) }
                throw AgentNetError.invalid("ReshapeLayer: `shape` entries must be positive ints, -1 or single-element lists [i] with i >= 0, got \(v.serialized)")
            }
            return try ReshapeLayer(inputShape: s.one(), shape: spec, name: s.name)
        },
        "FlattenLayer": { s in try FlattenLayer(inputShape: s.one(), outdim: s.int("outdim", 2), name: s.name) },
        "DimshuffleLayer": { s in
            guard let raw = s.attrs["pattern"]?.array else { throw AgentNetError.invalid("DimshuffleLayer: missing attribute 'pattern'") }
            let pattern = try raw.map { v -> Int in
                if v.string == "x" { return -1 }
                guard case .number = v, let i = v.int, i >= 0 else {
                    throw AgentNetError.invalid("DimshuffleLayer: pattern should only contain dimension indices >= 0 or 'x', not \(v.serialized)")
                }
                return i
            }
            return try DimshuffleLayer(inputShape: s.one(), pattern: pattern, name: s.name)
        },
        "SliceLayer": { s in
            guard let v = s.attrs["indices"] else { throw AgentNetError.invalid("SliceLayer: missing attribute 'indices'") }
            let item: SliceItem
            if case .number = v, let i = v.int {
                item = .index(i)
            } else if let r = v.array, r.count == 3, r.allSatisfy({ e in
                if e.isNull { return true }
                if case .number = e, e.int != nil { return true }
                return false
            }) {
                item = .range(start: r[0].int, stop: r[1].int, step: r[2].isNull ? 1 : r[2].int!)
            } else {
                throw AgentNetError.invalid("SliceLayer: indices must be an integer or [start, stop, step] with integer or null entries, got \(v.serialized)")
            }
            return try SliceLayer(inputShape: s.one(), indices: item, axis: s.int("axis", -1), name: s.name)
        },
        "PadLayer": { s in
            let input = try s.one(), batch = try s.int("batch_ndim", 2)
            guard let w = s.attrs["width"] else { throw AgentNetError.invalid("PadLayer: missing attribute 'width'") }
            let widths: [(Int, Int)]
            if case .number = w, let n = w.int {
                widths = Array(repeating: (n, n), count: max(input.count - batch, 0))
            } else if let a = w.array {
                widths = try a.map { e -> (Int, Int) in
                    if case .number = e, let n = e.int { return (n, n) }
                    if let p = e.array, p.count == 2, case .number = p[0], case .number = p[1], let b = p[0].int, let c = p[1].int { return (b, c) }
                    throw AgentNetError.invalid("PadLayer: pad width entries must be ints or (before, after) pairs, got \(e.serialized)")
                }
            } else {
                throw AgentNetError.invalid("PadLayer: width must be an int or a list of ints / pairs, got \(w.serialized)")
            }
            return try PadLayer(inputShape: input, widths: widths, value: Float(s.double("val", 0)), batchNdim: batch, name: s.name)
        },
    ]
}
