import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite struct GraphTests {
    @Test func denseLayerForwardMatchesHandComputation() throws {
        let x = Node.input("x", shape: [nil, 2])
        let w = SharedValue(try Tensor([Float]([1, 2, 3, 4, 5, 6]), shape: [2, 3]), name: "w")
        let b = SharedValue(try Tensor([Float]([0.5, -0.5, 1]), shape: [3]), name: "b")
        let f = try Function(inputs: [x], outputs: [try T.add(T.dot(x, w.node), b.node)])
        for _ in 0..<50 {
            let out = try f([try Tensor([Float]([1, 1, 0, 2]), shape: [2, 2])])[0]
            #expect(out.shape == [2, 3])
            #expect(out.scalars == [5.5, 6.5, 10, 8.5, 9.5, 13])
        }
    }

    @Test func bufferReuseDoesNotChangeResults() throws {
        let x = Node.input("x", shape: [nil, 4])
        let w = SharedValue(Check.random([4, 3]), name: "w")
        let b = SharedValue(Check.random([3], seed: 2), name: "b")
        let h = try T.add(T.dot(x, w.node), b.node)
        let out = try T.tanh(T.add(T.mul(h, 2), T.sigmoid(h)))
        let f = try Function(inputs: [x], outputs: [out])
        let g = try Function(inputs: [x], outputs: [h])
        let xs = Check.random([16, 4], seed: 3)
        _ = try f.outputShapes(for: [[16, 4]])
        let hv = try g([xs])[0].scalars
        let expected = hv.map { v -> Float in
            let d = Double(v)
            return Float(Glibc.tanh(d * 2 + 1 / (1 + Glibc.exp(-d))))
        }
        for _ in 0..<20 {
            #expect(Check.maxDiff(try f([xs])[0].scalars, expected) < 1e-5)
        }
    }
}
