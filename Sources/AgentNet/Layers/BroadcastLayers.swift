/// The seed's broadcast helpers (`agentnet.utils.layers`): apply a layer written for `[batch, ...]` across extra
/// axes by folding those axes into the batch axis. `BroadcastLayer` merges chosen axes into axis 0,
/// `UnbroadcastLayer` undoes it and `UpcastLayer` repeats another layer's batch rows to line up with the
/// broadcast batch. Multi-head and self attention are built from these.

/// Merges `broadcastedAxes` into the first axis: they are moved to the front (ascending) and flattened in C order,
/// so with axes `(0, 2)` an input `[B, S, H]` becomes `[B*H, S]` whose row `b*H + h` is `input[b, :, h]`.
/// Output `[prod(d_a for a in broadcastedAxes)] + [d_a for the other axes, in order]`.
///
/// Undoing the fold needs the sizes of the merged axes, which only the input knows (the batch size is usually
/// unknown until the function runs). Each output records its input's symbolic shape, and the matching
/// `UnbroadcastLayer`/`UpcastLayer` (fed by this layer) read the record of the very output they get, so the fold
/// is undone correctly however often and in whatever order the layer is computed (once per tick in a Recurrence).
public final class BroadcastLayer: Layer {
    /// Sorted, non-negative.
    public let broadcastedAxes: [Int]
    public let nonBroadcastedAxes: [Int]

    private final class Record {
        weak var output: Node?
        let inputShape: Node
        init(_ output: Node, _ inputShape: Node) { (self.output, self.inputShape) = (output, inputShape) }
    }
    private var records: [ObjectIdentifier: Record] = [:]
    private let recordsLock = Lock()

    public init(inputShape: [Int?], broadcastedAxes axes: [Int], forceBroadcastableBatch: Bool = true, name: String? = nil) throws {
        let rank = inputShape.count
        var normalized = Set<Int>()
        for ax in axes { normalized.insert(ax < 0 ? ax + rank : ax) }
        broadcastedAxes = normalized.sorted()
        nonBroadcastedAxes = (0..<rank).filter { !normalized.contains($0) }
        super.init(inputShapes: [inputShape], name: name)
        guard !axes.isEmpty else { throw AgentNetError.invalid("\(label): broadcasted_axes is empty") }
        for ax in axes where ax < -rank || ax >= rank {
            throw AgentNetError.invalid("\(label): axis \(ax) is out of range for input shape \(seedShape(inputShape))")
        }
        if forceBroadcastableBatch && !normalized.contains(0) {
            throw AgentNetError.invalid("\(label) was asked not to broadcast over the batch (0th) axis; add 0 to broadcasted_axes, or set force_broadcastable_batch=False")
        }
    }

    public convenience init(_ incoming: Layer, broadcastedAxes: [Int], forceBroadcastableBatch: Bool = true, name: String? = nil) throws {
        try self.init(inputShape: incoming.outputShape, broadcastedAxes: broadcastedAxes,
                      forceBroadcastableBatch: forceBroadcastableBatch, name: name)
        try setIncoming([incoming])
    }

    public override var outputShape: [Int?] { shape(for: inputShapes[0]) }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shape(for: shapes[0]) }

    private func shape(for input: [Int?]) -> [Int?] {
        let merged = broadcastedAxes.map { input[$0] }
        let batch: Int? = merged.contains { $0 == nil } ? nil : merged.reduce(1) { $0 * $1! }
        return [batch] + nonBroadcastedAxes.map { input[$0] }
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let x = inputs[0], shape = try T.shape(x)
        let moved = try T.dimshuffle(x, broadcastedAxes + nonBroadcastedAxes)
        let out = nonBroadcastedAxes.isEmpty ? try T.reshape(moved, [-1])
            : try T.reshape(moved, T.stackInts([Node.intScalar(-1)] + nonBroadcastedAxes.map { try T.index(shape, $0) }))
        recordsLock.locked {
            records = records.filter { $0.value.output != nil }
            records[ObjectIdentifier(out)] = Record(out, shape)
        }
        return out
    }

    /// The symbolic input shape behind `output` (an output of this layer), for the layers that undo the fold.
    func inputShape(behind output: Node, for who: String) throws -> Node {
        let record = recordsLock.locked { records[ObjectIdentifier(output)] }
        guard let record, record.output === output else {
            throw AgentNetError.invalid("\(who): its input from \(label) is not an output that \(label) computed; \(who) must be computed from that BroadcastLayer's output, in the same get_output call")
        }
        return record.inputShape
    }

    public override var attributes: [String] { ["broadcasted_axes=\(broadcastedAxes)"] }
}

/// The inverse of a `BroadcastLayer`: splits axis 0 back into the broadcast axes and restores their order. Inputs:
/// `[prod(broadcast dims), e1, ..., ek]` (the broadcast output's rank; non-batch sizes may differ) and the broadcast
/// layer's output. Output: the broadcast layer's input shape with its non-broadcast axes replaced by `e1, ..., ek`.
public final class UnbroadcastLayer: Layer {
    public let broadcastLayer: BroadcastLayer

    public init(inputShape: [Int?], broadcastLayer: BroadcastLayer, name: String? = nil) throws {
        self.broadcastLayer = broadcastLayer
        super.init(inputShapes: [inputShape, broadcastLayer.outputShape], name: name)
        guard inputShape.count == broadcastLayer.outputShape.count else {
            throw AgentNetError.shape("\(label): incoming shape \(seedShape(inputShape)) must have as many axes as the output \(seedShape(broadcastLayer.outputShape)) of \(broadcastLayer.label)")
        }
    }

