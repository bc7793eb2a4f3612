@testable import AgentNet
import AgentNetTestSupport
import Testing

/// Convolutions on shifted plane views (ConvShifted.swift): which ones take that path, and each of its three
/// kernels against direct loops and finite differences, over strides, padding, flips and discarded widths.
@Suite struct ConvShiftedTests {
    @Test func eligibility() throws {
        func shifted(_ x: [Int], _ w: [Int], _ p: ConvParams) throws -> Bool { try p.dims(x, w, "").shifted }
        #expect(try shifted([2, 4, 84, 84], [32, 4, 8, 8], ConvParams(stride: (4, 4))))      // Atari conv1
        #expect(try shifted([2, 32, 20, 20], [64, 32, 4, 4], ConvParams(stride: (2, 2))))    // Atari conv2
        #expect(try shifted([2, 64, 9, 9], [64, 64, 3, 3], ConvParams()))                    // Atari conv3
        #expect(try shifted([2, 3, 9, 9], [4, 3, 3, 3], ConvParams(pad: .half)))
        #expect(try !shifted([2, 3, 9, 9], [4, 3, 3, 3], ConvParams(stride: (2, 2))))        // 3 % 2 ≠ 0
        #expect(try !shifted([2, 3, 9, 9], [4, 3, 3, 3], ConvParams(dilation: (2, 1))))
        #expect(try !shifted([0, 3, 9, 9], [4, 3, 3, 3], ConvParams()))                      // empty batch
    }

    /// (stride, kernel, padding, flip): stride 1 with and without padding (the planes are the image itself only
    /// without), unequal strides dividing unequal kernels, 'full', and a 1-wide kernel (nothing discarded).
    static let cases: [((Int, Int), (Int, Int), ConvPad, Bool)] = [
        ((1, 1), (3, 3), .explicit(0, 0), true),
        ((1, 1), (3, 2), .half, false),
        ((2, 1), (4, 3), .explicit(1, 2), true),
        ((1, 3), (2, 3), .full, false),
        ((3, 2), (3, 4), .explicit(2, 0), true),
        ((1, 1), (2, 1), .explicit(0, 0), false),
    ]

    @Test(arguments: cases)
    func forwardMatchesDirectLoops(_ stride: (Int, Int), _ k: (Int, Int), _ pad: ConvPad, _ flip: Bool) throws {
        for batch in [1, 3] {
            let xv = Check.random([batch, 3, 11, 10], seed: 21), wv = Check.random([4, 3, k.0, k.1], seed: 22)
            let params = ConvParams(stride: stride, pad: pad, flip: flip)
            #expect(try params.dims(xv.shape, wv.shape, "").shifted)
            let (ph, pw) = pad.resolve(k.0, k.1, 1, 1)
            let (expected, shape) = referenceConv(xv, wv, stride: stride, pad: (ph, pw), dilation: (1, 1), flip: flip)
            let out = try Check.eval([xv, wv]) { v in [try T.conv2d(v[0], v[1], stride: stride, pad: pad, flip: flip)] }[0]
            #expect(out.shape == shape)
            #expect(Check.maxDiff(out.scalars, expected) < 1e-4)
            // With a fused channel bias (the product starts from it).
            let bv = Check.random([1, 4, 1, 1], seed: 23)
            // (Static and dynamic shapes fuse the bias; constant folding would not, so it is left out.)
            let biased = try Check.eval([xv, wv, bv], modes: [.staticShapes, .dynamicShapes]) { v in
                [try T.add(T.conv2d(v[0], v[1], stride: stride, pad: pad, flip: flip), v[2])]
            }[0]
            let withBias = expected.enumerated().map { $0.element + bv.scalars[($0.offset / (shape[2] * shape[3])) % 4] }
            #expect(Check.maxDiff(biased.scalars, withBias) < 1e-4)
        }
    }

    @Test(arguments: cases)
    func gradientsMatchFiniteDifferences(_ stride: (Int, Int), _ k: (Int, Int), _ pad: ConvPad, _ flip: Bool) throws {
        let r = Check.random([2, 4, 20, 20], seed: 24)
        let err = try Check.gradientError([Check.random([2, 3, 8, 7], seed: 25), Check.random([4, 3, k.0, k.1], seed: 26)]) { v in
            let y = try T.conv2d(v[0], v[1], stride: stride, pad: pad, flip: flip)
            let n = y.shape.map { $0! }
            let weights = try Tensor(Array(r.scalars.prefix(n.reduce(1, *))), shape: n)
            return try T.sum(T.mul(y, Node.constant(weights)))
        }
        #expect(err < 1e-2)
    }

    /// The Atari stack's three layers at batch 2: forward against direct loops, and both gradient ops through the
    /// adjoint identity ⟨conv(x, w), g⟩ = ⟨x, input_grad(g, w)⟩ = ⟨w, filter_grad(x, g)⟩ (finite differences at
    /// this size would take minutes).
    @Test(arguments: [([2, 4, 84, 84], [32, 4, 8, 8], 4), ([2, 32, 20, 20], [64, 32, 4, 4], 2), ([2, 64, 9, 9], [64, 64, 3, 3], 1)])
    func atariLayers(_ xs: [Int], _ ws: [Int], _ s: Int) throws {
        let xv = Check.random(xs, seed: 27), wv = Check.random(ws, seed: 28)
        let (expected, shape) = referenceConv(xv, wv, stride: (s, s), pad: (0, 0), dilation: (1, 1), flip: true)
        let gv = Check.random(shape, seed: 29)
        let p = ConvParams(stride: (s, s))
        let outs = try Check.eval([xv, wv, gv]) { v in
            [try T.conv2d(v[0], v[1], stride: (s, s)),
             try T.conv2dInputGrad(v[2], v[1], inputShape: T.shape(v[0]), params: p),
             try T.conv2dFilterGrad(v[0], v[2], filterShape: T.shape(v[1]), params: p)]
        }
        #expect(Check.maxDiff(outs[0].scalars, expected) < 1e-3)
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        let yg = dot(expected, gv.scalars)
        #expect(abs(dot(xv.scalars, outs[1].scalars) - yg) < 1e-4 * abs(yg) + 1e-2)
        #expect(abs(dot(wv.scalars, outs[2].scalars) - yg) < 1e-4 * abs(yg) + 1e-2)
    }
}
