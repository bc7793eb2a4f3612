/// The seed's `CounterLayer`: a tick counter for agents and `Recurrence`.

/// `c + 1`, or `(c + 1) % k` so that the count wraps to 0 every `k` ticks. The previous count (any shape,
/// `[batch]` typically) is cast to int32 first; the output is int32 of the same shape.
public final class CounterLayer: Layer {
    /// The period of the wrap-around; nil counts forever.
    public let k: Int?

    public init(inputShape: [Int?], k: Int? = nil, name: String? = nil) throws {
        self.k = k
        super.init(inputShapes: [inputShape], name: name)
        if let k, k <= 0 { throw AgentNetError.invalid("\(label): k must be a positive int or None, got \(k)") }
    }

    public convenience init(prevCounter: Layer, k: Int? = nil, name: String? = nil) throws {
        try self.init(inputShape: prevCounter.outputShape, k: k, name: name)
        try setIncoming([prevCounter])
    }

    public override var outputDType: DType { .int32 }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[0] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let count = try T.add(T.cast(inputs[0], .int32), 1)
        return try k.map { try T.mod(count, $0) } ?? count
    }

    public override var attributes: [String] { k.map { ["k=\($0)"] } ?? [] }
}

extension LayerRegistry {
    static let counterLayers: [String: Maker] = [
        "CounterLayer": { s in
            let k: Int? = (s.attrs["k"]?.isNull ?? true) ? nil : try s.int("k")
            return try CounterLayer(inputShape: s.one(), k: k, name: s.name)
        },
    ]
}
