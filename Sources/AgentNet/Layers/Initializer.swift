#if canImport(Glibc)
import Glibc
#endif

/// Lasagne's initializers for parameters of a given shape. Fan-in/fan-out follow Lasagne: for a `[K, N]` matrix
/// fan_in = K, fan_out = N; for convolution filters `[F, C, k...]` both are multiplied by the receptive field.
public enum Initializer: Sendable {
    case constant(Float)
    case normal(std: Float, mean: Float)
    case uniform(low: Float, high: Float)
    case glorotUniform(gain: Float)
    case glorotNormal(gain: Float)
    case heUniform(gain: Float)
    case heNormal(gain: Float)
    case orthogonal(gain: Float)

    /// The generator all initializers draw from (Lasagne's `lasagne.random.get_rng()`); reseed for reproducibility.
    public static let rng = RandomState(seed: 1234)

    static func fans(_ shape: [Int]) throws -> (Float, Float) {
        guard shape.count >= 2 else { throw AgentNetError.shape("this initializer needs a shape of rank >= 2, got \(formatShape(shape))") }
        let field = shape.count > 2 ? shape[2...].reduce(1, *) : 1
        return shape.count == 2 ? (Float(shape[0]), Float(shape[1])) : (Float(shape[1] * field), Float(shape[0] * field))
    }

    /// A tensor of `shape` drawn from `Initializer.rng` (locked for the whole draw, so layers may be built on
    /// several threads).
    public func sample(_ shape: [Int]) throws -> Tensor { try Initializer.rng.drawing { try unlockedSample(shape) } }

    private func unlockedSample(_ shape: [Int]) throws -> Tensor {
        let t = try Tensor(zeros: shape, dtype: .float32)
        let n = t.count, p = t.floats, r = Initializer.rng
        func uniform(_ a: Float) { for i in 0..<n { p[i] = (2 * r.uniform() - 1) * a } }
        func normal(_ s: Float, _ m: Float = 0) { for i in 0..<n { p[i] = m + s * r.normal() } }
        switch self {
        case .constant(let v): p.update(repeating: v, count: n)
        case .normal(let std, let mean): normal(std, mean)
        case .uniform(let lo, let hi): for i in 0..<n { p[i] = lo + (hi - lo) * r.uniform() }
        case .glorotUniform(let gain):
            let (fi, fo) = try Initializer.fans(shape)
            uniform(gain * (6 / (fi + fo)).squareRoot())
        case .glorotNormal(let gain):
            let (fi, fo) = try Initializer.fans(shape)
            normal(gain * (2 / (fi + fo)).squareRoot())
        case .heUniform(let gain):
            let (fi, _) = try Initializer.fans(shape)
            uniform(gain * (3 / fi).squareRoot())
        case .heNormal(let gain):
            let (fi, _) = try Initializer.fans(shape)
            normal(gain * (1 / fi).squareRoot())
        case .orthogonal(let gain):
            guard shape.count >= 2 else { throw AgentNetError.shape("Orthogonal needs a shape of rank >= 2, got \(formatShape(shape))") }
            let rows = shape[0], cols = n / max(rows, 1)
            // Gram–Schmidt on Gaussian vectors along the longer side gives orthonormal rows or columns.
            let (m, k) = rows <= cols ? (rows, cols) : (cols, rows)
            var basis = [[Double]]()
            while basis.count < m {
                var v = (0..<k).map { _ in Double(r.normal()) }
                for b in basis {
                    let d = zip(v, b).map(*).reduce(0, +)
                    for j in 0..<k { v[j] -= d * b[j] }
                }
                let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
                if norm > 1e-6 { basis.append(v.map { $0 / norm }) }
            }
            for i in 0..<rows { for j in 0..<cols {
                p[i * cols + j] = gain * Float(rows <= cols ? basis[i][j] : basis[j][i])
            } }
        }
        return t
    }

    /// Parses `{"kind": "GlorotUniform", "gain": 1}` and the other Lasagne names.
    public init(json: JSON) throws {
        let kind = json["kind"]?.string ?? ""
        func num(_ k: String, _ d: Double) -> Float { Float(json[k]?.double ?? d) }
        let gain: Float = json["gain"]?.string == "relu" ? Float(2).squareRoot() : num("gain", 1)
        switch kind {
        case "Constant": self = .constant(num("val", 0))
        case "Normal": self = .normal(std: num("std", 0.01), mean: num("mean", 0))
        case "Uniform":
            let range = num("range", 0.01)
            self = .uniform(low: num("low", Double(-range)), high: num("high", Double(range)))
        case "GlorotUniform": self = .glorotUniform(gain: gain)
        case "GlorotNormal": self = .glorotNormal(gain: gain)
        case "HeUniform": self = .heUniform(gain: gain)
        case "HeNormal": self = .heNormal(gain: gain)
        case "Orthogonal": self = .orthogonal(gain: gain)
        default: throw AgentNetError.invalid("unknown initializer '\(kind)'")
        }
    }
}
