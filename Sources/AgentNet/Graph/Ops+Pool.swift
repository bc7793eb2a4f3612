/// 2-D pooling over the last two axes (Theano's `pool_2d`, Lasagne's `Pool2DLayer`): leading axes are batch.
///
/// Windows are placed on the zero-padded image every `stride`; with `ignoreBorder` false a last, partial window
/// covers what is left (Lasagne's output length, padding must then be 0). Max pooling and `average_exc_pad` only see
/// real pixels; `average_inc_pad` divides by the window's size in the padded image (the full window size when
/// `ignoreBorder`, the clipped one otherwise, as Theano). Gradients: max pooling routes each output's gradient to
/// the first maximum of its window; averages spread it evenly.

public enum PoolMode: String, Sendable {
    case max
    case sum
    case averageIncPad = "average_inc_pad"
    case averageExcPad = "average_exc_pad"
}

public struct PoolParams: Equatable, Sendable {
    public var size: (Int, Int)
    public var stride: (Int, Int)
    public var pad: (Int, Int)
    public var ignoreBorder: Bool
    public var mode: PoolMode

    public init(size: (Int, Int), stride: (Int, Int)? = nil, pad: (Int, Int) = (0, 0), ignoreBorder: Bool = true, mode: PoolMode = .max) {
        self.size = size
        self.stride = stride ?? size
        self.pad = pad
        self.ignoreBorder = ignoreBorder
        self.mode = mode
    }

    public static func == (a: PoolParams, b: PoolParams) -> Bool {
        a.size == b.size && a.stride == b.stride && a.pad == b.pad && a.ignoreBorder == b.ignoreBorder && a.mode == b.mode
    }

    var attributes: String {
        "\(mode.rawValue), size=(\(size.0), \(size.1)), stride=(\(stride.0), \(stride.1)), pad=(\(pad.0), \(pad.1))"
            + (ignoreBorder ? "" : ", keep border")
    }

    func validate() throws {
        guard size.0 >= 1, size.1 >= 1 else { throw AgentNetError.invalid("pool2d: pool size must be positive, got (\(size.0), \(size.1))") }
        guard stride.0 >= 1, stride.1 >= 1 else { throw AgentNetError.invalid("pool2d: strides must be positive, got (\(stride.0), \(stride.1))") }
        guard pad.0 >= 0, pad.1 >= 0 else { throw AgentNetError.invalid("pool2d: padding must be non-negative, got (\(pad.0), \(pad.1))") }
        let limit = 1 << 24
        guard size.0 <= limit, size.1 <= limit, stride.0 <= limit, stride.1 <= limit else {
            throw AgentNetError.invalid("pool2d: pool size (\(size.0), \(size.1)) or stride (\(stride.0), \(stride.1)) is out of range (at most \(limit))")
        }
        guard pad.0 < size.0, pad.1 < size.1 else {
            throw AgentNetError.invalid("pool2d: padding (\(pad.0), \(pad.1)) must be smaller than the pool size (\(size.0), \(size.1))")
        }
        guard ignoreBorder || (pad.0 == 0 && pad.1 == 0) else {
            throw AgentNetError.invalid("pool2d: padding requires ignore_border=True")
        }
    }

    /// Lasagne's `pool_output_length`.
    func outLength(_ n: Int, _ k: Int, _ s: Int, _ p: Int) -> Int {
        if ignoreBorder {
            let v = n + 2 * p - k
            return v < 0 ? 0 : v / s + 1
        }
        if n == 0 { return 0 }
        if s >= k { return (n - 1) / s + 1 }
        let v = n - k + s - 1
        return (v < 0 ? 0 : v / s) + 1
    }

    func outShape(_ x: [Int]) -> [Int] {
        var s = x
        s[s.count - 2] = outLength(x[x.count - 2], size.0, stride.0, pad.0)
        s[s.count - 1] = outLength(x[x.count - 1], size.1, stride.1, pad.1)
        return s
    }

    func inferShape(_ x: [Int?]) -> [Int?] {
        var s = x
        s[s.count - 2] = x[x.count - 2].map { outLength($0, size.0, stride.0, pad.0) }
        s[s.count - 1] = x[x.count - 1].map { outLength($0, size.1, stride.1, pad.1) }
        return s
    }

    /// Window `[start, end)` in real coordinates along one axis for each output position, and its divisor share.
    func windows(_ n: Int, _ k: Int, _ s: Int, _ p: Int) -> [(Int, Int, Int)] {
        (0..<outLength(n, k, s, p)).map { o in
            let start = o * s
            let paddedEnd = Swift.min(start + k, n + 2 * p)
            let lo = Swift.max(start - p, 0), hi = Swift.min(paddedEnd - p, n)
            let count = mode == .averageIncPad ? paddedEnd - start : hi - lo
            return (lo, Swift.max(hi, lo), count)
        }
    }

