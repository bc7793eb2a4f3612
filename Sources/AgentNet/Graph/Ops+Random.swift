#if canImport(Glibc)
import Glibc
#endif

/// A seeded generator (xoshiro256**, seeded through splitmix64) owned by a random op. Its state advances on every
/// call of a compiled function that draws from it: the seed's "automatic updates", kept inside the engine.
/// Several functions (on several threads) may draw from one state: each sequence of draws runs under `drawing`,
/// and `next()` itself takes no lock, for speed.
public final class RandomState: @unchecked Sendable {
    var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private let lock = Lock()

    public init(seed: UInt64) { reseed(seed) }

    /// Runs a sequence of draws with the state to itself.
    @inline(__always)
    public func drawing<T>(_ body: () throws -> T) rethrows -> T { try lock.locked(body) }

    public func reseed(_ seed: UInt64) { drawing { restart(seed) } }

    private func restart(_ seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always)
    public func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every float32 value on the grid is equally likely).
    @inline(__always)
    public func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform double in [0, 1) with 53 bits.
    @inline(__always)
    public func uniformDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// Standard normal by Box–Muller.
    public func normal() -> Float {
        let u1 = 1 - uniformDouble(), u2 = uniformDouble()
        return Float((-2 * Glibc.log(u1)).squareRoot() * Glibc.cos(2 * Double.pi * u2))
    }

    /// Uniform integer in [0, n) without modulo bias.
    public func below(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }
}

public enum RandomKind: String, Sendable { case uniform, normal, binomial, choice, multinomial }

/// A random draw of a static shape. Inputs: `[shape, a, b]` where (a, b) are (low, high) for uniform, (mean, std)
/// for normal, (n, p) for binomial (p broadcast to the shape), (n, unused) for choice (uniform ints in [0, n)),
/// and (pvals `[..., k]`, unused) for multinomial (one draw per row, one-hot output).
public struct RandomOp: Op {
    public let kind: RandomKind
    public let state: RandomState
    public let dtype: DType
    public var name: String { "random_\(kind.rawValue)" }
    public var staticInputs: [Int] { [0] }
    public var isFoldable: Bool { false }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let s = inputs[0]
        guard s.rank == 1, s.dtype != .float32, let n = s.shape[0] else {
            throw AgentNetError.shape("\(name): size must be an int vector of known length")
        }
        if kind == .multinomial { return (dtype, inputs[1].shape) }
        if let c = s.constantValue { return (dtype, (0..<n).map { Int(c.ints[$0]) }) }
        return (dtype, Array(repeating: nil, count: n))
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        if kind == .multinomial { return ctx.shapes[1] }
        let dims = try ctx.ints(0)
        _ = try checkedCount(dims)
        if kind == .binomial { _ = try broadcastShapes([ctx.shapes[2], dims]) }
        return dims
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let draw = try unlockedKernel(inputs, output), rng = state
        return { try rng.drawing(draw) }
    }

    /// The kernel without the generator's lock.
    private func unlockedKernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let rng = state, n = output.count, a = inputs[1], b = inputs[2], dtype = self.dtype
        func store(_ i: Int, _ v: Float) {
            switch dtype {
            case .float32: output.floats[i] = v
            case .int32: output.ints[i] = saturatingInt32(v)
            case .bool: output.bytes[i] = v != 0 ? 1 : 0
            }
        }
        switch kind {
        case .uniform:
            return { let lo = a.scalars[0], hi = b.scalars[0]; for i in 0..<n { store(i, lo + (hi - lo) * rng.uniform()) } }
        case .normal:
            return { let m = a.scalars[0], sd = b.scalars[0]; for i in 0..<n { store(i, m + sd * rng.normal()) } }
        case .binomial:
            let plan = BroadcastPlan(out: output.shape, operands: [b.shape])
            return {
                let n = a.scalars[0]
                // Drawn by counting successes, so n is bounded to keep a call from running for hours.
                guard n.isFinite, n >= 0, n <= 16_777_216 else {
                    throw AgentNetError(.runtime, "binomial: n = \(n) must be a count in 0...16777216")
                }
                let trials = Int(n)
                var i = 0
                let p = b.floats
                plan.withRuns { off, _, len in
                    let s = plan.innerStrides[0]
                    for j in 0..<len {
                        let pj = p[off[0] + j * s]
                        var k = 0
                        for _ in 0..<trials where rng.uniform() < pj { k += 1 }
                        store(i, Float(k))
                        i += 1
                    }
                }
            }
        case .choice:
            return {
                let v = a.scalars[0]
                guard v.isFinite, v >= 1, v <= Float(Int32.max) else { throw AgentNetError(.runtime, "choice: a = \(v) must be a positive count") }
                let m = Int(v)
                for i in 0..<n { store(i, Float(rng.below(m))) }
            }
        case .multinomial:
            let k = a.shape.last ?? 1, rows = k == 0 ? 0 : a.count / k
            return {
                output.storage.raw.initializeMemory(as: UInt8.self, repeating: 0, count: n * dtype.size)
                for r in 0..<rows {
                    let p = a.floats + r * k
                    var total: Float = 0
                    for j in 0..<k { total += p[j] }
                    let u = rng.uniform() * total
                    var acc: Float = 0, pick = k - 1
                    for j in 0..<k { acc += p[j]; if u < acc { pick = j; break } }
                    store(r * k + pick, 1)
                }
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] { [nil, nil, nil] }
}
