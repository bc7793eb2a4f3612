/// Lasagne's `Conv1DLayer` and `Conv2DLayer`: `nonlinearity(conv(input, W) + b)` on `[batch, channels, spatial...]`
/// inputs with `n` (1 or 2) spatial axes, filters `W [numFilters, channels, filterSize...]` and biases `b`
/// `[numFilters]` (or `[numFilters, output spatial...]` when untied). Computed by the engine's convolution op.

/// Zero padding of a convolution layer (Lasagne's `pad`).
public enum ConvLayerPad: Equatable, Sendable {
    /// No padding (`'valid'`, 0).
    case valid
    /// `(k - 1)·d` on each side: every partial overlap.
    case full
    /// `(k - 1)·d / 2` on each side, odd filter sizes only: the output keeps the input's size at stride 1.
    case same
    /// Explicit padding per spatial axis, on each side.
    case explicit([Int])
}

/// The shared implementation; `Conv1DLayer` and `Conv2DLayer` fix `n`.
public class BaseConvLayer: Layer {
    public let n: Int
    public let numFilters: Int
    public let filterSize: [Int]
    public let stride: [Int]
    public let pad: ConvLayerPad
    public let dilation: [Int]
    public let flipFilters: Bool
    public let untieBiases: Bool
    /// Settable so `batch_norm` can move the nonlinearity after the normalization.
    public var nonlinearity: Nonlinearity
    public private(set) var W: SharedValue!
    public private(set) var b: SharedValue?
    /// The padding as integers per spatial axis.
    public let numericPad: [Int]
    private let shape: [Int?]

    public init(inputShape: [Int?], n: Int, numFilters: Int, filterSize: [Int], stride: [Int]? = nil, pad: ConvLayerPad = .valid,
                untieBiases: Bool = false, W: ParamSpec = .initializer(.glorotUniform(gain: 1)), b: ParamSpec? = .initializer(.constant(0)),
                nonlinearity: Nonlinearity = .rectify, flipFilters: Bool = true, dilation: [Int]? = nil, name: String? = nil) throws {
        let kind = "Conv\(n)DLayer"
        guard n == 1 || n == 2 else { throw AgentNetError.invalid("BaseConvLayer: \(n) spatial dimensions are not supported (1 or 2)") }
        guard inputShape.count == n + 2 else {
            throw AgentNetError.shape("\(kind): Tried to create a \(n)D convolution layer with input shape \(formatShape(inputShape)). Expected \(n + 2) input dimensions (batchsize, channels, \(n) spatial dimensions).")
        }
        let stride = stride ?? Array(repeating: 1, count: n), dilation = dilation ?? Array(repeating: 1, count: n)
        guard filterSize.count == n, stride.count == n, dilation.count == n else {
            throw AgentNetError.invalid("\(kind): filter_size, stride and filter_dilation need \(n) entries, got \(filterSize), \(stride) and \(dilation)")
        }
        guard numFilters > 0 else { throw AgentNetError.invalid("\(kind): num_filters must be positive, got \(numFilters)") }
        guard (filterSize + stride + dilation).allSatisfy({ $0 > 0 }) else {
            throw AgentNetError.invalid("\(kind): filter_size, stride and filter_dilation must be positive, got \(filterSize), \(stride) and \(dilation)")
        }
        guard let channels = inputShape[1] else {
            throw AgentNetError.shape("\(kind): the number of input channels must be known, got input shape \(formatShape(inputShape))")
        }
        let dilated = zip(filterSize, dilation).map { ($0 - 1) * $1 + 1 }
        switch pad {
        case .valid: numericPad = Array(repeating: 0, count: n)
        case .full: numericPad = dilated.map { $0 - 1 }
        case .same:
            guard filterSize.allSatisfy({ $0 % 2 == 1 }) else { throw AgentNetError.invalid("\(kind): `same` padding requires odd filter size, got \(filterSize)") }
            numericPad = dilated.map { $0 / 2 }
        case .explicit(let p):
            guard p.count == n, p.allSatisfy({ $0 >= 0 }) else { throw AgentNetError.invalid("\(kind): padding must be \(n) non-negative integers, got \(p)") }
            numericPad = p
        }
        var out: [Int?] = [inputShape[0], numFilters]
        for i in 0..<n {
            guard let size = inputShape[2 + i] else { out.append(nil); continue }
            let length = size + 2 * numericPad[i] - dilated[i] + 1
            guard length > 0 else {
                throw AgentNetError.shape("\(kind): the filter (\(dilated.map(String.init).joined(separator: "x")) with dilation) is larger than the padded input: input shape \(formatShape(inputShape)), padding \(numericPad)")
            }
            out.append((length + stride[i] - 1) / stride[i])
        }
        self.n = n
        self.numFilters = numFilters
        self.filterSize = filterSize
        self.stride = stride
        self.pad = pad
        self.dilation = dilation
        self.flipFilters = flipFilters
        self.untieBiases = untieBiases
        self.nonlinearity = nonlinearity
        self.shape = out
        super.init(inputShapes: [inputShape], name: name)
        self.W = try addParam(W, shape: [numFilters, channels] + filterSize, name: "W")
        if let b {
            var bshape = [numFilters]
            if untieBiases {
                guard out[2...].allSatisfy({ $0 != nil }) else {
                    throw AgentNetError.shape("\(kind): untie_biases needs known input sizes, got input shape \(formatShape(inputShape))")
                }
                bshape += out[2...].map { $0! }
            }
            self.b = try addParam(b, shape: bshape, name: "b", tags: ["trainable"])
        }
    }

