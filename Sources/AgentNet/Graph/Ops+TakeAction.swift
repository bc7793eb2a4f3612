/// `values[..., actions[...]]`: picks one entry of the last axis per position (the seed's `get_values_for_actions`,
/// Q(s, a) from Q(s, ·)). One gather pass; the adjoint scatters the gradient back into a zero tensor.
///
/// Inputs: `values [..., A]` float32 and `actions [...]` int32 (the leading shape of `values`). An action outside
/// `0..<A` is an error at call time, never an out-of-bounds read.
public struct TakeActionOp: Op {
    public var name: String { "values_for_actions" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let v = inputs[0], a = inputs[1]
        guard v.dtype == .float32, a.dtype == .int32 else {
            throw AgentNetError.dtype("values_for_actions: values must be float32 and actions int32, got \(v.dtype) and \(a.dtype)")
        }
        guard v.rank >= 1, a.rank == v.rank - 1,
              zip(a.shape, v.shape).allSatisfy({ $0 == nil || $1 == nil || $0 == $1 }) else {
            throw AgentNetError.shape("values_for_actions: actions \(formatShape(a.shape)) must be the leading shape of values \(formatShape(v.shape))")
        }
        return (.float32, zip(a.shape, v.shape).map { $0 ?? $1 })
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let v = ctx.shapes[0], a = ctx.shapes[1]
        guard Array(v.dropLast()) == a else {
            throw AgentNetError.shape("values_for_actions: actions \(formatShape(a)) must be the leading shape of values \(formatShape(v))")
        }
        return a
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let v = UnsafePointer(inputs[0].floats), a = UnsafePointer(inputs[1].ints), o = output.floats
        let n = output.count, width = inputs[0].shape.last ?? 0
        return {
            for i in 0..<n {
                let k = Int(a[i])
                guard k >= 0, k < width else { throw AgentNetError.invalid("values_for_actions: action \(k) is out of range for \(width) actions") }
                o[i] = v[i * width + k]
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try Node.make(TakeActionGradOp(), [g, node.inputs[1], node.inputs[0]]), nil]
    }
}

/// Inputs `(g [...], actions [...], values [..., A])`: zeros shaped like `values` with `g` at the taken actions.
public struct TakeActionGradOp: Op {
    public var name: String { "values_for_actions_grad" }
    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) { (.float32, inputs[2].shape) }
    public func shape(_ ctx: ShapeContext) throws -> [Int] { ctx.shapes[2] }
    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let g = UnsafePointer(inputs[0].floats), a = UnsafePointer(inputs[1].ints), o = output.floats
        let n = inputs[0].count, width = inputs[2].shape.last ?? 0, total = output.count
        return {
            for i in 0..<total { o[i] = 0 }
            for i in 0..<n {
                let k = Int(a[i])
                guard k >= 0, k < width else { throw AgentNetError.invalid("values_for_actions: action \(k) is out of range for \(width) actions") }
                o[i * width + k] = g[i]
            }
        }
    }
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        [try Node.make(TakeActionOp(), [h, node.inputs[1]]), nil, nil]
    }
}
