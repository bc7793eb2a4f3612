/// Lasagne's pooling layers: `Pool1DLayer`/`Pool2DLayer` (and their max-pooling forms) over the last 1 or 2 axes of
/// `[batch, channels, spatial...]`, and `GlobalPoolLayer` (`[batch, channels, ...] -> [batch, channels]`).

/// The shared implementation; the subclasses fix `n` and, for the max-pooling ones, the mode.
public class BasePoolLayer: Layer {
    public let n: Int
    public let poolSize: [Int]
    public let stride: [Int]
    public let pad: [Int]
    public let ignoreBorder: Bool
    public let mode: PoolMode
    private let shape: [Int?]

    init(kind: String, inputShape: [Int?], n: Int, poolSize: [Int], stride: [Int]?, pad: [Int]?, ignoreBorder: Bool, mode: PoolMode,
         name: String?) throws {
        guard inputShape.count == n + 2 else {
            throw AgentNetError.shape("\(kind): Tried to create a \(n)D pooling layer with input shape \(formatShape(inputShape)). Expected \(n + 2) input dimensions (batchsize, channels, \(n) spatial dimensions).")
        }
        let stride = stride ?? poolSize, pad = pad ?? Array(repeating: 0, count: n)
        guard poolSize.count == n, stride.count == n, pad.count == n else {
            throw AgentNetError.invalid("\(kind): pool_size, stride and pad need \(n) entries, got \(poolSize), \(stride) and \(pad)")
        }
        guard (poolSize + stride).allSatisfy({ $0 > 0 }) else {
            throw AgentNetError.invalid("\(kind): pool_size and stride must be positive, got \(poolSize) and \(stride)")
        }
        guard zip(pad, poolSize).allSatisfy({ $0 >= 0 && $0 < $1 }) else {
            throw AgentNetError.invalid("\(kind): padding \(pad) must be non-negative and smaller than the pool size \(poolSize)")
        }
        guard ignoreBorder || pad.allSatisfy({ $0 == 0 }) else { throw AgentNetError.invalid("\(kind): padding works only with ignore_border=True") }
        var out = Array(inputShape.prefix(2))
        for i in 0..<n {
            guard let size = inputShape[2 + i] else { out.append(nil); continue }
            let (k, s, p) = (poolSize[i], stride[i], pad[i])
            var length: Int
            if ignoreBorder {
                length = (size + 2 * p - k + 1 + s - 1) / s
                if size + 2 * p - k + 1 <= 0 { length = 0 }
            } else {
                length = s >= k ? (size + s - 1) / s : Swift.max(0, (size - k + s - 1) / s) + 1
            }
            guard length > 0 else {
                throw AgentNetError.shape("\(kind): the pool window \(poolSize) is larger than the padded input: input shape \(formatShape(inputShape)), padding \(pad)")
            }
            out.append(length)
        }
        self.n = n
        self.poolSize = poolSize
        self.stride = stride
        self.pad = pad
        self.ignoreBorder = ignoreBorder
        self.mode = mode
        self.shape = out
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] { shape }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        let (k, s, p) = n == 2 ? ((poolSize[0], poolSize[1]), (stride[0], stride[1]), (pad[0], pad[1]))
                               : ((1, poolSize[0]), (1, stride[0]), (0, pad[0]))
        return try T.pool2d(inputs[0], size: k, stride: s, pad: p, ignoreBorder: ignoreBorder, mode: mode)
    }

    public override var attributes: [String] {
        ["pool_size=\(poolSize)", "stride=\(stride)", "pad=\(pad)", "mode=\(mode.rawValue)"] + (ignoreBorder ? [] : ["ignore_border=False"])
    }
}

/// 1-D pooling on `[batch, channels, length]`.
public class Pool1DLayer: BasePoolLayer {
    public init(inputShape: [Int?], poolSize: Int, stride: Int? = nil, pad: Int = 0, ignoreBorder: Bool = true, mode: PoolMode = .max,
                name: String? = nil) throws {
        try super.init(kind: "Pool1DLayer", inputShape: inputShape, n: 1, poolSize: [poolSize],
                       stride: stride.map { [$0] }, pad: [pad], ignoreBorder: ignoreBorder, mode: mode, name: name)
    }
}

