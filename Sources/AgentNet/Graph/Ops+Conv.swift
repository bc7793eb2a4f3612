/// 2-D convolution on NCHW tensors (Theano's `conv2d`): input `[B, C, H, W]`, filters `[F, C, kh, kw]`, output
/// `[B, F, oh, ow]` with `oh = (H + 2·ph − ((kh − 1)·dh + 1)) / sh + 1`.
///
/// Implemented as im2col + `sgemm`: the columns of several batch items are laid side by side so one product
/// covers them (small feature maps late in a network would otherwise make many tiny products). `flip` selects true
/// convolution (Theano's default, the kernel is flipped spatially) over cross-correlation; the flip is folded into
/// the im2col index mapping, so filters are never copied. The two gradients are separate ops
/// (`Conv2DInputGradOp`, `Conv2DFilterGradOp`); all three are linear in each argument, so each one's gradient is
/// another of the three and derivatives of any order work.

/// Padding of a convolution: explicit sizes, or resolved from the kernel size when the plan is built.
public enum ConvPad: Equatable, Sendable, CustomStringConvertible {
    /// `(ph, pw)` zeros on each side.
    case explicit(Int, Int)
    /// Theano's `full`: `(k − 1)·d` on each side (every partial overlap).
    case full
    /// Theano's `half` (Lasagne's `same` for odd kernels): `((k − 1)·d + 1) / 2` on each side.
    case half

    func resolve(_ kh: Int, _ kw: Int, _ dh: Int, _ dw: Int) -> (Int, Int) {
        switch self {
        case .explicit(let a, let b): return (a, b)
        case .full: return ((kh - 1) * dh, (kw - 1) * dw)
        case .half: return (((kh - 1) * dh + 1) / 2, ((kw - 1) * dw + 1) / 2)
        }
    }

    public var description: String {
        switch self {
        case .explicit(let a, let b): return "(\(a), \(b))"
        case .full: return "full"
        case .half: return "half"
        }
    }
}

/// Stride, padding, dilation and flip shared by a convolution and its gradient ops.
public struct ConvParams: Equatable, Sendable {
    public var stride: (Int, Int)
    public var pad: ConvPad
    public var dilation: (Int, Int)
    public var flip: Bool

    public init(stride: (Int, Int) = (1, 1), pad: ConvPad = .explicit(0, 0), dilation: (Int, Int) = (1, 1), flip: Bool = true) {
        self.stride = stride
        self.pad = pad
        self.dilation = dilation
        self.flip = flip
    }

    public static func == (a: ConvParams, b: ConvParams) -> Bool {
        a.stride == b.stride && a.pad == b.pad && a.dilation == b.dilation && a.flip == b.flip
    }

    var attributes: String {
        "stride=(\(stride.0), \(stride.1)), pad=\(pad), dilation=(\(dilation.0), \(dilation.1))" + (flip ? "" : ", cross-correlation")
    }

    func validate() throws {
        guard stride.0 >= 1, stride.1 >= 1 else { throw AgentNetError.invalid("conv2d: strides must be positive, got (\(stride.0), \(stride.1))") }
        guard dilation.0 >= 1, dilation.1 >= 1 else { throw AgentNetError.invalid("conv2d: filter dilation must be positive, got (\(dilation.0), \(dilation.1))") }
        if case .explicit(let a, let b) = pad, a < 0 || b < 0 {
            throw AgentNetError.invalid("conv2d: padding must be non-negative, got (\(a), \(b))")
        }
        // Bounds that keep every size product (span, padded length, column count) far from overflowing.
        let limit = 1 << 24
        if case .explicit(let a, let b) = pad, a > limit || b > limit {
            throw AgentNetError.invalid("conv2d: padding (\(a), \(b)) is out of range (at most \(limit))")
        }
        guard stride.0 <= limit, stride.1 <= limit, dilation.0 <= limit, dilation.1 <= limit else {
            throw AgentNetError.invalid("conv2d: stride (\(stride.0), \(stride.1)) or dilation (\(dilation.0), \(dilation.1)) is out of range (at most \(limit))")
        }
    }

    /// Output length along one axis; nil when a needed size is unknown.
    static func outLength(_ n: Int?, _ k: Int?, _ s: Int, _ p: Int?, _ d: Int) -> Int? {
        guard let n, let k, let p else { return nil }
        // Sizes are below 2^40 and d, p below 2^24 (`validate`), so these cannot overflow.
        let span = (k - 1) * d + 1
        let v = n + 2 * p - span
        return v < 0 ? nil : v / s + 1
    }

