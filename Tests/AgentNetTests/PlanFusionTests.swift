@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Kernel names of the plan `outputs` compile to for `values` (static shapes).
private func kernels(_ values: [Tensor], _ build: ([Node]) throws -> [Node]) throws -> [String] {
    let ins = values.enumerated().map { Node.input("x\($0.offset)", dtype: .float32, shape: $0.element.shape.map { Optional($0) }) }
    let f = try Function(inputs: ins, outputs: try build(ins), checkFinite: false)
    return try f.plan(for: values.map(\.shape)).kernelNames
}

/// `add(x, dot(a, b))` compiled to one accumulating gemm (PlanFusion.swift).
@Suite struct AccumulateFusionTests {
    let a = Check.random([3, 4], seed: 11), b = Check.random([4, 5], seed: 12), c = Check.random([3, 5], seed: 13)

    @Test func sumOfComputedValueAndProductIsOneGemm() throws {
        let build: ([Node]) throws -> [Node] = { i in [try T.add(T.tanh(i[2]), T.dot(i[0], i[1]))] }
        let names = try kernels([a, b, c], build)
        #expect(names.contains("dot+= (3, 5)"))
        #expect(!names.contains { $0.hasPrefix("add") })
        let out = try Check.eval([a, b, c], build)[0]
        let ref = zip(Check.matmul(a.scalars, b.scalars, 3, 4, 5), c.scalars).map { $0 + Float(tanh(Double($1))) }
        #expect(Check.same(out.scalars, ref))
    }

    @Test func productComputedBeforeTheOtherOperandStaysCorrect() throws {
        // The product runs first here (topological order), so there is nothing to accumulate into yet.
        let build: ([Node]) throws -> [Node] = { i in [try T.add(T.dot(i[0], i[1]), T.exp(i[2]))] }
        let out = try Check.eval([a, b, c], build)[0]
        let ref = zip(Check.matmul(a.scalars, b.scalars, 3, 4, 5), c.scalars).map { $0 + Float(exp(Double($1))) }
        #expect(Check.same(out.scalars, ref))
    }

