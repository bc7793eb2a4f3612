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
        let z = try runLayer(crop, [a, b])
        #expect(Array(z.scalars[0..<4]) == Array(a.scalars[1..<5]))  // a[0, 0, 1:5]
        #expect(try layerGradientError(crop, [a, b]) < 1e-2)
        let upper = try ConcatLayer(inputShapes: [[2, 3, 6], [2, 5, 4]], axis: 1, cropping: [nil, nil, .upper])
        #expect(Array(try runLayer(upper, [a, b]).scalars[0..<4]) == Array(a.scalars[2..<6]))
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
        #expect(Check.same(s.scalars, (0..<6).map { 0.5 * x.scalars[$0] - 2 * y.scalars[$0] + z.scalars[$0] }))
        let mx = try ElemwiseMergeLayer(inputShapes: [[nil, 3], [nil, 3], [nil, 3]], function: .maximum)
        #expect(try runLayer(mx, [x, y, z]).scalars == (0..<6).map { Swift.max(Swift.max(x.scalars[$0], y.scalars[$0]), z.scalars[$0]) })
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
        #expect(Check.same(y.scalars, (0..<24).map { x.scalars[$0] + Float(($0 / 4) % 3 + 1) }))
        #expect(bias.params.map(\.tags) == [["trainable"]])
        let sv = SharedValue(Check.distinct([3, 4], seed: 5))
        let scale = try ScaleLayer(inputShape: [nil, 3, 4], scales: .shared(sv), sharedAxes: [0])
        let z = try runLayer(scale, [x])
        #expect(Check.same(z.scalars, (0..<24).map { x.scalars[$0] * sv.value.scalars[$0 % 12] }))
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
        let expected = (0..<3).map { j in 2 * s[j] * (0..<4).map { x.scalars[$0 * 3 + j] * x.scalars[$0 * 3 + j] }.reduce(0, +) }
        #expect(Check.same(gv, expected, tol: 1e-4))
    }
}
