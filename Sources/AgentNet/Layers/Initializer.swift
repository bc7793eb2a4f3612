/// Lasagne's initializers for parameters of a given shape, all drawing from one engine generator
/// (`Initializer.rng`), so one seed reproduces every initial weight. Fan-in/fan-out follow Lasagne: for a `[K, N]`
/// matrix fan_in = K, fan_out = N; for `[n1, n2, k...]` (convolution filters) both are multiplied by the
/// receptive field `prod(k...)`; in the c01b layout `[channels, rows, cols, batch]` fan_in = shape[0]·rows·cols and
/// fan_out = shape[3]·rows·cols.
public indirect enum Initializer: Sendable {
    case constant(Float)
    case normal(std: Float, mean: Float)
    case uniform(low: Float, high: Float)
    /// Glorot (Xavier): std = gain·sqrt(2 / (fan_in + fan_out)); uniform on ±sqrt(3)·std.
    case glorotUniform(gain: Float)
    case glorotNormal(gain: Float)
    /// He: std = gain·sqrt(1 / fan_in); fan_in = shape[0] for matrices, prod(shape[1...]) for filters.
    case heUniform(gain: Float)
    case heNormal(gain: Float)
    /// The flattened `[shape[0], prod(shape[1...])]` matrix has orthonormal rows or columns (whichever are fewer).
    case orthogonal(gain: Float)
    /// `[inputs, outputs]` with `Int(sparsity·inputs)` entries per column drawn from N(0, std²), the rest zero.
    case sparse(sparsity: Float, std: Float)
    /// A Glorot or He initializer whose fans are read in the c01b layout.
    case c01b(Initializer)

    /// The generator all initializers draw from (Lasagne's `lasagne.random.get_rng()`); reseed for reproducibility.
    public static let rng = RandomState(seed: 1234)

    /// Lasagne's fans for Glorot: `(n1·field, n2·field)`.
    static func fans(_ shape: [Int], c01b: Bool) throws -> (Float, Float) {
        if c01b {
            guard shape.count == 4 else { throw AgentNetError.shape("If c01b is True, only shapes of length 4 are accepted, got \(formatShape(shape))") }
            let field = shape[1] * shape[2]
            return (Float(shape[0] * field), Float(shape[3] * field))
        }
        guard shape.count >= 2 else { throw AgentNetError.shape("This initializer only works with shapes of length >= 2, got \(formatShape(shape))") }
        let field = shape[2...].reduce(1, *)
        return (Float(shape[0] * field), Float(shape[1] * field))
    }

    /// Lasagne's fan-in for He.
    static func heFanIn(_ shape: [Int], c01b: Bool) throws -> Float {
        if c01b {
            guard shape.count == 4 else { throw AgentNetError.shape("If c01b is True, only shapes of length 4 are accepted, got \(formatShape(shape))") }
            return Float(shape[0] * shape[1] * shape[2])
        }
        guard shape.count >= 2 else { throw AgentNetError.shape("This initializer only works with shapes of length >= 2, got \(formatShape(shape))") }
        return Float(shape.count == 2 ? shape[0] : shape[1...].reduce(1, *))
    }

    /// A tensor of `shape` drawn from `Initializer.rng` (locked for the whole draw, so layers may be built on
    /// several threads).
    public func sample(_ shape: [Int]) throws -> Tensor { try Initializer.rng.drawing { try unlockedSample(shape) } }

    private func unlockedSample(_ shape: [Int]) throws -> Tensor {
        let t = try Tensor(zeros: shape, dtype: .float32)
        try fill(t, shape, c01b: false)
        return t
    }

    private func fill(_ t: Tensor, _ shape: [Int], c01b: Bool) throws {
        let n = t.count, p = t.floats, r = Initializer.rng
        func uniform(_ a: Float) { for i in 0..<n { p[i] = (2 * r.uniform() - 1) * a } }
        func normal(_ s: Float, _ m: Float = 0) { for i in 0..<n { p[i] = m + s * r.normal() } }
        switch self {
        case .constant(let v): p.update(repeating: v, count: n)
        case .normal(let std, let mean): normal(std, mean)
        case .uniform(let lo, let hi): for i in 0..<n { p[i] = lo + (hi - lo) * r.uniform() }
        case .glorotUniform(let gain):
            let (fi, fo) = try Initializer.fans(shape, c01b: c01b)
            uniform(gain * (6 / (fi + fo)).squareRoot())
        case .glorotNormal(let gain):
            let (fi, fo) = try Initializer.fans(shape, c01b: c01b)
            normal(gain * (2 / (fi + fo)).squareRoot())
        case .heUniform(let gain):
            uniform(gain * (3 / (try Initializer.heFanIn(shape, c01b: c01b))).squareRoot())
        case .heNormal(let gain):
            normal(gain * (1 / (try Initializer.heFanIn(shape, c01b: c01b))).squareRoot())
        case .orthogonal(let gain):
            guard shape.count >= 2 else { throw AgentNetError.shape("Only shapes of length 2 or more are supported, got \(formatShape(shape))") }
            orthogonal(p, rows: shape[0], cols: n / max(shape[0], 1), gain: gain)
        case .sparse(let sparsity, let std):
            guard shape.count == 2 else { throw AgentNetError.shape("sparse initializer only works with shapes of length 2, got \(formatShape(shape))") }
            let (inputs, outputs) = (shape[0], shape[1])
            let size = max(0, min(inputs, Int(sparsity * Float(inputs))))
            p.update(repeating: 0, count: n)
            var rows = Array(0..<inputs)
            for k in 0..<outputs {
                // Partial Fisher–Yates: the first `size` rows of a fresh permutation.
                for i in 0..<size {
                    let j = i + Int(r.next() % UInt64(inputs - i))
                    rows.swapAt(i, j)
                }
                for i in 0..<size { p[rows[i] * outputs + k] = std * r.normal() }
            }
        case .c01b(let inner):
            try inner.fill(t, shape, c01b: true)
        }
    }

    /// Gram–Schmidt on Gaussian vectors along the longer side gives orthonormal rows or columns.
    private func orthogonal(_ p: UnsafeMutablePointer<Float>, rows: Int, cols: Int, gain: Float) {
        let r = Initializer.rng
        let (m, k) = rows <= cols ? (rows, cols) : (cols, rows)
        var basis = [[Double]]()
        while basis.count < m {
            var v = (0..<k).map { _ in Double(r.normal()) }
            for _ in 0..<2 {  // twice, for orthogonality to float precision
                for b in basis {
                    let d = zip(v, b).map(*).reduce(0, +)
                    for j in 0..<k { v[j] -= d * b[j] }
                }
            }
            let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
            if norm > 1e-6 { basis.append(v.map { $0 / norm }) }
        }
        for i in 0..<rows { for j in 0..<cols {
            p[i * cols + j] = gain * Float(rows <= cols ? basis[i][j] : basis[j][i])
        } }
    }

    /// Parses `{"kind": "GlorotUniform", "gain": 1, "c01b": false}` and the other Lasagne names.
    public init(json: JSON) throws {
        let kind = json["kind"]?.string ?? ""
        func num(_ k: String, _ d: Double) throws -> Float {
            guard let v = json[k] else { return Float(d) }
            guard let x = v.double, x.isFinite else { throw AgentNetError.invalid("\(kind): '\(k)' must be a finite number, got \(v.serialized)") }
            return Float(x)
        }
        let gain: Float = json["gain"]?.string == "relu" ? Float(2).squareRoot() : try num("gain", 1)
        var made: Initializer
        switch kind {
        case "Constant": made = .constant(try num("val", 0))
        case "Normal": made = .normal(std: try num("std", 0.01), mean: try num("mean", 0))
        case "Uniform":
            let range = try num("range", 0.01)
            made = .uniform(low: try num("low", Double(-range)), high: try num("high", Double(range)))
        case "GlorotUniform": made = .glorotUniform(gain: gain)
        case "GlorotNormal": made = .glorotNormal(gain: gain)
        case "HeUniform": made = .heUniform(gain: gain)
        case "HeNormal": made = .heNormal(gain: gain)
        case "Orthogonal": made = .orthogonal(gain: gain)
        case "Sparse": made = .sparse(sparsity: try num("sparsity", 0.1), std: try num("std", 0.01))
        default: throw AgentNetError.invalid("unknown initializer '\(kind)'")
        }
        if json["c01b"]?.bool == true {
            guard ["GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal"].contains(kind) else {
                throw AgentNetError.invalid("\(kind) has no c01b layout")
            }
            made = .c01b(made)
        }
        self = made
    }
}