    @Test func inputsBroadcastsAndLaterReadersAreNotOverwritten() throws {
        // x an input (not the plan's buffer), a broadcast operand, and x read again after the add.
        let cases: [([Node]) throws -> [Node]] = [
            { i in [try T.add(i[2], T.dot(i[0], i[1]))] },
            { i in [try T.add(T.tanh(T.index(i[2], 0)), T.dot(i[0], i[1]))] },
            { i in let x = try T.tanh(i[2]); return [try T.add(x, T.dot(i[0], i[1])), try T.mul(x, 2)] },
            { i in let x = try T.tanh(i[2]); return [try T.add(x, T.dot(i[0], i[1])), x] },
        ]
        let p = Check.matmul(a.scalars, b.scalars, 3, 4, 5)
        for (k, build) in cases.enumerated() {
            let names = try kernels([a, b, c], build)
            #expect(!names.contains { $0.hasPrefix("dot+=") }, "case \(k)")
            let out = try Check.eval([a, b, c], build)
            let x = k == 1 ? (0..<15).map { Float(tanh(Double(c.scalars[$0 % 5]))) }
                : c.scalars.map { k == 0 ? $0 : Float(tanh(Double($0))) }
            #expect(Check.same(out[0].scalars, zip(p, x).map { $0 + $1 }), "case \(k)")
            if k >= 2 { #expect(Check.same(out[1].scalars, x.map { k == 2 ? 2 * $0 : $0 }), "case \(k)") }
        }
    }

    @Test func productReadingItsOwnTargetIsNotFused() throws {
        // add(x, dot(x, w)): the gemm must not write into an operand it reads.
        let w = Check.random([5, 5], seed: 14)
        let build: ([Node]) throws -> [Node] = { i in let x = try T.tanh(i[0]); return [try T.add(x, T.dot(x, i[1]))] }
        #expect(try !kernels([c, w], build).contains { $0.hasPrefix("dot+=") })
        let out = try Check.eval([c, w], build)[0]
        let x = c.scalars.map { Float(tanh(Double($0))) }
        #expect(Check.same(out.scalars, zip(x, Check.matmul(x, w.scalars, 3, 5, 5)).map { $0 + $1 }))
    }

    @Test func gradientOfAWeightUsedAtEveryTickMatchesFiniteDifferences() throws {
        // h ← tanh(h·U + x_t·W) over 4 ticks: dU and dW are sums of 4 products, accumulated in place.
        let u = Check.random([4, 4], seed: 15), w = Check.random([3, 4], seed: 16), xs = Check.random([4, 2, 3], seed: 17)
        let cost: ([Node]) throws -> Node = { i in
            var h = try T.tanh(T.dot(T.index(i[2], 0), i[1]))
            for t in 1..<4 { h = try T.tanh(T.add(T.dot(h, i[0]), T.dot(T.index(i[2], t), i[1]))) }
            return try T.sum(T.mul(h, h))
        }
        let names = try kernels([u, w, xs]) { i in
            let c = try cost(i)
            return try [c] + grad(c, wrt: [i[0], i[1]])
        }
        #expect(names.filter { $0.hasPrefix("dot+=") }.count >= 4)
        #expect(try Check.gradientError([u, w, xs], cost) < 2e-3)
    }

    @Test func rowBiasStartsTheGemm() throws {
        // dot(a, b) + bias for a [5] and a [1, 5] bias; the bias-shaped template of sum_like must not block it.
        let bias = Check.random([5], seed: 18), p = Check.matmul(a.scalars, b.scalars, 3, 4, 5)
        for rowShape in [[5], [1, 5]] {
            let r = try Tensor(bias.scalars, shape: rowShape)
            let build: ([Node]) throws -> [Node] = { i in [try T.add(T.dot(i[0], i[1]), i[2])] }
            #expect(try kernels([a, b, r], build).contains("dot+bias (3, 5)"))
            let out = try Check.eval([a, b, r], build)[0]
            #expect(Check.same(out.scalars, p.enumerated().map { $0.element + bias.scalars[$0.offset % 5] }))
        }
        let w = Check.random([4, 5], seed: 19)
        #expect(try Check.gradientError([a, w, bias]) { i in try T.sum(T.tanh(T.add(T.dot(i[0], i[1]), i[2]))) } < 2e-3)
    }

    @Test func convolutionStartsFromItsBias() throws {
        // conv2d(x, w) + b.dimshuffle('x', 0, 'x', 'x') (a view not yet computed when the convolution runs).
        let x = Check.random([5, 2, 7, 7], seed: 20), w = Check.random([3, 2, 3, 3], seed: 21), b = Check.random([3], seed: 22)
        let fused: ([Node]) throws -> [Node] = { i in
            [try T.add(T.conv2d(i[0], i[1], stride: (2, 2)), T.dimshuffle(i[2], [-1, 0, -1, -1]))]
        }
        #expect(try kernels([x, w, b], fused).contains("conv2d+bias (5, 3, 3, 3)"))
        let out = try Check.eval([x, w, b], fused)[0]
        // Reference: the convolution is also an output, so the add stays separate.
        let plain = try Check.eval([x, w, b]) { i in
            let c = try T.conv2d(i[0], i[1], stride: (2, 2))
            return [try T.add(c, T.dimshuffle(i[2], [-1, 0, -1, -1])), c]
        }[0]
        #expect(Check.same(out.scalars, plain.scalars))
        #expect(try Check.gradientError([x, w, b]) { i in
            try T.sum(T.tanh(T.add(T.conv2d(i[0], i[1], stride: (2, 2)), T.dimshuffle(i[2], [-1, 0, -1, -1]))))
        } < 2e-3)
    }
}