    func geometry(_ x: [Int]) -> PoolGeometry {
        let H = x[x.count - 2], W = x[x.count - 1]
        return PoolGeometry(N: x.dropLast(2).reduce(1, *), H: H, W: W,
                            rows: windows(H, size.0, stride.0, pad.0), cols: windows(W, size.1, stride.1, pad.1))
    }
}

struct PoolGeometry {
    let N, H, W: Int
    let rows, cols: [(Int, Int, Int)]
    var oh: Int { rows.count }
    var ow: Int { cols.count }

    /// Offset of the first maximum of window `(oy, ox)` within image `x` (NaN counts as the maximum).
    @inline(__always)
    func argmax(_ x: UnsafePointer<Float>, _ r: (Int, Int, Int), _ c: (Int, Int, Int)) -> Int {
        var best = -Float.infinity, at = r.0 * W + c.0
        for iy in r.0..<r.1 {
            let row = x + iy * W
            for ix in c.0..<c.1 {
                let v = row[ix]
                if v > best || (v.isNaN && !best.isNaN) { best = v; at = iy * W + ix }
            }
        }
        return at
    }
}

private func checkPoolInput(_ x: Node, _ op: String) throws {
    guard x.dtype == .float32 else { throw AgentNetError.dtype("\(op): the input must be float32, got \(x.dtype)") }
    guard x.rank >= 2 else { throw AgentNetError.shape("\(op): the input must have at least 2 axes, got shape \(formatShape(x.shape))") }
}

public struct Pool2DOp: Op {
    public let params: PoolParams
    public var name: String { "pool2d" }
    public var attributes: String { params.attributes }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        try params.validate()
        try checkPoolInput(inputs[0], name)
        return (.float32, params.inferShape(inputs[0].shape))
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] { params.outShape(ctx.shapes[0]) }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let g = params.geometry(inputs[0].shape)
        let x = UnsafePointer(inputs[0].floats), out = output.floats
        let image = g.H * g.W, outImage = g.oh * g.ow
        if params.mode == .max {
            return {
                for n in 0..<g.N {
                    let xi = x + n * image, o = out + n * outImage
                    for (oy, r) in g.rows.enumerated() {
                        for (ox, c) in g.cols.enumerated() {
                            o[oy * g.ow + ox] = r.1 > r.0 && c.1 > c.0 ? xi[g.argmax(xi, r, c)] : 0
                        }
                    }
                }
            }
        }
        let isSum = params.mode == .sum
        return {
            for n in 0..<g.N {
                let xi = x + n * image, o = out + n * outImage
                for (oy, r) in g.rows.enumerated() {
                    for (ox, c) in g.cols.enumerated() {
                        var acc: Float = 0
                        for iy in r.0..<r.1 {
                            let row = xi + iy * g.W
                            for ix in c.0..<c.1 { acc += row[ix] }
                        }
                        o[oy * g.ow + ox] = isSum ? acc : acc / Float(Swift.max(r.2 * c.2, 1))
                    }
                }
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let x = node.inputs[0]
        if params.mode == .max { return [try Node.make(MaxPoolGradOp(params: params), [x, g])] }
        return [try Node.make(AvgPoolGradOp(params: params, hint: x.shape), [g, T.shape(x)])]
    }
}

/// Gradient of max pooling: each output's gradient added at the first maximum of its window. Inputs: `x`, `g`.
public struct MaxPoolGradOp: Op {
    public let params: PoolParams
    public var name: String { "max_pool_grad" }
    public var attributes: String { params.attributes }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        try checkPoolInput(inputs[0], name)
        guard inputs[1].dtype == .float32, inputs[1].rank == inputs[0].rank else {
            throw AgentNetError.shape("\(name): the gradient must be float32 of rank \(inputs[0].rank)")
        }
        return (.float32, inputs[0].shape)
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        guard ctx.shapes[1] == params.outShape(ctx.shapes[0]) else {
            throw AgentNetError.shape("\(name): gradient of shape \(formatShape(ctx.shapes[1])) for a pooled output of shape \(formatShape(params.outShape(ctx.shapes[0])))")
        }
        return ctx.shapes[0]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let geo = params.geometry(inputs[0].shape)
        let x = UnsafePointer(inputs[0].floats), g = UnsafePointer(inputs[1].floats), dx = output.floats
        let image = geo.H * geo.W, outImage = geo.oh * geo.ow
        return {
            dx.update(repeating: 0, count: geo.N * image)
            for n in 0..<geo.N {
                let xi = x + n * image, gi = g + n * outImage, di = dx + n * image
                for (oy, r) in geo.rows.enumerated() {
                    for (ox, c) in geo.cols.enumerated() where r.1 > r.0 && c.1 > c.0 {
                        di[geo.argmax(xi, r, c)] += gi[oy * geo.ow + ox]
                    }
                }
            }
        }
    }

    /// Linear in `g`: for the upstream `h` (input-shaped), `d/dg` picks `h` at each window's maximum; zero in `x`
    /// (the maxima's positions are locally constant), as Theano.
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        [try T.zerosLike(node.inputs[0]), try Node.make(MaxPoolGatherOp(params: params), [node.inputs[0], h])]
    }
}

