/// The two gradient ops of `conv2d` (see Ops+Conv.swift): with respect to the input and to the filters.

/// Gradient of `conv2d` with respect to its input: `col2im(Wᵀ·g)`. Inputs: `g [B, F, oh, ow]`, filters, and the
/// input's shape (static: strides make it ambiguous from `g`).
public struct Conv2DInputGradOp: Op {
    public let params: ConvParams
    /// The input's static shape where known, for shape inference.
    public let hint: [Int?]
    public var name: String { "conv2d_input_grad" }
    public var attributes: String { params.attributes }
    public var staticInputs: [Int] { [2] }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        try params.validate()
        try checkFloat(Array(inputs[0...1]), name)
        try checkRank4(inputs[0], "output gradient", name)
        try checkRank4(inputs[1], "filters", name)
        guard inputs[2].dtype == .int32, inputs[2].shape == [4] else {
            throw AgentNetError.shape("\(name): the input shape must be an int vector of length 4")
        }
        let w = inputs[1].shape, g = inputs[0].shape
        var s = staticShape(inputs[2], hint)
        if s.count != 4 { s = [nil, nil, nil, nil] }
        return (.float32, [s[0] ?? g[0], s[1] ?? w[1], s[2], s[3]])
    }

    func dims(_ ctx: ShapeContext) throws -> ConvDims {
        let xs = try ctx.ints(2)
        guard xs.count == 4, xs.allSatisfy({ $0 >= 0 }) else { throw AgentNetError.shape("\(name): invalid input shape \(formatShape(xs))") }
        let d = try params.dims(xs, ctx.shapes[1], name)
        guard ctx.shapes[0] == d.outputShape else {
            throw AgentNetError.shape("\(name): the output gradient has shape \(formatShape(ctx.shapes[0])) but the convolution's output has shape \(formatShape(d.outputShape))")
        }
        return d
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] { try dims(ctx).inputShape }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let xs = (0..<4).map { Int(inputs[2].ints[$0]) }
        let d = try params.dims(xs, inputs[1].shape, name)
        let g = UnsafePointer(inputs[0].floats), w = UnsafePointer(inputs[1].floats), dx = output.floats
        if d.shifted { return try ConvShifted.inputGrad(d, g, w, dx) }
        let K = d.K, P = d.P, F = d.F, nb = d.chunk, image = d.C * d.H * d.W
        let col = try ScratchBuffer(K * nb * P), tmp = try ScratchBuffer(nb > 1 ? F * nb * P : 0), planes = try ScratchBuffer(d.planesCount)
        return {
            var b0 = 0
            while b0 < d.B {
                let n = Swift.min(nb, d.B - b0), ld = n * P
                let src: UnsafePointer<Float>
                if n == 1 { src = g + b0 * F * P } else {
                    gatherFeatures(g + b0 * F * P, tmp.p, F, P, n)
                    src = UnsafePointer(tmp.p)
                }
                sgemm(true, false, Int32(K), Int32(ld), Int32(F), 1,
                            w, Int32(K), src, Int32(ld), 0, col.p, Int32(ld))
                for t in 0..<n { d.col2im(col.p, ld, t * P, dx + (b0 + t) * image, planes.p) }
                b0 += n
            }
        }
    }

    /// Linear in `g` and in the filters: `d/dg = conv2d(h, W)`, `d/dW = filter_grad(h, g)` for the upstream `h`.
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        let g = node.inputs[0], w = node.inputs[1]
        return [try Node.make(Conv2DOp(params: params), [h, w]),
                try T.conv2dFilterGrad(h, g, filterShape: T.shape(w), params: params, staticShape: w.shape),
                nil]
    }
}

/// Gradient of `conv2d` with respect to its filters: `Σ_b g_b · cols_bᵀ`. Inputs: the convolution's input `x`,
/// `g [B, F, oh, ow]` and the filters' shape (static).
public struct Conv2DFilterGradOp: Op {
    public let params: ConvParams
    public let hint: [Int?]
    public var name: String { "conv2d_filter_grad" }
    public var attributes: String { params.attributes }
    public var staticInputs: [Int] { [2] }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        try params.validate()
        try checkFloat(Array(inputs[0...1]), name)
        try checkRank4(inputs[0], "input", name)
        try checkRank4(inputs[1], "output gradient", name)
        guard inputs[2].dtype == .int32, inputs[2].shape == [4] else {
            throw AgentNetError.shape("\(name): the filter shape must be an int vector of length 4")
        }
        let x = inputs[0].shape, g = inputs[1].shape
        var s = staticShape(inputs[2], hint)
        if s.count != 4 { s = [nil, nil, nil, nil] }
        return (.float32, [s[0] ?? g[1], s[1] ?? x[1], s[2], s[3]])
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let ws = try ctx.ints(2)
        guard ws.count == 4, ws.allSatisfy({ $0 >= 0 }) else { throw AgentNetError.shape("\(name): invalid filter shape \(formatShape(ws))") }
        let d = try params.dims(ctx.shapes[0], ws, name)
        guard ctx.shapes[1] == d.outputShape else {
            throw AgentNetError.shape("\(name): the output gradient has shape \(formatShape(ctx.shapes[1])) but the convolution's output has shape \(formatShape(d.outputShape))")
        }
        return d.filterShape
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { try kernel(inputs, output, columns: nil) }