    /// Static output shape from static input and filter shapes (`nil` for what is unknown).
    /// Static output shape; throws when the known sizes already show the filters do not fit the padded input.
    func inferOutput(_ x: [Int?], _ w: [Int?], _ op: String) throws -> [Int?] {
        var ph: Int?, pw: Int?
        switch pad {
        case .explicit(let a, let b): (ph, pw) = (a, b)
        default:
            if let kh = w[2], let kw = w[3] { (ph, pw) = pad.resolve(kh, kw, dilation.0, dilation.1) }
        }
        for (n, k, p, d) in [(x[2], w[2], ph, dilation.0), (x[3], w[3], pw, dilation.1)] {
            if let n, let k, let p, k >= 1, ConvParams.outLength(n, k, 1, p, d) == nil {
                throw AgentNetError.shape("\(op): filters of shape \(formatShape(w)) (dilation (\(dilation.0), \(dilation.1))) do not fit (are larger than) the input of shape \(formatShape(x)) padded by (\(ph.map(String.init) ?? "?"), \(pw.map(String.init) ?? "?"))")
            }
        }
        return [x[0], w[0], ConvParams.outLength(x[2], w[2], stride.0, ph, dilation.0),
                ConvParams.outLength(x[3], w[3], stride.1, pw, dilation.1)]
    }

    /// Every size of a convolution of an input of shape `x` with filters of shape `w`; throws when they don't fit.
    func dims(_ x: [Int], _ w: [Int], _ op: String) throws -> ConvDims {
        guard x.count == 4, w.count == 4 else {
            throw AgentNetError.shape("\(op): expected a [batch, channels, rows, cols] input and [filters, channels, rows, cols] filters, got \(formatShape(x)) and \(formatShape(w))")
        }
        guard x[1] == w[1] else {
            throw AgentNetError.shape("\(op): the input has \(x[1]) channels but the filters expect \(w[1]) (shapes \(formatShape(x)) and \(formatShape(w)))")
        }
        guard w[0] >= 1, w[1] >= 1, w[2] >= 1, w[3] >= 1 else {
            throw AgentNetError.shape("\(op): filters of shape \(formatShape(w)) are empty")
        }
        let (ph, pw) = pad.resolve(w[2], w[3], dilation.0, dilation.1)
        guard let oh = ConvParams.outLength(x[2], w[2], stride.0, ph, dilation.0),
              let ow = ConvParams.outLength(x[3], w[3], stride.1, pw, dilation.1) else {
            throw AgentNetError.shape("\(op): filters of shape \(formatShape(w)) (dilation (\(dilation.0), \(dilation.1))) do not fit an input of shape \(formatShape(x)) padded by (\(ph), \(pw))")
        }
        let d = ConvDims(B: x[0], C: x[1], H: x[2], W: x[3], F: w[0], kh: w[2], kw: w[3], sh: stride.0, sw: stride.1,
                         ph: ph, pw: pw, dh: dilation.0, dw: dilation.1, oh: oh, ow: ow, flip: flip)
        // The columns are [K, P] per item and BLAS indexes them with 32-bit sizes.
        let (k, o1) = w[1].multipliedReportingOverflow(by: w[2]), (kk, o2) = k.multipliedReportingOverflow(by: w[3])
        let (p, o3) = oh.multipliedReportingOverflow(by: ow), (kp, o4) = kk.multipliedReportingOverflow(by: p)
        guard !(o1 || o2 || o3 || o4), kp <= Int(Int32.max), x[0] <= Int(Int32.max), w[0] <= Int(Int32.max),
              Int(Int32.max) / Swift.max(p, 1) >= x[0] else {
            throw AgentNetError.shape("\(op): the columns of filters \(formatShape(w)) over an input of shape \(formatShape(x)) are too large for BLAS (32-bit sizes)")
        }
        return d
    }
}

/// All sizes of one convolution, resolved.
struct ConvDims {
    let B, C, H, W, F, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow: Int
    let flip: Bool
    var K: Int { C * kh * kw }
    var P: Int { oh * ow }
    var inputShape: [Int] { [B, C, H, W] }
    var filterShape: [Int] { [F, C, kh, kw] }
    var outputShape: [Int] { [B, F, oh, ow] }

    /// Batch items per product: as many as keep the column buffer near 1 MB, about one core's L2 (at least one).
    var chunk: Int { Swift.max(1, Swift.min(B, (1 << 18) / Swift.max(K * P, 1))) }
}

