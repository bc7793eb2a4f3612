@testable import AgentNet
import AgentNetTestSupport
import Testing

/// Kernel names of the plan `build` compiles to for `values` (static shapes).
private func kernels(_ values: [Tensor], _ build: ([Node]) throws -> [Node]) throws -> [String] {
    let ins = values.enumerated().map { Node.input("x\($0.offset)", dtype: .float32, shape: $0.element.shape.map { Optional($0) }) }
    let f = try Function(inputs: ins, outputs: try build(ins), checkFinite: false)
    return try f.plan(for: values.map(\.shape)).kernelNames
}

/// The filter gradient reading the forward convolution's kept columns (ConvColumns.swift). Only convolutions
/// that go through im2col keep columns: a kernel size the stride does not divide here (others run on shifted
/// plane views, ConvShifted.swift).
@Suite struct ConvColumnsTests {
    /// Loss `Σ conv(x, w)²` (with a `[1, F, 1, 1]` bias when `b` is given) and its gradient with respect to w.
    static func lossAndFilterGrad(_ x: Node, _ w: Node, _ b: Node?, stride: (Int, Int)) throws -> [Node] {
        var y = try T.conv2d(x, w, stride: stride)
        if let b { y = try T.add(y, b) }
        let loss = try T.sum(T.square(y))
        return [loss, try grad(loss, wrt: [w])[0]]
    }

    @Test func filterGradientReadsTheForwardColumns() throws {
        // 84x84 stride-4 6x6 over 8 channels: two items per chunk, 5 items make chunks of 2, 2 and 1 in the kept buffer.
        let xv = Check.random([5, 8, 84, 84], seed: 1), wv = Check.random([3, 8, 6, 6], seed: 2)
        #expect(try ConvParams(stride: (4, 4)).dims(xv.shape, wv.shape, "").chunk == 2)
        let build: ([Node]) throws -> [Node] = { try Self.lossAndFilterGrad($0[0], $0[1], nil, stride: (4, 4)) }
        let names = try kernels([xv, wv], build)
        #expect(names.contains("conv2d kept columns (5, 3, 20, 20)"))
        #expect(names.contains("conv2d_filter_grad kept columns (3, 8, 6, 6)"))
        // Check.eval compares against the constant-folded graph, whose kernels expand x again: exactly equal.
        let direct = try Check.eval([xv, wv], build)[1]
        // And against the filter gradient alone (no forward convolution to share with) of the same g = 2·y.
        let alone = try Check.eval([xv, wv]) { v in
            let y = try T.conv2d(v[0], v[1], stride: (4, 4))
            let g = try T.mul(y, Node.constant(Tensor(scalar: Float(2))))
            return [try T.conv2dFilterGrad(v[0], g, filterShape: T.shape(v[1]), params: ConvParams(stride: (4, 4)))]
        }[0]
        #expect(Check.same(direct.scalars, alone.scalars, tol: 1e-5))
    }

    @Test func biasFusedConvolutionKeepsColumns() throws {
        let xv = Check.random([3, 4, 9, 9], seed: 3), wv = Check.random([5, 4, 3, 3], seed: 4), bv = Check.random([1, 5, 1, 1], seed: 5)
        let build: ([Node]) throws -> [Node] = { try Self.lossAndFilterGrad($0[0], $0[1], $0[2], stride: (2, 2)) }
        let names = try kernels([xv, wv, bv], build)
        #expect(names.contains("conv2d+bias kept columns (3, 5, 4, 4)"))
        #expect(names.contains("conv2d_filter_grad kept columns (5, 4, 3, 3)"))
        _ = try Check.eval([xv, wv, bv], build)
        let err = try Check.gradientError([Check.random([2, 2, 5, 5], seed: 6), Check.random([2, 2, 3, 3], seed: 7)]) { v in
            try T.sum(T.square(T.conv2d(v[0], v[1])))
        }
        #expect(err < 1e-2)
    }

    @Test func otherParametersOrNoForwardDoNotShare() throws {
        let xv = Check.random([2, 2, 9, 9], seed: 8), wv = Check.random([3, 2, 3, 3], seed: 9), gv = Check.random([2, 3, 4, 4], seed: 10)
        // The filter gradient of a stride-2 convolution next to a stride-1 convolution of the same x.
        let build: ([Node]) throws -> [Node] = { v in
            [try T.conv2d(v[0], v[1]),
             try T.conv2dFilterGrad(v[0], v[2], filterShape: T.shape(v[1]), params: ConvParams(stride: (2, 2)))]
        }
        let names = try kernels([xv, wv, gv], build)
        #expect(!names.contains { $0.contains("kept columns") })
        _ = try Check.eval([xv, wv, gv], build)
    }

    @Test func columnsOverTheLimitAreNotKept() throws {
        // K·B·P = 144·400·40 floats is over ConvColumns.limit.
        let xv = Check.random([40, 4, 84, 84], seed: 11), wv = Check.random([2, 4, 6, 6], seed: 12)
        #expect(144 * 400 * 40 > ConvColumns.limit)
        let names = try kernels([xv, wv]) { try Self.lossAndFilterGrad($0[0], $0[1], nil, stride: (4, 4)) }
        #expect(names.contains("conv2d (40, 2, 20, 20)"))
        #expect(names.contains("conv2d_filter_grad (2, 4, 6, 6)"))
    }
}