    /// With `columns` kept by the forward convolution of the same input (ConvColumns.swift), which ran earlier in
    /// the plan, x is not expanded again.
    func kernel(_ inputs: [Tensor], _ output: Tensor, columns: ConvColumns?) throws -> Kernel {
        let ws = (0..<4).map { Int(inputs[2].ints[$0]) }
        let d = try params.dims(inputs[0].shape, ws, name)
        let x = UnsafePointer(inputs[0].floats), g = UnsafePointer(inputs[1].floats), dw = output.floats
        if d.shifted { return try ConvShifted.filterGrad(d, x, g, dw) }
        let K = d.K, P = d.P, F = d.F, nb = d.chunk, image = d.C * d.H * d.W
        let kept = columns.flatMap { $0.fits(d) ? $0 : nil }
        let scratch = try ScratchBuffer(kept == nil ? K * nb * P : 0), planes = try ScratchBuffer(kept == nil ? d.planesCount : 0)
        let tmp = try ScratchBuffer(nb > 1 ? F * nb * P : 0)
        return {
            if d.B == 0 { dw.update(repeating: 0, count: F * K); return }
            var b0 = 0
            while b0 < d.B {
                let n = Swift.min(nb, d.B - b0), ld = n * P
                let col: UnsafeMutablePointer<Float>
                if let kept { col = kept.columns(at: b0) } else {
                    col = scratch.p
                    for t in 0..<n { d.im2col(x + (b0 + t) * image, col, ld, t * P, planes.p) }
                }
                let src: UnsafePointer<Float>
                if n == 1 { src = g + b0 * F * P } else {
                    gatherFeatures(g + b0 * F * P, tmp.p, F, P, n)
                    src = UnsafePointer(tmp.p)
                }
                sgemm(false, true, Int32(F), Int32(K), Int32(ld), 1,
                            src, Int32(ld), col, Int32(ld), b0 == 0 ? 0 : 1, dw, Int32(K))
                b0 += n
            }
        }
    }

    /// Linear in `x` and `g`: for the upstream `h` (filter-shaped), `d/dx = input_grad(g, h)`, `d/dg = conv2d(x, h)`.
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        let x = node.inputs[0], g = node.inputs[1]
        return [try T.conv2dInputGrad(g, h, inputShape: T.shape(x), params: params, staticShape: x.shape),
                try Node.make(Conv2DOp(params: params), [x, h]),
                nil]
    }
}

public extension T {
    /// `conv2d(x [B, C, H, W], w [F, C, kh, kw]) → [B, F, oh, ow]`; `flip` true is a true convolution (Theano's
    /// default), false cross-correlation.
    static func conv2d(_ x: Node, _ w: Node, stride: (Int, Int) = (1, 1), pad: ConvPad = .explicit(0, 0),
                       dilation: (Int, Int) = (1, 1), flip: Bool = true) throws -> Node {
        let p = ConvParams(stride: stride, pad: pad, dilation: dilation, flip: flip)
        return try Node.make(Conv2DOp(params: p), [try cast(x, .float32), try cast(w, .float32)])
    }

    /// `conv1d(x [B, C, L], w [F, C, k]) → [B, F, ol]`: a 2-D convolution over a height-1 image.
    static func conv1d(_ x: Node, _ w: Node, stride: Int = 1, pad: ConvPad = .explicit(0, 0), dilation: Int = 1,
                       flip: Bool = true) throws -> Node {
        guard x.rank == 3, w.rank == 3 else {
            throw AgentNetError.shape("conv1d: expected a [batch, channels, length] input and [filters, channels, length] filters, got \(formatShape(x.shape)) and \(formatShape(w.shape))")
        }
        var p = pad
        if case .explicit(let a, let b) = pad { p = .explicit(0, Swift.max(a, b)) }
        let x4 = try dimshuffle(cast(x, .float32), [0, 1, -1, 2]), w4 = try dimshuffle(cast(w, .float32), [0, 1, -1, 2])
        let params = ConvParams(stride: (1, stride), pad: p, dilation: (1, dilation), flip: flip)
        // 'full' and 'half' resolve to no row padding for the height-1 kernel.
        let y = try Node.make(Conv2DOp(params: params), [x4, w4])
        return try dimshuffle(y, [0, 1, 3])
    }

    static func conv2dInputGrad(_ g: Node, _ w: Node, inputShape: Node, params: ConvParams, staticShape: [Int?] = []) throws -> Node {
        try Node.make(Conv2DInputGradOp(params: params, hint: staticShape), [g, w, inputShape])
    }

    static func conv2dFilterGrad(_ x: Node, _ g: Node, filterShape: Node, params: ConvParams, staticShape: [Int?] = []) throws -> Node {
        try Node.make(Conv2DFilterGradOp(params: params, hint: staticShape), [x, g, filterShape])
    }
}