/// Scratch memory owned by a kernel closure for the plan's lifetime.
/// Zeroed float scratch of a kernel, counted against `MemoryLimit` (im2col columns can be far larger than the
/// tensors they expand: a big filter over a big input).
final class ScratchBuffer: @unchecked Sendable {
    let p: UnsafeMutablePointer<Float>
    private let storage: TensorStorage
    init(_ count: Int) throws {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 4)
        guard count >= 0, !overflow else { throw AgentNetError(.memory, "convolution scratch of \(count) floats is too large") }
        storage = try TensorStorage(byteCount: bytes, for: "convolution scratch")
        p = storage.raw.assumingMemoryBound(to: Float.self)
    }
}

/// `[B, F, P]` (batch items `b0..<b0+n`) ↔ `[F, n·P]`: the layout a multi-item product reads and writes.
@inline(__always)
func gatherFeatures(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ F: Int, _ P: Int, _ n: Int) {
    for t in 0..<n { for f in 0..<F {
        let d = dst + f * n * P + t * P, s = src + (t * F + f) * P
        var p = 0
        while p < P { d[p] = s[p]; p &+= 1 }
    } }
}

@inline(__always)
func scatterFeatures(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ F: Int, _ P: Int, _ n: Int) {
    for t in 0..<n { for f in 0..<F {
        let d = dst + (t * F + f) * P, s = src + f * n * P + t * P
        var p = 0
        while p < P { d[p] = s[p]; p &+= 1 }
    } }
}

func checkFloat(_ nodes: [Node], _ op: String) throws {
    for n in nodes where n.dtype != .float32 {
        throw AgentNetError.dtype("\(op): operands must be float32, got \(n.dtype)")
    }
}

func checkRank4(_ n: Node, _ what: String, _ op: String) throws {
    guard n.rank == 4 else { throw AgentNetError.shape("\(op): the \(what) must have rank 4, got shape \(formatShape(n.shape))") }
}

/// A static shape vector's known values (from a constant), or `fallback`.
func staticShape(_ n: Node, _ fallback: [Int?]) -> [Int?] {
    if let c = n.constantValue, c.count == 4 { return (0..<4).map { Optional(Int(c.ints[$0])) } }
    return fallback
}

