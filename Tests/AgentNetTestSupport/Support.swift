import AgentNet

/// Shared helpers for engine tests: closeness checks and central-difference gradient checks.
public enum Check {
    /// Largest absolute difference between two float arrays of the same length.
    public static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
        return zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    /// Compares `T.grad` of `cost(inputs)` with central finite differences (in float64 arithmetic over float32
    /// evaluations) at the given points. Returns the largest relative error over every input element.
    public static func gradientError(_ values: [Tensor], eps: Float = 1e-2,
                                     _ cost: ([Node]) throws -> Node) throws -> Float {
        let inputs = values.enumerated().map { Node.input("x\($0.offset)", dtype: .float32, shape: $0.element.shape.map { Optional($0) }) }
        let c = try cost(inputs)
        let g = try grad(c, wrt: inputs)
        let f = try Function(inputs: inputs, outputs: [c] + g, checkFinite: false)
        let analytic = try f(values).dropFirst().map(\.scalars)
        let value = try Function(inputs: inputs, outputs: [c], checkFinite: false)
        var worst: Float = 0
        for (k, v) in values.enumerated() {
            for i in 0..<v.count {
                let plus = v.copy(), minus = v.copy()
                plus.floats[i] += eps
                minus.floats[i] -= eps
                var argsP = values, argsM = values
                argsP[k] = plus
                argsM[k] = minus
                let fp = Double(try value(argsP)[0].scalars[0]), fm = Double(try value(argsM)[0].scalars[0])
                let numeric = Float((fp - fm) / (2 * Double(eps)))
                let err = Swift.abs(numeric - analytic[k][i]) / Swift.max(1, Swift.abs(numeric))
                worst = Swift.max(worst, err)
            }
        }
        return worst
    }

    /// A deterministic pseudo-random tensor in [-1, 1).
    public static func random(_ shape: [Int], seed: UInt64 = 1, positive: Bool = false) -> Tensor {
        let r = RandomState(seed: seed)
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ in positive ? 0.5 + r.uniform() : 2 * r.uniform() - 1 }
        return try! Tensor(values, shape: shape)
    }
}
