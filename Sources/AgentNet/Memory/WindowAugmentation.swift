/// The seed's `WindowAugmentation`: a memory of the last K items, newest first (DeepMind's frame stack).

/// Pushes a new item into a window of the K previous ones; the oldest item drops out:
/// `W' = concat(x[:, None], W[:, :-1], axis: 1)`, so `W'[:, 0]` is the newest item, `W'[:, 1]` the one before.
/// Example: `x = [9, 9]`, `W = [[1, 1], [2, 2], [3, 3]]` gives `[[9, 9], [1, 1], [2, 2]]`.
///
/// Inputs: the new value `[batch, *item]` (any number of item axes) and the previous window `[batch, K, *item]`;
/// the output has the window's shape.
public final class WindowAugmentation: Layer {
    /// The seed's default name.
    public static let defaultName = "YetAnotherWindowAugmentation"

    public init(newValueShape item: [Int?], windowShape window: [Int?], name: String? = WindowAugmentation.defaultName) throws {
        let fits = window.count == item.count + 1 && !item.isEmpty && sizesAgree(item[0], window[0])
            && zip(item.dropFirst(), window.dropFirst(2)).allSatisfy(sizesAgree)
        super.init(inputShapes: [item, window], name: name)
        guard fits else {
            throw AgentNetError.shape("\(label): the window shape \(seedShape(window)) must be [batch, K] + the new value's item shape; the new value has shape \(seedShape(item))")
        }
    }

    /// A window layer fed by `newValueInput` and `prevStateInput` (usually an input registered as a previous state).
    public convenience init(newValueInput: Layer, prevStateInput: Layer, name: String? = WindowAugmentation.defaultName) throws {
        try self.init(newValueShape: newValueInput.outputShape, windowShape: prevStateInput.outputShape, name: name)
        try setIncoming([newValueInput, prevStateInput])
    }

    public override var outputShape: [Int?] { inputShapes[1] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[1] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let (item, window) = (inputs[0], inputs[1])
        let older = try Node.make(SliceOp(items: [fullSlice, .range(start: nil, stop: -1, step: 1)]), [window])
        return try T.concatenate([T.expandDims(item, 1), older], axis: 1)
    }
}

extension LayerRegistry {
    static let windowAugmentationLayers: [String: Maker] = [
        "WindowAugmentation": { s in
            guard s.inputShapes.count == 2 else {
                throw AgentNetError.invalid("WindowAugmentation takes the new value and the previous window, got \(s.inputShapes.count) inputs")
            }
            return try WindowAugmentation(newValueShape: s.inputShapes[0], windowShape: s.inputShapes[1], name: s.name)
        },
    ]
}
