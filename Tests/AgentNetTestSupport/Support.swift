import AgentNet

/// Shared helpers for engine tests: closeness checks and central-difference gradient checks.
public enum Check {
    /// Largest absolute difference between two float arrays of the same length.
    public static func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
        return zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    /// Float64 reference of the row-major matrix product `[m, k] x [k, n]`, rounded to float32.
    public static func matmul(_ a: [Float], _ b: [Float], _ m: Int, _ k: Int, _ n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var acc = 0.0
            for t in 0..<k { acc += Double(a[i * k + t]) * Double(b[t * n + j]) }
            out[i * n + j] = Float(acc)
        } }
        return out
    }

    /// Compares `T.grad` of `cost(inputs)` with central finite differences (in float64 arithmetic over float32
    /// evaluations) at the given points. Returns the largest relative error over every input element.
    public static func gradientError(_ values: [Tensor], eps: Float = 1e-2,
                                     _ cost: ([Node]) throws -> Node) throws -> Float {
        let inputs = values.enumerated().map { Node.input("x\($0.offset)", dtype: .float32, shape: $0.element.shape.map { Optional($0) }) }
        return try finiteDifferenceError(cost: try cost(inputs), inputs: inputs, values: values, eps: eps).error
    }

    /// Compares `T.grad` of the scalar `cost` with central finite differences (float64 arithmetic over float32
    /// evaluations) with respect to every element of each input value and of each of `parameters` (perturbing the
    /// shared values, restored afterwards). Returns the largest relative error and how many derivatives were compared.
    public static func finiteDifferenceError(cost: Node, inputs: [Node], values: [Tensor], parameters: [SharedValue] = [],
                                             eps: Float = 1e-2) throws -> (error: Float, count: Int) {
        let analytic = try Function(inputs: inputs, outputs: grad(cost, wrt: inputs + parameters.map(\.node)), checkFinite: false)(values).map(\.scalars)
        let value = try Function(inputs: inputs, outputs: [cost], checkFinite: false)
        func f(_ args: [Tensor]) throws -> Double { Double(try value(args)[0].scalars[0]) }
        var worst: Float = 0, count = 0
        func record(_ plus: Double, _ minus: Double, _ g: Float) {
            let numeric = Float((plus - minus) / (2 * Double(eps)))
            worst = Swift.max(worst, Swift.abs(numeric - g) / Swift.max(1, Swift.abs(numeric)))
            count += 1
        }
        for (k, v) in values.enumerated() {
            for i in 0..<v.count {
                let plus = v.copy(), minus = v.copy()
                plus.floats[i] += eps
                minus.floats[i] -= eps
                var argsP = values, argsM = values
                (argsP[k], argsM[k]) = (plus, minus)
                record(try f(argsP), try f(argsM), analytic[k][i])
            }
        }
        for (j, s) in parameters.enumerated() {
            let v = s.value
            for i in 0..<v.count {
                let plus = v.copy(), minus = v.copy()
                plus.floats[i] += eps
                minus.floats[i] -= eps
                try s.set(plus)
                let fp = try f(values)
                try s.set(minus)
                let fm = try f(values)
                try s.set(v)
                record(fp, fm, analytic[values.count + j][i])
            }
        }
        return (worst, count)
    }

    /// A deterministic pseudo-random tensor in [-1, 1).
    public static func random(_ shape: [Int], seed: UInt64 = 1, positive: Bool = false) -> Tensor {
        let r = RandomState(seed: seed)
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ in positive ? 0.5 + r.uniform() : 2 * r.uniform() - 1 }
        return try! Tensor(values, shape: shape)
    }
}

// MARK: - Op-level test helpers (forward evaluation three ways, errors, well-separated inputs)

/// A failed consistency check inside a helper; thrown so the calling test fails with this message.
public struct CheckFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public extension Check {
    /// How `eval` feeds values: as inputs with fully known static shapes, as inputs with unknown dimensions,
    /// or as constants (then the whole graph is folded when the function is compiled).
    enum Mode: CaseIterable, Sendable { case staticShapes, dynamicShapes, folded }

