import AgentNet
import AgentNetTestSupport
import Testing

/// Float64 reference of a 2-D convolution layer (stride, padding, dilation, flip) with per-filter bias and relu.
private func referenceConv(_ x: Tensor, _ w: Tensor, _ b: [Float], stride: (Int, Int), pad: (Int, Int), dilation: (Int, Int),
                           flip: Bool) -> (shape: [Int], values: [Float]) {
    let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (F, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (H + 2 * pad.0 - ((kh - 1) * dilation.0 + 1)) / stride.0 + 1
    let ow = (W + 2 * pad.1 - ((kw - 1) * dilation.1 + 1)) / stride.1 + 1
    let xs = x.scalars, ws = w.scalars
    var out = [Float]()
    for n in 0..<B { for f in 0..<F { for i in 0..<oh { for j in 0..<ow {
        var acc = Double(b[f])
        for c in 0..<C { for u in 0..<kh { for v in 0..<kw {
            let r = i * stride.0 - pad.0 + u * dilation.0, q = j * stride.1 - pad.1 + v * dilation.1
            guard r >= 0, r < H, q >= 0, q < W else { continue }
            let (uu, vv) = flip ? (kh - 1 - u, kw - 1 - v) : (u, v)
            acc += Double(xs[((n * C + c) * H + r) * W + q]) * Double(ws[((f * C + c) * kh + uu) * kw + vv])
        } } }
        out.append(Float(Swift.max(acc, 0)))
    } } } }
    return ([B, F, oh, ow], out)
}

@Suite struct ConvPoolLayersTests {
    @Test(arguments: [(1, ConvLayerPad.valid, 1, true), (2, .full, 1, false), (1, .same, 2, true), (2, .explicit([1, 2]), 1, true)])
    func conv2DMatchesAFloat64Reference(stride: Int, pad: ConvLayerPad, dilation: Int, flip: Bool) throws {
        let x = Check.random([2, 3, 7, 8], seed: 1)
        let w = SharedValue(Check.random([4, 3, 3, 3], seed: 2)), bv: [Float] = [0.1, -0.2, 0.3, 0]
        let b = SharedValue(try Tensor(bv, shape: [4]))
        let l = try Conv2DLayer(inputShape: [nil, 3, 7, 8], numFilters: 4, filterSize: (3, 3), stride: (stride, stride), pad: pad,
                                W: .shared(w), b: .shared(b), flipFilters: flip, dilation: (dilation, dilation))
        let p = (l.numericPad[0], l.numericPad[1])
        let ref = referenceConv(x, w.value, bv, stride: (stride, stride), pad: p, dilation: (dilation, dilation), flip: flip)
        let want: [Int?] = [nil, ref.shape[1], ref.shape[2], ref.shape[3]]
        #expect(l.outputShape == want)
        let y = try runLayer(l, [x])
        #expect(y.shape == ref.shape)
        #expect(Check.maxDiff(y.scalars, ref.values) < 1e-4)
    }

    @Test func conv2DParametersTagsAndGradients() throws {
        let l = try Conv2DLayer(inputShape: [nil, 2, 5, 5], numFilters: 3, filterSize: (3, 3), untieBiases: true, nonlinearity: .tanh)
        #expect(l.params.map { $0.value?.shape ?? [] } == [[3, 2, 3, 3], [3, 3, 3]])
        #expect(l.params.map(\.tags) == [["trainable", "regularizable"], ["trainable"]])
        #expect(try layerGradientError(l, [Check.random([2, 2, 5, 5], seed: 4)]) < 1e-2)
        let c1 = try Conv1DLayer(inputShape: [nil, 2, 9], numFilters: 3, filterSize: 3, stride: 2, pad: .same, nonlinearity: .linear)
        #expect(c1.outputShape == [nil, 3, 5])
        #expect(try layerGradientError(c1, [Check.random([2, 2, 9], seed: 5)]) < 1e-2)
    }

    @Test func convRejectsBadArgumentsAtConstruction() {
        #expect(Check.error { try Conv2DLayer(inputShape: [nil, 2, 2, 2], numFilters: 3, filterSize: (3, 3)) }?.message.contains("larger than the padded input") == true)
        #expect(Check.error { try Conv2DLayer(inputShape: [nil, nil, 6, 6], numFilters: 3, filterSize: (3, 3)) }?.message.contains("channels") == true)
        #expect(Check.throwsAny { try Conv2DLayer(inputShape: [nil, 2, 6], numFilters: 3, filterSize: (3, 3)) })
        #expect(Check.throwsAny { try Conv2DLayer(inputShape: [nil, 2, 6, 6], numFilters: 0, filterSize: (3, 3)) })
        #expect(Check.throwsAny { try Conv2DLayer(inputShape: [nil, 2, 6, 6], numFilters: 3, filterSize: (4, 4), pad: .same) })
        #expect(Check.throwsAny { try Conv2DLayer(inputShape: [nil, 2, 6, 6], numFilters: 3, filterSize: (3, 3), pad: .explicit([-1, 0])) })
    }

    @Test func poolLayersMatchHandComputedWindows() throws {
        let x = Check.distinct([2, 2, 4, 6])
        let mp = try MaxPool2DLayer(inputShape: [nil, 2, 4, 6], poolSize: (2, 3))
        #expect(mp.outputShape == [nil, 2, 2, 2])
        let y = try runLayer(mp, [x]).scalars
        let xs = x.scalars
        let window: [Float] = [xs[0], xs[1], xs[2], xs[6], xs[7], xs[8]]
        #expect(y[0] == window.max())
        let avg = try Pool2DLayer(inputShape: [nil, 2, 4, 6], poolSize: (2, 2), stride: (1, 2), pad: (1, 0), mode: .averageIncPad)
        #expect(avg.outputShape == [nil, 2, 5, 3])
        #expect(try layerGradientError(avg, [x]) < 1e-2)
        let p1 = try Pool1DLayer(inputShape: [nil, 2, 7], poolSize: 3, stride: 2, ignoreBorder: false)
        #expect(p1.outputShape == [nil, 2, 3])
        #expect(try runLayer(p1, [Check.distinct([2, 2, 7])]).shape == [2, 2, 3])
        #expect(Check.throwsAny { try Pool2DLayer(inputShape: [nil, 2, 6], poolSize: (2, 2)) })
        #expect(Check.throwsAny { try Pool2DLayer(inputShape: [nil, 2, 6, 6], poolSize: (2, 2), pad: (2, 0)) })
        #expect(Check.throwsAny { try Pool2DLayer(inputShape: [nil, 2, 6, 6], poolSize: (3, 3), pad: (1, 1), ignoreBorder: false) })
    }

    @Test func globalPoolReducesEveryPosition() throws {
        let x = Check.distinct([2, 3, 4, 5])
        let l = try GlobalPoolLayer(inputShape: [nil, 3, 4, 5], function: .max)
        #expect(l.outputShape == [nil, 3])
        let y = try runLayer(l, [x]).scalars
        #expect(y[4] == Array(x.scalars[(4 * 20)..<(5 * 20)]).max())
        #expect(try layerGradientError(try GlobalPoolLayer(inputShape: [nil, 3, 4, 5]), [x]) < 1e-2)
        #expect(Check.throwsAny { try GlobalPoolLayer(inputShape: [nil, 3]) })
    }
}