/// 2-D pooling on `[batch, channels, rows, cols]`.
public class Pool2DLayer: BasePoolLayer {
    public init(inputShape: [Int?], poolSize: (Int, Int), stride: (Int, Int)? = nil, pad: (Int, Int) = (0, 0), ignoreBorder: Bool = true,
                mode: PoolMode = .max, name: String? = nil) throws {
        try super.init(kind: "Pool2DLayer", inputShape: inputShape, n: 2, poolSize: [poolSize.0, poolSize.1],
                       stride: stride.map { [$0.0, $0.1] }, pad: [pad.0, pad.1], ignoreBorder: ignoreBorder, mode: mode, name: name)
    }
}

public final class MaxPool1DLayer: Pool1DLayer {
    public init(inputShape: [Int?], poolSize: Int, stride: Int? = nil, pad: Int = 0, ignoreBorder: Bool = true, name: String? = nil) throws {
        try super.init(inputShape: inputShape, poolSize: poolSize, stride: stride, pad: pad, ignoreBorder: ignoreBorder, mode: .max, name: name)
    }
}

public final class MaxPool2DLayer: Pool2DLayer {
    public init(inputShape: [Int?], poolSize: (Int, Int), stride: (Int, Int)? = nil, pad: (Int, Int) = (0, 0), ignoreBorder: Bool = true,
                name: String? = nil) throws {
        try super.init(inputShape: inputShape, poolSize: poolSize, stride: stride, pad: pad, ignoreBorder: ignoreBorder, mode: .max, name: name)
    }
}

/// Reduces each channel over all its positions: `[batch, channels, ...] -> [batch, channels]`.
public final class GlobalPoolLayer: Layer {
    public let function: ReduceKind

    public init(inputShape: [Int?], function: ReduceKind = .mean, name: String? = nil) throws {
        guard inputShape.count >= 3 else {
            throw AgentNetError.shape("GlobalPoolLayer needs an input with at least 3 dimensions, got \(formatShape(inputShape))")
        }
        self.function = function
        super.init(inputShapes: [inputShape], name: name)
    }

    public override var outputShape: [Int?] { Array(inputShapes[0].prefix(2)) }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.reduce(function, T.flatten(inputs[0], ndim: 3), axes: [2])
    }

    public override var attributes: [String] { ["pool_function=\(function.rawValue)"] }
}

extension LayerRegistry {
    static func poolLayer(_ n: Int, max: Bool) -> Maker {
        { s in
            let size = try s.tuple("pool_size", n)
            let stride = s.attrs["stride"].map { $0.isNull } ?? true ? nil : try s.tuple("stride", n)
            let pad = try s.tuple("pad", n, Array(repeating: 0, count: n)), border = try s.bool("ignore_border", true)
            var mode = PoolMode.max
            if !max {
                let m = try s.string("mode", "max")
                guard let pm = PoolMode(rawValue: m) else {
                    throw AgentNetError.invalid("\(s.kind): mode must be one of 'max', 'sum', 'average_inc_pad', 'average_exc_pad', got '\(m)'")
                }
                mode = pm
            }
            switch (n, max) {
            case (1, true): return try MaxPool1DLayer(inputShape: s.one(), poolSize: size[0], stride: stride?[0], pad: pad[0], ignoreBorder: border, name: s.name)
            case (1, false): return try Pool1DLayer(inputShape: s.one(), poolSize: size[0], stride: stride?[0], pad: pad[0], ignoreBorder: border, mode: mode, name: s.name)
            case (_, true): return try MaxPool2DLayer(inputShape: s.one(), poolSize: (size[0], size[1]), stride: stride.map { ($0[0], $0[1]) },
                                                      pad: (pad[0], pad[1]), ignoreBorder: border, name: s.name)
            default: return try Pool2DLayer(inputShape: s.one(), poolSize: (size[0], size[1]), stride: stride.map { ($0[0], $0[1]) },
                                            pad: (pad[0], pad[1]), ignoreBorder: border, mode: mode, name: s.name)
            }
        }
    }

    static let poolLayers: [String: Maker] = [
        "Pool1DLayer": poolLayer(1, max: false), "MaxPool1DLayer": poolLayer(1, max: true),
        "Pool2DLayer": poolLayer(2, max: false), "MaxPool2DLayer": poolLayer(2, max: true),
        "GlobalPoolLayer": { s in
            let f = try s.string("pool_function", "mean")
            guard let k = ReduceKind(rawValue: f) else {
                throw AgentNetError.invalid("GlobalPoolLayer: pool_function must be one of mean, max, min, sum, prod, got '\(f)'")
            }
            return try GlobalPoolLayer(inputShape: s.one(), function: k, name: s.name)
        },
    ]
}