    static func floats(_ values: [Float], _ shape: [Int]? = nil) -> Tensor {
        values.isEmpty ? try! Tensor(zeros: shape ?? [0], dtype: .float32) : try! Tensor(values, shape: shape ?? [values.count])
    }
    static func ints(_ values: [Int32], _ shape: [Int]? = nil) -> Tensor {
        values.isEmpty ? try! Tensor(zeros: shape ?? [0], dtype: .int32) : try! Tensor(values, shape: shape ?? [values.count])
    }
    /// `t` with `delta` added to every element (to keep two grids of test values apart).
    static func shifted(_ t: Tensor, _ delta: Float) -> Tensor { try! Tensor(t.scalars.map { $0 + delta }, shape: t.shape) }
    static func bools(_ values: [Bool], _ shape: [Int]? = nil) -> Tensor {
        let bytes = values.map { UInt8($0 ? 1 : 0) }
        if bytes.isEmpty { return try! Tensor(zeros: shape ?? [0], dtype: .bool) }
        return bytes.withUnsafeBytes { try! Tensor(copying: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!, dtype: .bool, shape: shape ?? [values.count]) }
    }
    static func scalar(_ v: Float) -> Tensor { Tensor(scalar: v) }

    /// Symbolic inputs matching `values` (dtype and rank; dimensions known or not).
    static func inputs(for values: [Tensor], dynamic: Bool = false) -> [Node] {
        values.enumerated().map { i, v in
            Node.input("x\(i)", dtype: v.dtype, shape: v.shape.map { dynamic ? nil : Optional($0) })
        }
    }

    /// Compiles `build` over `values` in every requested mode, runs it, and checks the modes agree exactly
    /// (shape, dtype, values with NaN == NaN). Returns the outputs of the first mode. `checkFinite` is off.
    static func eval(_ values: [Tensor], modes: [Mode] = Mode.allCases, _ build: ([Node]) throws -> [Node]) throws -> [Tensor] {
        var first: [Tensor]? = nil
        var firstMode: Mode? = nil
        for mode in modes {
            let outs: [Tensor]
            switch mode {
            case .staticShapes, .dynamicShapes:
                let ins = inputs(for: values, dynamic: mode == .dynamicShapes)
                let f = try Function(inputs: ins, outputs: try build(ins), checkFinite: false)
                outs = try f(values)
            case .folded:
                outs = try Function(inputs: [], outputs: try build(values.map { Node.constant($0) }), checkFinite: false)([])
            }
            if let first, let firstMode {
                guard first.count == outs.count else { throw CheckFailure("\(mode) gave \(outs.count) outputs, \(firstMode) gave \(first.count)") }
                for (k, (a, b)) in zip(first, outs).enumerated() {
                    guard a.shape == b.shape, a.dtype == b.dtype, same(a.scalars, b.scalars, tol: 0) else {
                        throw CheckFailure("output \(k): \(firstMode) gave \(a.dtype)\(a.shape) \(a.scalars), \(mode) gave \(b.dtype)\(b.shape) \(b.scalars)")
                    }
                }
            } else {
                first = outs
                firstMode = mode
            }
        }
        return first ?? []
    }

    /// `eval` for one output.
    static func eval1(_ values: [Tensor], modes: [Mode] = Mode.allCases, _ build: ([Node]) throws -> Node) throws -> Tensor {
        try eval(values, modes: modes) { [try build($0)] }[0]
    }

    /// Elementwise closeness with NaN == NaN and equal infinities; `tol` is absolute plus relative to |b|.
    static func same(_ a: [Float], _ b: [Float], tol: Float = 1e-5) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            if x.isNaN || y.isNaN { if !(x.isNaN && y.isNaN) { return false }; continue }
            if x.isInfinite || y.isInfinite { if x != y { return false }; continue }
            if Swift.abs(x - y) > tol * (1 + Swift.abs(y)) { return false }
        }
        return true
    }

    /// The `AgentNetError` thrown by `body`, or nil when it does not throw (or throws something else).
    static func error<R>(_ body: () throws -> R) -> AgentNetError? {
        do { _ = try body(); return nil } catch let e as AgentNetError { return e } catch { return nil }
    }

    /// True when `body` throws an error of any type.
    static func throwsAny<R>(_ body: () throws -> R) -> Bool {
        do { _ = try body(); return false } catch { return true }
    }

    /// A nonlinear scalar of `y` for gradient checks: every element gets a different, non-trivial weight.
    static func probe(_ y: Node) throws -> Node {
        try T.sum(T.sin(T.add(T.mul(y, 1.3), 0.2)))
    }

    /// Distinct values at least 0.1 apart (deterministically shuffled), never within 0.03 of an integer multiple
    /// of 0.5: safe for finite differences of max/min/abs/relu/floor/mod with eps = 1e-2.
    static func distinct(_ shape: [Int], seed: UInt64 = 1, positive: Bool = false) -> Tensor {
        let n = shape.reduce(1, *)
        let r = RandomState(seed: seed)
        var order = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, r.below(i + 1)) }
        let values = order.map { k -> Float in
            let base = positive ? 0.3 + Float(k) * 0.1 : (Float(k) - Float(n / 2)) * 0.1
            return base + 0.037
        }
        return try! Tensor(values, shape: shape)
    }
}
