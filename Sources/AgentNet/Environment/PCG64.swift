// NumPy's default random stream, reproduced bit for bit so that `reset(seed: s)` draws the same initial
// states as Gymnasium's `np.random.Generator(np.random.PCG64(np.random.SeedSequence(s)))`.
// Transcribed from numpy/random/bit_generator.pyx (SeedSequence) and numpy/random/src/pcg64/pcg64.h.

/// NumPy's `SeedSequence` reduced to what `PCG64` needs: entropy words in, four 64-bit seed words out.
///
/// `entropy` is the seed split into 32-bit little-endian words (`0` is `[0]`, `2^32 + 7` is `[7, 1]`);
/// no spawn key. The pool has four words; all arithmetic is modulo 2^32.
public struct SeedSequence: Sendable {
    public let pool: [UInt32]

    static let initA: UInt32 = 0x43b0_d7e5, multA: UInt32 = 0x931e_8875
    static let initB: UInt32 = 0x8b51_f9dd, multB: UInt32 = 0x58f3_8ded
    static let mixMultL: UInt32 = 0xca01_f9dd, mixMultR: UInt32 = 0x4973_f715

    public init(entropy: [UInt32]) {
        var hashConst = Self.initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var v = value ^ hashConst
            hashConst = hashConst &* Self.multA
            v = v &* hashConst
            return v ^ (v >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let r = Self.mixMultL &* x &- Self.mixMultR &* y
            return r ^ (r >> 16)
        }
        var pool = (0..<4).map { hashmix($0 < entropy.count ? entropy[$0] : 0) }
        for src in 0..<4 {
            for dst in 0..<4 where src != dst {
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
            }
        }
        for src in entropy.indices.dropFirst(4) {
            for dst in 0..<4 {
                pool[dst] = mix(pool[dst], hashmix(entropy[src]))
            }
        }
        self.pool = pool
    }

    /// The entropy words of a non-negative integer seed (NumPy's `_coerce_to_uint32_array` for Python ints).
    public init(seed: UInt64) {
        let low = UInt32(truncatingIfNeeded: seed), high = UInt32(truncatingIfNeeded: seed >> 32)
        self.init(entropy: high == 0 ? [low] : [low, high])
    }

    /// `generate_state(n, np.uint64)`: 2n 32-bit words paired little-endian into n 64-bit words.
    public func generateState(_ n: Int) -> [UInt64] {
        var hashConst = Self.initB
        var words = [UInt32]()
        words.reserveCapacity(2 * n)
        for i in 0..<(2 * n) {
            var v = pool[i % 4] ^ hashConst
            hashConst = hashConst &* Self.multB
            v = v &* hashConst
            words.append(v ^ (v >> 16))
        }
        return (0..<n).map { UInt64(words[2 * $0]) | UInt64(words[2 * $0 + 1]) << 32 }
    }

    /// `seed + offset` as entropy words, carrying into a new top word when needed (SyncVectorEnv seeds sub-env i with seed + i).
    public static func words(_ seed: [UInt32], plus offset: UInt64) -> [UInt32] {
        var result = seed.isEmpty ? [0] : seed
        var carry = offset
        var k = 0
        while carry != 0 {
            if k == result.count { result.append(0) }
            let sum = UInt64(result[k]) + (carry & 0xffff_ffff)
            result[k] = UInt32(truncatingIfNeeded: sum)
            carry = (carry >> 32) + (sum >> 32)
            k += 1
        }
        return result
    }
}

/// NumPy's `PCG64` bit generator (XSL-RR output on a 128-bit LCG) with `Generator.random`/`uniform` on top.
///
/// `state` and `inc` are the two integers of `bit_generator.state["state"]`; copying them to or from NumPy
/// continues the same stream.
public struct PCG64: Sendable, Equatable {
    public var state: UInt128
    public var inc: UInt128

    static let multiplier: UInt128 = (UInt128(2_549_297_995_355_413_924) << 64) | 4_865_540_595_714_422_341

    public init(state: UInt128, inc: UInt128) {
        self.state = state
        self.inc = inc
    }

    /// `PCG64(SeedSequence(...))`: `pcg64_set_seed` on the sequence's first four 64-bit words.
    public init(_ seq: SeedSequence) {
        let s = seq.generateState(4)
        let initState = UInt128(s[0]) << 64 | UInt128(s[1])
        inc = (UInt128(s[2]) << 64 | UInt128(s[3])) << 1 | 1
        state = 0
        state = state &* Self.multiplier &+ inc
        state = state &+ initState
        state = state &* Self.multiplier &+ inc
    }

    /// Seeded from the operating system, like `np.random.default_rng()` without a seed (128 bits of entropy).
    public static func fromSystemEntropy() -> PCG64 {
        var system = SystemRandomNumberGenerator()
        return PCG64(SeedSequence(entropy: (0..<4).map { _ in system.next() }))
    }

    @inline(__always)
    public mutating func next64() -> UInt64 {
        state = state &* Self.multiplier &+ inc
        let hi = UInt64(truncatingIfNeeded: state >> 64), lo = UInt64(truncatingIfNeeded: state)
        let rot = hi >> 58
        return (hi ^ lo).rotatedRight(by: rot)
    }

    /// `Generator.random()`: 53 random bits scaled to [0, 1).
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `Generator.uniform(low, high)`: `low + (high - low) * u`, the range computed in Double first.
    @inline(__always)
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        let range = high - low
        return low + range * nextDouble()
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedRight(by r: UInt64) -> UInt64 {
        (self >> r) | (self << ((64 &- r) & 63))
    }
}