    public convenience init(_ incoming: Layer, broadcastLayer: BroadcastLayer, name: String? = nil) throws {
        try self.init(inputShape: incoming.outputShape, broadcastLayer: broadcastLayer, name: name)
        try setIncoming([incoming, broadcastLayer])
    }

    public override var outputShape: [Int?] { shape(for: inputShapes[0]) }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shape(for: shapes[0]) }

    private func shape(for input: [Int?]) -> [Int?] {
        var out = broadcastLayer.inputShapes[0]
        for (ax, size) in zip(broadcastLayer.nonBroadcastedAxes, input.dropFirst()) { out[ax] = size }
        return out
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let x = inputs[0], bl = broadcastLayer
        let pre = try bl.inputShape(behind: inputs[1], for: label), shape = try T.shape(x)
        let unrolled = try T.reshape(x, T.stackInts(bl.broadcastedAxes.map { try T.index(pre, $0) } + (1..<x.rank).map { try T.index(shape, $0) }))
        let order = bl.broadcastedAxes + bl.nonBroadcastedAxes
        return try T.dimshuffle(unrolled, order.indices.map { order.firstIndex(of: $0)! })
    }
}

/// Repeats each batch row of its input to match a `BroadcastLayer` over axis 0 and other axes: each row is repeated
/// `n = prod(broadcast dims other than 0)` times consecutively, so row `b*n + j` is `input[b]`, the row order of the
/// broadcast batch. Inputs: `[B, ...]` (the broadcast input's batch) and the broadcast layer's output; output
/// `[B*n, ...]`.
public final class UpcastLayer: Layer {
    public let broadcastLayer: BroadcastLayer
    /// The broadcast axes other than 0, whose sizes multiply the batch.
    public let repeatedAxes: [Int]

    public init(inputShape: [Int?], broadcastLayer: BroadcastLayer, name: String? = nil) throws {
        self.broadcastLayer = broadcastLayer
        repeatedAxes = broadcastLayer.broadcastedAxes.filter { $0 != 0 }
        super.init(inputShapes: [inputShape, broadcastLayer.outputShape], name: name)
        guard broadcastLayer.broadcastedAxes.contains(0) else {
            throw AgentNetError.invalid("\(kind): \(broadcastLayer.label) must broadcast over the batch axis 0, but broadcasts over \(broadcastLayer.broadcastedAxes)")
        }
        guard !inputShape.isEmpty else { throw AgentNetError.shape("\(label): the input must have a batch axis, got shape ()") }
    }

    public convenience init(_ incoming: Layer, broadcastLayer: BroadcastLayer, name: String? = nil) throws {
        try self.init(inputShape: incoming.outputShape, broadcastLayer: broadcastLayer, name: name)
        try setIncoming([incoming, broadcastLayer])
    }

    public override var outputShape: [Int?] { shape(for: inputShapes[0]) }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shape(for: shapes[0]) }

    private func shape(for input: [Int?]) -> [Int?] {
        let dims = repeatedAxes.map { broadcastLayer.inputShapes[0][$0] }
        let batch: Int? = input[0] == nil || dims.contains { $0 == nil } ? nil : dims.reduce(input[0]!) { $0 * $1! }
        return [batch] + input.dropFirst()
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let x = inputs[0]
        guard !repeatedAxes.isEmpty else { return x }
        let pre = try broadcastLayer.inputShape(behind: inputs[1], for: label), shape = try T.shape(x)
        let n = try T.prod(T.stackInts(repeatedAxes.map { try T.index(pre, $0) }))
        let rest = try (1..<x.rank).map { try T.index(shape, $0) }
        let tiled = try T.broadcastTo(T.expandDims(x, 1), T.stackInts([T.index(shape, 0), n] + rest))
        return rest.isEmpty ? try T.reshape(tiled, [-1]) : try T.reshape(tiled, T.stackInts([Node.intScalar(-1)] + rest))
    }
}

extension LayerRegistry {
    static let broadcastLayers: [String: Maker] = [
        "BroadcastLayer": { s in
            guard let axes = try s.ints("broadcasted_axes") else { throw AgentNetError.invalid("BroadcastLayer: missing attribute 'broadcasted_axes'") }
            return try BroadcastLayer(inputShape: s.one(), broadcastedAxes: axes,
                                      forceBroadcastableBatch: s.bool("force_broadcastable_batch", true), name: s.name)
        },
        "UnbroadcastLayer": { s in
            try UnbroadcastLayer(inputShape: s.inputAndBroadcast(), broadcastLayer: s.object("broadcast_layer", BroadcastLayer.self, "a BroadcastLayer"), name: s.name)
        },
        "UpcastLayer": { s in
            try UpcastLayer(inputShape: s.inputAndBroadcast(), broadcastLayer: s.object("broadcast_layer", BroadcastLayer.self, "a BroadcastLayer"), name: s.name)
        },
    ]
}

extension LayerSpec {
    /// The first of two incoming shapes (a layer fed by its input and a `BroadcastLayer`).
    func inputAndBroadcast() throws -> [Int?] {
        guard inputShapes.count == 2 else { throw AgentNetError.invalid("\(kind) takes its input and the broadcast layer, got \(inputShapes.count) incoming layers") }
        return inputShapes[0]
    }
}
