import AgentNet
import AgentNetTestSupport
import Testing

@Suite struct MergeLayersTests {
    let a = Check.distinct([2, 3, 6]), b = Check.distinct([2, 5, 4], seed: 2)

    @Test func concatJoinsAlongTheAxisAndCrops() throws {
        let l = try ConcatLayer(inputShapes: [[nil, 3, 6], [nil, 5, 6]], axis: 1)
        #expect(l.outputShape == [nil, 8, 6])
        let c = Check.distinct([2, 5, 6], seed: 3)
        let y = try runLayer(l, [a, c])
        #expect(Array(y.scalars[0..<18]) == Array(a.scalars[0..<18]))
        #expect(Array(y.scalars[18..<48]) == Array(c.scalars[0..<30]))
        let crop = try ConcatLayer(inputShapes: [[2, 3, 6], [2, 5, 4]], axis: 1, cropping: [nil, nil, .center])
        #expect(crop.outputShape == [2, 8, 4])
        // cropping needs the sizes of the cropped axis statically, as Lasagne's autocrop (no dynamic-shape mode)
        let staticModes: [Check.Mode] = [.staticShapes, .folded]
        let z = try Check.eval1([a, b], modes: staticModes) { try crop.output(for: $0, options: LayerOptions()) }
        #expect(Array(z.scalars[0..<4]) == Array(a.scalars[1..<5]))  // a[0, 0, 1:5]
        #expect(try layerGradientError(crop, [a, b]) < 1e-2)
        let upper = try ConcatLayer(inputShapes: [[2, 3, 6], [2, 5, 4]], axis: 1, cropping: [nil, nil, .upper])
        let u = try Check.eval1([a, b], modes: staticModes) { try upper.output(for: $0, options: LayerOptions()) }
        #expect(Array(u.scalars[0..<4]) == Array(a.scalars[2..<6]))
        let dynamic = [Node.input("a", shape: [nil, nil, nil]), Node.input("b", shape: [nil, nil, nil])]
        #expect(Check.error { try upper.output(for: dynamic, options: LayerOptions()) }?.message.contains("known size") == true)
    }

    @Test func concatRejectsMismatchedShapes() {
        #expect(Check.error { try ConcatLayer(inputShapes: [[nil, 3, 4], [nil, 5, 3]]) }?.message.contains("Mismatch") == true)
        #expect(Check.throwsAny { try ConcatLayer(inputShapes: [[nil, 3, 4], [nil, 5]]) })
        #expect(Check.throwsAny { try ConcatLayer(inputShapes: [[nil, 3], [nil, 3]], axis: 2) })
        #expect(Check.throwsAny { try ConcatLayer(inputShapes: []) })
    }

    @Test func elemwiseMergeAndWeightedSum() throws {
        let x = Check.distinct([2, 3]), y = Check.distinct([2, 3], seed: 2), z = Check.distinct([2, 3], seed: 3)
        let sum = try ElemwiseSumLayer(inputShapes: [[nil, 3], [nil, 3], [2, nil]], coefficients: [0.5, -2, 1])
        #expect(sum.outputShape == [2, 3])
        let s = try runLayer(sum, [x, y, z])
        let (xv, yv, zv) = (x.scalars, y.scalars, z.scalars)
        var weighted = [Float](repeating: 0, count: 6)
        for i in 0..<6 { weighted[i] = 0.5 * xv[i] - 2 * yv[i] + zv[i] }
        #expect(Check.same(s.scalars, weighted))
        let mx = try ElemwiseMergeLayer(inputShapes: [[nil, 3], [nil, 3], [nil, 3]], function: .maximum)
        var largest = [Float](repeating: 0, count: 6)
        for i in 0..<6 { largest[i] = Swift.max(Swift.max(xv[i], yv[i]), zv[i]) }
        #expect(try runLayer(mx, [x, y, z]).scalars == largest)
        let mul = try ElemwiseMergeLayer(inputShapes: [[nil, 3], [nil, 3]], function: .mul)
        #expect(try layerGradientError(mul, [x, y]) < 1e-2)
        #expect(try layerGradientError(sum, [x, y, z]) < 1e-2)
        #expect(Check.error { try ElemwiseSumLayer(inputShapes: [[nil, 3], [nil, 3]], coefficients: [1, 2, 3]) }?.message.contains("coeffs") == true)
        #expect(Check.error { try ElemwiseSumLayer(inputShapes: [[nil, 3], [nil, 4]]) }?.message.contains("Mismatch") == true)
        #expect(Check.throwsAny { try ElemwiseSumLayer(inputShapes: [[nil, 3], [nil, 3, 1]]) })
    }

    @Test func biasAndScaleBroadcastOverSharedAxes() throws {
        let x = Check.distinct([2, 3, 4])
        let bv = SharedValue(try Tensor([Float]([1, 2, 3]), shape: [3]))
        let bias = try BiasLayer(inputShape: [nil, 3, 4], b: .shared(bv))
        #expect(bias.sharedAxes == [0, 2])
        let y = try runLayer(bias, [x])
        let xv = x.scalars
        var biased = [Float](repeating: 0, count: 24)
        for i in 0..<24 { biased[i] = xv[i] + Float((i / 4) % 3 + 1) }
        #expect(Check.same(y.scalars, biased))
        #expect(bias.params.map(\.tags) == [["trainable"]])
        let sv = SharedValue(Check.distinct([3, 4], seed: 5))
        let scale = try ScaleLayer(inputShape: [nil, 3, 4], scales: .shared(sv), sharedAxes: [0])
        let z = try runLayer(scale, [x])
        let sc = sv.value.scalars
        var scaled = [Float](repeating: 0, count: 24)
        for i in 0..<24 { scaled[i] = xv[i] * sc[i % 12] }
        #expect(Check.same(z.scalars, scaled))
        #expect(try layerGradientError(scale, [x]) < 1e-2)
        let identity = try BiasLayer(inputShape: [nil, nil], b: nil)
        #expect(identity.params.isEmpty)
        #expect(Check.error { try BiasLayer(inputShape: [nil, nil]) }?.message.contains("BiasLayer needs specified input sizes") == true)
        #expect(Check.error { try ScaleLayer(inputShape: [nil, nil]) }?.message.contains("ScaleLayer needs specified input sizes") == true)
        #expect(Check.throwsAny { try ScaleLayer(inputShape: [nil, 3], sharedAxes: [2]) })
    }

    @Test func scaleGradientReachesTheParameter() throws {
        // d/ds sum((x * s)^2) = 2 s sum_b x_b^2 per unit.
        let x = Check.distinct([4, 3])
        let sv = SharedValue(Check.random([3], seed: 9))
        let scale = try ScaleLayer(inputShape: [4, 3], scales: .shared(sv), sharedAxes: [0])
        let cost = try T.sum(T.square(scale.output(for: [Node.constant(x)], options: LayerOptions())))
        let g = try grad(cost, wrt: [sv.node])[0]
        let gv = try Function(inputs: [], outputs: [g])([])[0].scalars
        let s = sv.value.scalars
        let xs = x.scalars
        var expected = [Float](repeating: 0, count: 3)
        for j in 0..<3 {
            var sq: Float = 0
            for r in 0..<4 { sq += xs[r * 3 + j] * xs[r * 3 + j] }
            expected[j] = 2 * s[j] * sq
        }
        #expect(Check.same(gv, expected, tol: 1e-4))
    }
}
