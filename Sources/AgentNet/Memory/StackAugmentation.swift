/// The seed's `StackAugmentation`: the differentiable stack of Joulin & Mikolov (arXiv:1503.01007).

/// A soft stack `S` `[batch, depth, width]` with its top at index 0, updated by a mix of push, pop and no-op.
/// With controls `(a_push, a_pop, a_noop)` per batch row (expected to sum to 1; not enforced):
///
///     S' = a_push * concat(x[:, None], S[:, :-1])     // push: x on top, the bottom item drops out
///        + a_pop  * concat(S[:, 1:], zeros)           // pop: the top drops out, zeros enter at the bottom
///        + a_noop * S
///
/// Example, `S = [[1, 1], [2, 2], [3, 3]]`, `x = [9, 9]`: push gives `[[9, 9], [1, 1], [2, 2]]`, pop gives
/// `[[2, 2], [3, 3], [0, 0]]` and `(.5, .5, 0)` gives `[[5.5, 5.5], [2, 2], [1, 1]]`.
///
/// Inputs: the item that may be pushed `[batch, width]`, the previous stack and the controls `[batch, 3]`; the
/// output has the stack's shape.
public final class StackAugmentation: Layer {
    public static let defaultName = "YetAnotherStackAugmentation"

    public init(itemShape item: [Int?], stackShape stack: [Int?], controlsShape controls: [Int?],
                name: String? = StackAugmentation.defaultName) throws {
        super.init(inputShapes: [item, stack, controls], name: name)
        guard stack.count == 3 else {
            throw AgentNetError.shape("\(label): the stack must be [batch, depth, width], got shape \(seedShape(stack))")
        }
        guard item.count == 2, sizesAgree(item[1], stack[2]) else {
            throw AgentNetError.shape("\(label): the pushed item must be [batch, width] with the width of the stack \(seedShape(stack)), got shape \(seedShape(item))")
        }
        guard controls.count == 2, controls[1] == 3 else {
            throw AgentNetError.shape("\(label): the controls must be [batch, 3] (push, pop, no-op), got shape \(seedShape(controls)) for a stack of shape \(seedShape(stack))")
        }
    }

    public convenience init(observationInput: Layer, prevStateInput: Layer, controlsLayer: Layer,
                            name: String? = StackAugmentation.defaultName) throws {
        try self.init(itemShape: observationInput.outputShape, stackShape: prevStateInput.outputShape, controlsShape: controlsLayer.outputShape, name: name)
        try setIncoming([observationInput, prevStateInput, controlsLayer])
    }

    public override var outputShape: [Int?] { inputShapes[1] }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { shapes[1] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let (item, stack, controls) = (inputs[0], inputs[1], inputs[2])
        // controls[:, i][:, None, None]: one weight per batch row, broadcast over depth and width
        let weights = try (0..<3).map { i in
            try T.dimshuffle(Node.make(SliceOp(items: [fullSlice, .index(i)]), [controls]), [0, -1, -1])
        }
        let (push, pop, noop) = (weights[0], weights[1], weights[2])
        func rows(_ start: Int?, _ stop: Int?) throws -> Node {
            try Node.make(SliceOp(items: [fullSlice, .range(start: start, stop: stop, step: 1)]), [stack])
        }
        let pushed = try T.concatenate([T.expandDims(item, 1), rows(nil, -1)], axis: 1)
        let popped = try T.concatenate([rows(1, nil), T.zerosLike(rows(nil, 1))], axis: 1)
        return try T.add(T.add(T.mul(push, pushed), T.mul(pop, popped)), T.mul(noop, stack))
    }
}

extension LayerRegistry {
    static let stackAugmentationLayers: [String: Maker] = [
        "StackAugmentation": { s in
            guard s.inputShapes.count == 3 else {
                throw AgentNetError.invalid("StackAugmentation takes the pushed item, the previous stack and the controls, got \(s.inputShapes.count) inputs")
            }
            return try StackAugmentation(itemShape: s.inputShapes[0], stackShape: s.inputShapes[1], controlsShape: s.inputShapes[2], name: s.name)
        },
    ]
}