    public override var outputShape: [Int?] { shape }

    /// Drops the bias (`batch_norm` replaces it with the normalization's beta).
    public func removeBias() throws {
        guard let b else { return }
        if let i = params.firstIndex(where: { $0.value === b }) { try removeParam(at: i) }
        self.b = nil
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        var y: Node
        if n == 2 {
            y = try T.conv2d(inputs[0], W.node, stride: (stride[0], stride[1]), pad: .explicit(numericPad[0], numericPad[1]),
                             dilation: (dilation[0], dilation[1]), flip: flipFilters)
        } else {
            y = try T.conv1d(inputs[0], W.node, stride: stride[0], pad: .explicit(0, numericPad[0]), dilation: dilation[0], flip: flipFilters)
        }
        if let b {
            let pattern = untieBiases ? [-1] + Array(0...n) : [-1, 0] + Array(repeating: -1, count: n)
            y = try T.add(y, T.dimshuffle(b.node, pattern))
        }
        return try nonlinearity.apply(y)
    }

    public override var attributes: [String] {
        ["num_filters=\(numFilters)", "filter_size=\(filterSize)", "stride=\(stride)", "pad=\(numericPad)",
         "filter_dilation=\(dilation)", "nonlinearity=\(nonlinearity.name)"]
            + (flipFilters ? [] : ["flip_filters=False"]) + (untieBiases ? ["untie_biases=True"] : []) + (b == nil ? ["b=None"] : [])
    }
}

/// 1-D convolution on `[batch, channels, length]`.
public final class Conv1DLayer: BaseConvLayer {
    public init(inputShape: [Int?], numFilters: Int, filterSize: Int, stride: Int = 1, pad: ConvLayerPad = .valid,
                untieBiases: Bool = false, W: ParamSpec = .initializer(.glorotUniform(gain: 1)), b: ParamSpec? = .initializer(.constant(0)),
                nonlinearity: Nonlinearity = .rectify, flipFilters: Bool = true, dilation: Int = 1, name: String? = nil) throws {
        try super.init(inputShape: inputShape, n: 1, numFilters: numFilters, filterSize: [filterSize], stride: [stride], pad: pad,
                       untieBiases: untieBiases, W: W, b: b, nonlinearity: nonlinearity, flipFilters: flipFilters, dilation: [dilation], name: name)
    }
}

/// 2-D convolution on `[batch, channels, rows, cols]`.
public final class Conv2DLayer: BaseConvLayer {
    public init(inputShape: [Int?], numFilters: Int, filterSize: (Int, Int), stride: (Int, Int) = (1, 1), pad: ConvLayerPad = .valid,
                untieBiases: Bool = false, W: ParamSpec = .initializer(.glorotUniform(gain: 1)), b: ParamSpec? = .initializer(.constant(0)),
                nonlinearity: Nonlinearity = .rectify, flipFilters: Bool = true, dilation: (Int, Int) = (1, 1), name: String? = nil) throws {
        try super.init(inputShape: inputShape, n: 2, numFilters: numFilters, filterSize: [filterSize.0, filterSize.1],
                       stride: [stride.0, stride.1], pad: pad, untieBiases: untieBiases, W: W, b: b, nonlinearity: nonlinearity,
                       flipFilters: flipFilters, dilation: [dilation.0, dilation.1], name: name)
    }
}

extension LayerRegistry {
    static func convLayer(_ n: Int) -> Maker {
        { s in
            var pad = ConvLayerPad.valid
            if let v = s.attrs["pad"], !v.isNull {
                switch v.string {
                case "valid": pad = .valid
                case "full": pad = .full
                case "same": pad = .same
                case nil: pad = .explicit(try s.tuple("pad", n))
                case let other?: throw AgentNetError.invalid("\(s.kind): pad must be 'valid', 'full', 'same' or integers, got '\(other)'")
                }
            }
            let k = try s.tuple("filter_size", n), st = try s.tuple("stride", n, Array(repeating: 1, count: n))
            let d = try s.tuple("filter_dilation", n, Array(repeating: 1, count: n))
            let (f, w, b) = (try s.int("num_filters"), try s.requiredParam("W", .glorotUniform(gain: 1)), try s.param("b", .constant(0)))
            let (untie, flip, nl) = (try s.bool("untie_biases", false), try s.bool("flip_filters", true), try s.nonlinearity())
            if n == 1 {
                return try Conv1DLayer(inputShape: s.one(), numFilters: f, filterSize: k[0], stride: st[0], pad: pad, untieBiases: untie,
                                       W: w, b: b, nonlinearity: nl, flipFilters: flip, dilation: d[0], name: s.name)
            }
            return try Conv2DLayer(inputShape: s.one(), numFilters: f, filterSize: (k[0], k[1]), stride: (st[0], st[1]), pad: pad,
                                   untieBiases: untie, W: w, b: b, nonlinearity: nl, flipFilters: flip, dilation: (d[0], d[1]), name: s.name)
        }
    }

    static let convLayers: [String: Maker] = ["Conv1DLayer": convLayer(1), "Conv2DLayer": convLayer(2)]
}
