import AgentNet
import AgentNetTestSupport
import Testing

/// Runs `layer` on `values` (one per incoming layer) in every Check.eval mode.
func runLayer(_ layer: Layer, _ values: [Tensor], deterministic: Bool = false) throws -> Tensor {
    try Check.eval1(values) { try layer.output(for: $0, options: LayerOptions(deterministic: deterministic)) }
}

/// `layer`'s gradient error against finite differences for the cost `sum(output²)`.
func layerGradientError(_ layer: Layer, _ values: [Tensor]) throws -> Float {
    try Check.gradientError(values) { try T.sum(T.square(layer.output(for: $0, options: LayerOptions()))) }
}

@Suite struct ShapeLayersTests {
    let x = Check.distinct([2, 3, 4])

    @Test func reshapeInfersSizesAndCopiesInputAxes() throws {
        let keep = try ReshapeLayer(inputShape: [nil, 3, 4], shape: [.input(0), .infer])
        #expect(keep.outputShape == [nil, 12])
        #expect(try runLayer(keep, [x]).shape == [2, 12])
        #expect(try runLayer(keep, [x]).scalars == x.scalars)
        let swap = try ReshapeLayer(inputShape: [nil, 3, 4], shape: [.input(0), .input(2), .size(3)])
        #expect(swap.outputShape == [nil, 4, 3])
        #expect(try ReshapeLayer(inputShape: [2, 3, 4], shape: [.infer, .size(6)]).outputShape == [4, 6])
        #expect(try ReshapeLayer(inputShape: [nil, 3, 4], shape: [.infer, .size(6)]).outputShape == [nil, 6])
        #expect(try layerGradientError(swap, [x]) < 1e-2)
    }

    @Test func reshapeRejectsIncompatibleSizesAndBadSpecs() {
        #expect(Check.error { try ReshapeLayer(inputShape: [2, 6], shape: [.size(5), .infer]) }?.message.contains("mismatch") == true)
        #expect(Check.error { try ReshapeLayer(inputShape: [nil, 6], shape: [.input(0), .size(5)]) }?.message.contains("mismatch") == true)
        #expect(Check.error { try ReshapeLayer(inputShape: [nil, 6], shape: [.input(3), .infer]) }?.message.contains("[3]") == true)
        #expect(Check.throwsAny { try ReshapeLayer(inputShape: [nil, 6], shape: [.infer, .infer]) })
        #expect(Check.throwsAny { try ReshapeLayer(inputShape: [nil, 6], shape: [.size(0), .size(2)]) })
    }

    @Test func flattenKeepsLeadingAxes() throws {
        let l = try FlattenLayer(inputShape: [nil, 3, 4], outdim: 2)
        #expect(l.outputShape == [nil, 12])
        #expect(try runLayer(l, [x]).shape == [2, 12])
        #expect(try FlattenLayer(inputShape: [nil, nil, 4]).outputShape == [nil, nil])
        #expect(Check.throwsAny { try FlattenLayer(inputShape: [nil, 3], outdim: 0) })
        #expect(Check.throwsAny { try FlattenLayer(inputShape: [nil, 3], outdim: 3) })
    }

    @Test func dimshufflePermutesAndInsertsAxes() throws {
        let l = try DimshuffleLayer(inputShape: [nil, 3, 4], pattern: [2, -1, 0, 1])
        #expect(l.outputShape == [4, 1, nil, 3])
        let y = try runLayer(l, [x])
        #expect(y.shape == [4, 1, 2, 3])
        // y[k, 0, i, j] = x[i, j, k]
        #expect(y.scalars[(1 * 2 + 1) * 3 + 2] == x.scalars[(1 * 3 + 2) * 4 + 1])
        #expect(try layerGradientError(l, [x]) < 1e-2)
        #expect(Check.throwsAny { try DimshuffleLayer(inputShape: [nil, 3, 4], pattern: [0, 2]) })
        #expect(Check.throwsAny { try DimshuffleLayer(inputShape: [nil, 3], pattern: [0, 0, 1]) })
        #expect(Check.throwsAny { try DimshuffleLayer(inputShape: [nil, 3], pattern: [0, 1, 2]) })
    }

    @Test func sliceSelectsIndicesAndRanges() throws {
        let one = try SliceLayer(inputShape: [nil, 3, 4], indices: .index(-1), axis: 1)
        #expect(one.outputShape == [nil, 4])
        let y = try runLayer(one, [x])
        let xs = x.scalars
        let picked: [Float] = [8, 9, 10, 11, 20, 21, 22, 23].map { xs[$0] }
        #expect(y.scalars == picked)
        let range = try SliceLayer(inputShape: [nil, 3, 4], indices: .range(start: nil, stop: nil, step: 2), axis: -1)
        #expect(range.outputShape == [nil, 3, 2])
        #expect(try runLayer(range, [x]).scalars.count == 12)
        #expect(try layerGradientError(range, [x]) < 1e-2)
        #expect(Check.throwsAny { try SliceLayer(inputShape: [nil, 5], indices: .index(7), axis: 1) })
        #expect(Check.throwsAny { try SliceLayer(inputShape: [nil, 5], indices: .index(0), axis: 2) })
    }

    @Test func padAddsConstantBordersAndItsGradientIsTheCrop() throws {
        let l = try PadLayer(inputShape: [nil, 3, 4], widths: [(1, 2)], value: -1.5, batchNdim: 2)
        #expect(l.outputShape == [nil, 3, 7])
        let y = try runLayer(l, [x])
        #expect(y.shape == [2, 3, 7])
        let row: [Float] = [-1.5] + Array(x.scalars[0..<4]) + [-1.5, -1.5]
        #expect(Array(y.scalars[0..<7]) == row)
        #expect(try layerGradientError(l, [x]) < 1e-2)
        #expect(try PadLayer(inputShape: [nil, 3, nil], widths: [(2, 2)], batchNdim: 2).outputShape == [nil, 3, nil])
    }

    @Test func padRejectsNegativeWidthsAndTooManyAxes() {
        #expect(Check.error { try PadLayer(inputShape: [nil, 3, 4], widths: [(-1, -1)]) }?.message.contains("non-negative") == true)
        #expect(Check.throwsAny { try PadLayer(inputShape: [nil, 3, 4], widths: [(1, 1), (1, 1)]) })
        #expect(Check.throwsAny { try PadLayer(inputShape: [nil, 3], widths: [], batchNdim: 3) })
    }

    @Test func registryCreatesShapeLayersFromJSON() throws {
        let l = try LayerRegistry.make("ReshapeLayer", try JSON.parse(#"{"shape": [[0], -1]}"#), inputShapes: [[nil, 3, 4]], name: nil) { _ in
            throw AgentNetError(.invalidHandle, "none")
        }
        #expect(l.outputShape == [nil, 12])
        #expect(try l.outputShape(for: [[5, 3, 4]]) == [5, 12])  // other input shapes: the registry remakes it
        #expect(Check.throwsAny {
            try LayerRegistry.make("PadLayer", try JSON.parse(#"{"width": [[1, 2, 3]]}"#), inputShapes: [[nil, 3, 4]], name: nil) { _ in
                throw AgentNetError(.invalidHandle, "none")
            }
        })
    }
}