public struct Conv2DOp: Op {
    public let params: ConvParams
    public var name: String { "conv2d" }
    public var attributes: String { params.attributes }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        try params.validate()
        let x = inputs[0], w = inputs[1]
        try checkFloat(inputs, name)
        try checkRank4(x, "input", name)
        try checkRank4(w, "filters", name)
        if let a = x.shape[1], let b = w.shape[1], a != b {
            throw AgentNetError.shape("conv2d: the input has \(a) channels but the filters expect \(b) (shapes \(formatShape(x.shape)) and \(formatShape(w.shape)))")
        }
        return (.float32, try params.inferOutput(x.shape, w.shape, name))
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] { try params.dims(ctx.shapes[0], ctx.shapes[1], name).outputShape }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel { try kernel(inputs, output, bias: nil) }

    /// With `bias` (`F` floats, plan-time fusion of `conv2d(x, w) + b` for a `[1, F, 1, 1]` b, PlanFusion.swift)
    /// each product starts from rows filled with the bias (beta = 1) instead of a separate broadcast add pass.
    /// With `columns` (ConvColumns.swift) the columns of the whole batch are kept there for the filter gradient.
    func kernel(_ inputs: [Tensor], _ output: Tensor, bias: Tensor?, columns: ConvColumns? = nil) throws -> Kernel {
        let d = try params.dims(inputs[0].shape, inputs[1].shape, name)
        let pbias = bias.map { UnsafePointer($0.floats) }
        let x = UnsafePointer(inputs[0].floats), w = UnsafePointer(inputs[1].floats), out = output.floats
        if d.shifted { return try ConvShifted.forward(d, x, w, out, bias: pbias) }
        let K = d.K, P = d.P, F = d.F, nb = d.chunk, image = d.C * d.H * d.W
        let kept = columns.flatMap { $0.fits(d) ? $0 : nil }
        let scratch = try ScratchBuffer(kept == nil ? K * nb * P : 0)
        let tmp = try ScratchBuffer(nb > 1 ? F * nb * P : 0), planes = try ScratchBuffer(d.planesCount)
        return {
            var b0 = 0
            while b0 < d.B {
                let n = Swift.min(nb, d.B - b0), ld = n * P
                let col = kept?.columns(at: b0) ?? scratch.p
                for t in 0..<n { d.im2col(x + (b0 + t) * image, col, ld, t * P, planes.p) }
                let dst = n == 1 ? out + b0 * F * P : tmp.p
                if let pbias { for f in 0..<F { (dst + f * ld).update(repeating: pbias[f], count: ld) } }
                sgemm(false, false, Int32(F), Int32(ld), Int32(K), 1,
                            w, Int32(K), col, Int32(ld), pbias == nil ? 0 : 1, dst, Int32(ld))
                if n > 1 { scatterFeatures(tmp.p, out + b0 * F * P, F, P, n) }
                b0 += n
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        let x = node.inputs[0], w = node.inputs[1]
        return [try T.conv2dInputGrad(g, w, inputShape: T.shape(x), params: params, staticShape: x.shape),
                try T.conv2dFilterGrad(x, g, filterShape: T.shape(w), params: params, staticShape: w.shape)]
    }
}

// MARK: - Registry

extension OpRegistry {
    /// `conv2d`, `conv1d` and `pool2d` from JSON attributes named as in the Python API.
    static func makeConvolutionNode(_ kind: String, _ attrs: JSON, _ inputs: [Node]) throws -> Node {
        let n = kind == "conv1d" ? 1 : 2
        /// An int or a list of `n` ints (a single int is repeated).
        func tuple(_ key: String, _ dflt: [Int]) throws -> [Int] {
            guard let v = attrs[key], !v.isNull else { return dflt }
            if case .number = v, let i = v.int { return Array(repeating: i, count: n) }
            guard let a = v.array, a.count == n, case let ints = a.compactMap({ j -> Int? in
                if case .number = j { return j.int }
                return nil
            }), ints.count == n else {
                throw AgentNetError.invalid("\(kind): attribute '\(key)' must be an integer or a list of \(n) integers, got \(v.serialized)")
            }
            return ints
        }
        func flag(_ key: String, _ dflt: Bool) throws -> Bool {
            guard let v = attrs[key], !v.isNull else { return dflt }
            guard let b = v.bool else { throw AgentNetError.invalid("\(kind): attribute '\(key)' must be a boolean, got \(v.serialized)") }
            return b
        }
        func arity(_ k: Int) throws {
            guard inputs.count == k else { throw AgentNetError.invalid("\(kind) takes \(k) input(s), got \(inputs.count)") }
        }
        switch kind {
        case "conv2d", "conv1d":
            try arity(2)
            var pad = ConvPad.explicit(0, 0)
            if let v = attrs["pad"], !v.isNull {
                if let s = v.string {
                    switch s {
                    case "valid": pad = .explicit(0, 0)
                    case "full": pad = .full
                    case "half", "same": pad = .half
                    default: throw AgentNetError.invalid("\(kind): pad must be 'valid', 'full', 'half', 'same' or integers, got '\(s)'")
                    }
                } else {
                    let p = try tuple("pad", [0])
                    pad = n == 1 ? .explicit(0, p[0]) : .explicit(p[0], p[1])
                }
            }
            let stride = try tuple("stride", Array(repeating: 1, count: n))
            let dilation = try tuple("filter_dilation", Array(repeating: 1, count: n))
            let flip = try flag("flip_filters", true)
            if n == 1 {
                if case .explicit(_, let b) = pad { pad = .explicit(0, b) }
                return try T.conv1d(inputs[0], inputs[1], stride: stride[0], pad: pad, dilation: dilation[0], flip: flip)
            }
            return try T.conv2d(inputs[0], inputs[1], stride: (stride[0], stride[1]), pad: pad,
                                dilation: (dilation[0], dilation[1]), flip: flip)
        case "pool2d":
            try arity(1)
            guard attrs["pool_size"] != nil, !(attrs["pool_size"]!.isNull) else { throw AgentNetError.invalid("pool2d: missing attribute 'pool_size'") }
            let size = try tuple("pool_size", [1, 1])
            let stride = try tuple("stride", size)
            let pad = try tuple("pad", [0, 0])
            let modeName = attrs["mode"]?.string ?? "max"
            guard let mode = PoolMode(rawValue: modeName) else {
                throw AgentNetError.invalid("pool2d: mode must be 'max', 'sum', 'average_inc_pad' or 'average_exc_pad', got '\(modeName)'")
            }
            return try T.pool2d(inputs[0], size: (size[0], size[1]), stride: (stride[0], stride[1]), pad: (pad[0], pad[1]),
                                ignoreBorder: try flag("ignore_border", true), mode: mode)
        default:
            throw AgentNetError.invalid("unknown op kind '\(kind)'")
        }
    }
}
