import AgentNet
import AgentNetTestSupport
import Testing

/// Direct-loop convolution (float64 accumulation) on NCHW arrays (also used by ConvShiftedTests).
func referenceConv(_ x: Tensor, _ w: Tensor, stride: (Int, Int), pad: (Int, Int), dilation: (Int, Int), flip: Bool) -> ([Float], [Int]) {
    let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (F, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (H + 2 * pad.0 - (kh - 1) * dilation.0 - 1) / stride.0 + 1
    let ow = (W + 2 * pad.1 - (kw - 1) * dilation.1 - 1) / stride.1 + 1
    let xs = x.scalars, ws = w.scalars
    var out = [Float](repeating: 0, count: B * F * oh * ow)
    for b in 0..<B { for f in 0..<F { for oy in 0..<oh { for ox in 0..<ow {
        var acc = 0.0
        for c in 0..<C { for i in 0..<kh { for j in 0..<kw {
            let iy = oy * stride.0 - pad.0 + i * dilation.0, ix = ox * stride.1 - pad.1 + j * dilation.1
            guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
            let (wi, wj) = flip ? (kh - 1 - i, kw - 1 - j) : (i, j)
            acc += Double(xs[((b * C + c) * H + iy) * W + ix]) * Double(ws[((f * C + c) * kh + wi) * kw + wj])
        } } }
        out[((b * F + f) * oh + oy) * ow + ox] = Float(acc)
    } } } }
    return (out, [B, F, oh, ow])
}

/// Direct-loop pooling over the last two axes of a rank-4 array (Theano's semantics, see `Pool2DOp`).
private func referencePool(_ x: Tensor, _ p: PoolParams) -> ([Float], [Int]) {
    let (N, H, W) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
    func length(_ n: Int, _ k: Int, _ s: Int, _ pad: Int) -> Int {
        if p.ignoreBorder { return Swift.max(0, (n + 2 * pad - k) / s + 1) }
        return s >= k ? (n - 1) / s + 1 : Swift.max(0, (n - k + s - 1) / s) + 1
    }
    let oh = length(H, p.size.0, p.stride.0, p.pad.0), ow = length(W, p.size.1, p.stride.1, p.pad.1)
    let xs = x.scalars
    var out = [Float](repeating: 0, count: N * oh * ow)
    for n in 0..<N { for oy in 0..<oh { for ox in 0..<ow {
        let r0 = oy * p.stride.0, c0 = ox * p.stride.1
        let r1 = Swift.min(r0 + p.size.0, H + 2 * p.pad.0), c1 = Swift.min(c0 + p.size.1, W + 2 * p.pad.1)
        var best = -Float.infinity, sum = 0.0, count = 0
        for r in r0..<r1 { for c in c0..<c1 {
            let iy = r - p.pad.0, ix = c - p.pad.1
            guard iy >= 0, iy < H, ix >= 0, ix < W else { continue }
            let v = xs[(n * H + iy) * W + ix]
            best = Swift.max(best, v); sum += Double(v); count += 1
        } }
        let v: Float
        switch p.mode {
        case .max: v = best
        case .sum: v = Float(sum)
        case .averageIncPad: v = Float(sum / Double((r1 - r0) * (c1 - c0)))
        case .averageExcPad: v = Float(sum / Double(count))
        }
        out[(n * oh + oy) * ow + ox] = v
    } } }
    return (out, [x.shape[0], x.shape[1], oh, ow])
}

@Suite struct ConvTests {
    @Test(arguments: [
        ((1, 1), ConvPad.explicit(0, 0), (1, 1), true),
        ((2, 3), ConvPad.explicit(1, 2), (1, 1), false),
        ((1, 2), ConvPad.full, (2, 1), true),
        ((2, 1), ConvPad.half, (1, 2), false),
    ])
    func conv2dForwardMatchesDirectLoops(_ stride: (Int, Int), _ pad: ConvPad, _ dilation: (Int, Int), _ flip: Bool) throws {
        // batch 5 spans several im2col chunks only for big images; 1 and 5 cover the single- and multi-item paths
        for batch in [1, 5] {
            let xv = Check.random([batch, 3, 9, 8], seed: 3), wv = Check.random([4, 3, 3, 2], seed: 4)
            let x = Node.input("x", shape: [nil, 3, 9, 8]), w = Node.input("w", shape: [4, 3, 3, 2])
            let y = try T.conv2d(x, w, stride: stride, pad: pad, dilation: dilation, flip: flip)
            let out = try Function(inputs: [x, w], outputs: [y])([xv, wv])[0]
            let (ph, pw): (Int, Int)
            switch pad {
            case .explicit(let a, let b): (ph, pw) = (a, b)
            case .full: (ph, pw) = (2 * dilation.0, 1 * dilation.1)
            case .half: (ph, pw) = ((2 * dilation.0 + 1) / 2, (dilation.1 + 1) / 2)
            }
            let (expected, shape) = referenceConv(xv, wv, stride: stride, pad: (ph, pw), dilation: dilation, flip: flip)
            #expect(out.shape == shape)
            #expect(y.shape == [nil, 4, shape[2], shape[3]])
            #expect(Check.maxDiff(out.scalars, expected) < 1e-4)
        }
    }

    @Test func conv2dLargeBatchUsesChunksCorrectly() throws {
        // 84x84 first Atari layer: K·P = 256·400, so 32 items run in several chunks.
        let xv = Check.random([12, 4, 84, 84], seed: 5), wv = Check.random([8, 4, 8, 8], seed: 6)
        let x = Node.input("x", shape: [nil, 4, 84, 84]), w = Node.input("w", shape: [8, 4, 8, 8])
        let out = try Function(inputs: [x, w], outputs: [try T.conv2d(x, w, stride: (4, 4))])([xv, wv])[0]
        let (expected, shape) = referenceConv(xv, wv, stride: (4, 4), pad: (0, 0), dilation: (1, 1), flip: true)
        #expect(out.shape == shape && shape == [12, 8, 20, 20])
        #expect(Check.maxDiff(out.scalars, expected) < 1e-3)
    }

    /// im2col copies each output row as 8- and 4-lane runs with an overlapping last run: every output width from 1
    /// to 17 (scalar, 4-lane, 8-lane, with and without a tail), forward and filter gradient.
    @Test func conv2dEveryRunLength() throws {
        for width in 2...18 {
            let xv = Check.random([2, 2, 4, width], seed: UInt64(width)), wv = Check.random([3, 2, 2, 2], seed: 40)
            let x = Node.input("x", shape: [nil, 2, 4, width]), w = Node.input("w", shape: [3, 2, 2, 2])
            let out = try Function(inputs: [x, w], outputs: [try T.conv2d(x, w)])([xv, wv])[0]
            let (expected, shape) = referenceConv(xv, wv, stride: (1, 1), pad: (0, 0), dilation: (1, 1), flip: true)
            #expect(out.shape == shape)
            #expect(Check.maxDiff(out.scalars, expected) < 1e-4)
        }
        // col2im (input gradient) adds runs of 8 and 4 lanes then at most 3 scalars: output widths 1, 4, 7, 8, 11, 12.
        for width in [3, 6, 9, 10, 13, 14] {
            let err = try Check.gradientError([Check.random([1, 1, 3, width], seed: 41), Check.random([2, 1, 2, 3], seed: 42)]) { v in
                try T.sum(T.square(T.conv2d(v[0], v[1])))
            }
            #expect(err < 1e-2)
        }
    }

    /// Unpadded strides 2 and 4 on rows whose width the stride divides take the vectorised plane split (8 plane
    /// columns per step, then a scalar tail): widths with 9 and 17 plane columns cover both parts.
    @Test(arguments: [(4, 36, 4), (2, 34, 3)])
    func conv2dVectorisedPlaneSplit(_ s: Int, _ width: Int, _ k: Int) throws {
        let xv = Check.random([3, 2, 2 * s + k, width], seed: 11), wv = Check.random([3, 2, k, k], seed: 12)
        let x = Node.input("x", shape: [nil, 2, nil, nil]), w = Node.input("w", shape: [3, 2, k, k])
        let out = try Function(inputs: [x, w], outputs: [try T.conv2d(x, w, stride: (s, s))])([xv, wv])[0]
        let (expected, shape) = referenceConv(xv, wv, stride: (s, s), pad: (0, 0), dilation: (1, 1), flip: true)
        #expect(out.shape == shape)
        #expect(Check.maxDiff(out.scalars, expected) < 1e-4)
        // The filter gradient splits the same input.
        let err = try Check.gradientError([Check.random([1, 1, s + 2, 8 * s + s], seed: 13), Check.random([2, 1, 2, 2], seed: 14)]) { v in
            try T.sum(T.square(T.conv2d(v[0], v[1], stride: (s, s))))
        }
        #expect(err < 1e-2)
    }

    @Test(arguments: [
        ((1, 1), ConvPad.explicit(0, 0), (1, 1), true),
        ((2, 1), ConvPad.full, (1, 1), false),
        ((1, 2), ConvPad.half, (2, 1), true),
        ((2, 2), ConvPad.explicit(1, 0), (1, 2), false),
    ])
    func conv2dGradients(_ stride: (Int, Int), _ pad: ConvPad, _ dilation: (Int, Int), _ flip: Bool) throws {
        let r = Check.random([2, 3, 6, 6], seed: 9)
        let err = try Check.gradientError([Check.random([2, 2, 6, 5], seed: 7), Check.random([3, 2, 3, 2], seed: 8)]) { v in
            let y = try T.conv2d(v[0], v[1], stride: stride, pad: pad, dilation: dilation, flip: flip)
            // weight the output so every position matters (crop r to y's shape with a slice-free trick: conv output ≤ 6x6)
            let n = y.shape.map { $0! }
            let weights = try Tensor(Array(r.scalars.prefix(n.reduce(1, *))), shape: n)
            return try T.sum(T.mul(y, Node.constant(weights)))
        }
        #expect(err < 1e-2)
    }

    @Test func conv2dSecondDerivative() throws {
        let err = try Check.gradientError([Check.random([1, 2, 5, 5], seed: 1), Check.random([2, 2, 3, 3], seed: 2)]) { v in
            let c = try T.sum(T.square(T.conv2d(v[0], v[1], pad: .explicit(1, 1))))
            let gx = try grad(c, wrt: [v[0]])[0]
            return try T.sum(T.square(gx))
        }
        #expect(err < 2e-2)
    }

    @Test func conv1dThroughRegistry() throws {
        let x = Node.input("x", shape: [nil, 2, 9]), w = Node.input("w", shape: [3, 2, 3])
        let y = try OpRegistry.make("conv1d", try JSON.parse(#"{"stride": 2, "pad": "full", "filter_dilation": 2, "flip_filters": false}"#), [x, w])
        #expect(y.shape == [nil, 3, 7])
        let xv = Check.random([2, 2, 9], seed: 1), wv = Check.random([3, 2, 3], seed: 2)
        let out = try Function(inputs: [x, w], outputs: [y])([xv, wv])[0]
        let (expected, shape) = referenceConv(try Tensor(xv.scalars, shape: [2, 2, 1, 9]), try Tensor(wv.scalars, shape: [3, 2, 1, 3]),
                                              stride: (1, 2), pad: (0, 4), dilation: (1, 2), flip: false)
        #expect(out.shape == [2, 3, shape[3]])
        #expect(Check.maxDiff(out.scalars, expected) < 1e-4)
        let err = try Check.gradientError([xv, wv]) { v in
            try T.sum(T.square(T.conv1d(v[0], v[1], stride: 2, pad: .half)))
        }
        #expect(err < 1e-2)
    }

    @Test func registryAndShapeErrorsThrow() throws {
        let x = Node.input("x", shape: [nil, 3, 5, 5]), w = Node.input("w", shape: [4, 2, 3, 3])
        #expect(throws: AgentNetError.self) { try OpRegistry.make("conv2d", JSON.parse("{}"), [x, w]) }
        let w3 = Node.input("w", shape: [4, 3, 3, 3])
        #expect(throws: AgentNetError.self) { try OpRegistry.make("conv2d", JSON.parse(#"{"stride": [0, 1]}"#), [x, w3]) }
        #expect(throws: AgentNetError.self) { try OpRegistry.make("conv2d", JSON.parse(#"{"pad": "sideways"}"#), [x, w3]) }
        #expect(throws: AgentNetError.self) { try OpRegistry.make("conv2d", JSON.parse(#"{"stride": [1, 2, 3]}"#), [x, w3]) }
        #expect(throws: AgentNetError.self) { try OpRegistry.make("conv2d", JSON.parse("{}"), [x]) }
        #expect(throws: AgentNetError.self) { try OpRegistry.make("pool2d", JSON.parse("{}"), [x]) }
        #expect(throws: AgentNetError.self) { try OpRegistry.make("pool2d", JSON.parse(#"{"pool_size": 2, "mode": "median"}"#), [x]) }
        #expect(throws: AgentNetError.self) { try OpRegistry.make("pool2d", JSON.parse(#"{"pool_size": 2, "pad": 2}"#), [x]) }
        #expect(throws: AgentNetError.self) {
            try OpRegistry.make("pool2d", JSON.parse(#"{"pool_size": 3, "pad": 1, "ignore_border": false}"#), [x])
        }
        // Unknown spatial sizes: the mismatch surfaces when the function is compiled, as an error.
        let xu = Node.input("x", shape: [nil, 3, nil, nil])
        let f = try Function(inputs: [xu, w3], outputs: [try T.conv2d(xu, w3)])
        #expect(throws: AgentNetError.self) { try f([Check.random([1, 3, 2, 2]), Check.random([4, 3, 3, 3])]) }
    }

    @Test(arguments: [PoolMode.max, .sum, .averageIncPad, .averageExcPad])
    func poolForwardAndGradients(_ mode: PoolMode) throws {
        let configs = [
            PoolParams(size: (2, 2), mode: mode),
            PoolParams(size: (2, 2), ignoreBorder: false, mode: mode),
            PoolParams(size: (3, 2), stride: (2, 1), ignoreBorder: false, mode: mode),
            PoolParams(size: (3, 3), stride: (2, 2), pad: (1, 1), mode: mode),
            PoolParams(size: (2, 3), stride: (1, 2), pad: (1, 2), mode: mode),
        ]
        // distinct values, spaced by 0.05: max pooling is differentiable there for eps = 1e-2
        let count = 2 * 2 * 7 * 6
        var order = Array(0..<count)
        let rng = RandomState(seed: 11)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.uniform() * Float(i + 1)) % (i + 1)) }
        let xv = try Tensor(order.map { Float($0) * 0.05 - 4 }, shape: [2, 2, 7, 6])
        for p in configs {
            let x = Node.input("x", shape: [nil, 2, 7, 6])
            let y = try T.pool2d(x, size: p.size, stride: p.stride, pad: p.pad, ignoreBorder: p.ignoreBorder, mode: p.mode)
            let out = try Function(inputs: [x], outputs: [y])([xv])[0]
            let (expected, shape) = referencePool(xv, p)
            #expect(out.shape == shape)
            #expect(y.shape == [nil, 2, shape[2], shape[3]])
            #expect(Check.maxDiff(out.scalars, expected) < 1e-5)
            let r = Check.random(shape, seed: 3)
            let err = try Check.gradientError([xv]) { v in
                try T.sum(T.mul(T.pool2d(v[0], size: p.size, stride: p.stride, pad: p.pad, ignoreBorder: p.ignoreBorder, mode: p.mode),
                                Node.constant(r)))
            }
            #expect(err < 1e-2, "size \(p.size) stride \(p.stride) pad \(p.pad) ignoreBorder \(p.ignoreBorder)")
        }
    }

    @Test func maxPoolGradientHasAGradient() throws {
        let a = try Tensor((0..<36).map { Float(($0 * 7) % 36) * 0.1 }, shape: [1, 1, 6, 6])
        let err = try Check.gradientError([a, Check.random([1, 1, 3, 3], seed: 2)]) { v in
            let inner = try T.sum(T.mul(T.pool2d(v[0], size: (2, 2)), v[1]))
            let gx = try grad(inner, wrt: [v[0]])[0]
            return try T.sum(T.mul(gx, Node.constant(Check.random([1, 1, 6, 6], seed: 4))))
        }
        #expect(err < 1e-2)
    }
}