/// `h` (shaped like the pooled input) read at each window's first maximum of `x`: the adjoint of `MaxPoolGradOp`.
public struct MaxPoolGatherOp: Op {
    public let params: PoolParams
    public var name: String { "max_pool_gather" }
    public var attributes: String { params.attributes }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        try checkPoolInput(inputs[0], name)
        guard inputs[1].dtype == .float32, inputs[1].rank == inputs[0].rank else {
            throw AgentNetError.shape("\(name): the second operand must be float32 of rank \(inputs[0].rank)")
        }
        return (.float32, params.inferShape(inputs[0].shape))
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        guard ctx.shapes[0] == ctx.shapes[1] else {
            throw AgentNetError.shape("\(name): shapes \(formatShape(ctx.shapes[0])) and \(formatShape(ctx.shapes[1])) differ")
        }
        return params.outShape(ctx.shapes[0])
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let geo = params.geometry(inputs[0].shape)
        let x = UnsafePointer(inputs[0].floats), h = UnsafePointer(inputs[1].floats), out = output.floats
        let image = geo.H * geo.W, outImage = geo.oh * geo.ow
        return {
            for n in 0..<geo.N {
                let xi = x + n * image, hi = h + n * image, o = out + n * outImage
                for (oy, r) in geo.rows.enumerated() {
                    for (ox, c) in geo.cols.enumerated() {
                        o[oy * geo.ow + ox] = r.1 > r.0 && c.1 > c.0 ? hi[geo.argmax(xi, r, c)] : 0
                    }
                }
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try T.zerosLike(node.inputs[0]), try Node.make(MaxPoolGradOp(params: params), [node.inputs[0], g])]
    }
}

/// Gradient of average (or sum) pooling: each output's gradient spread over its window. Inputs: `g` and the
/// pooled input's shape (static).
public struct AvgPoolGradOp: Op {
    public let params: PoolParams
    public let hint: [Int?]
    public var name: String { "avg_pool_grad" }
    public var attributes: String { params.attributes }
    public var staticInputs: [Int] { [1] }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        guard inputs[0].dtype == .float32 else { throw AgentNetError.dtype("\(name): the gradient must be float32") }
        guard inputs[1].dtype == .int32, inputs[1].shape == [inputs[0].rank] else {
            throw AgentNetError.shape("\(name): the input shape must be an int vector of length \(inputs[0].rank)")
        }
        if let c = inputs[1].constantValue { return (.float32, (0..<c.count).map { Optional(Int(c.ints[$0])) }) }
        return (.float32, hint.count == inputs[0].rank ? hint : Array(repeating: nil, count: inputs[0].rank))
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let xs = try ctx.ints(1)
        guard xs.count >= 2, xs.allSatisfy({ $0 >= 0 }), ctx.shapes[0] == params.outShape(xs) else {
            throw AgentNetError.shape("\(name): gradient of shape \(formatShape(ctx.shapes[0])) for an input of shape \(formatShape(xs))")
        }
        return xs
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let geo = params.geometry(output.shape)
        let g = UnsafePointer(inputs[0].floats), dx = output.floats
        let image = geo.H * geo.W, outImage = geo.oh * geo.ow, isSum = params.mode == .sum
        return {
            dx.update(repeating: 0, count: geo.N * image)
            for n in 0..<geo.N {
                let gi = g + n * outImage, di = dx + n * image
                for (oy, r) in geo.rows.enumerated() {
                    for (ox, c) in geo.cols.enumerated() {
                        let v = isSum ? gi[oy * geo.ow + ox] : gi[oy * geo.ow + ox] / Float(Swift.max(r.2 * c.2, 1))
                        for iy in r.0..<r.1 {
                            let row = di + iy * geo.W
                            for ix in c.0..<c.1 { row[ix] += v }
                        }
                    }
                }
            }
        }
    }

    /// Linear in `g`; its adjoint is the pooling itself.
    public func gradient(_ node: Node, _ h: Node) throws -> [Node?] {
        [try Node.make(Pool2DOp(params: params), [h]), nil]
    }
}

public extension T {
    /// Pooling over the last two axes of `x` (see `Pool2DOp`); `stride` defaults to the pool size.
    static func pool2d(_ x: Node, size: (Int, Int), stride: (Int, Int)? = nil, pad: (Int, Int) = (0, 0),
                       ignoreBorder: Bool = true, mode: PoolMode = .max) throws -> Node {
        let p = PoolParams(size: size, stride: stride, pad: pad, ignoreBorder: ignoreBorder, mode: mode)
        return try Node.make(Pool2DOp(params: p), [try cast(x, .float32)])
    }
}
