/// Branch-free float32 `exp`, `sigmoid` and `tanh` that the compiler vectorises (glibc's `expf`/`tanhf` are scalar
/// calls: 7–15 ns per element, which made the GRU benchmark spend a third of its time in them). Cephes polynomials,
/// accurate to about 2 ulp over the whole range; both branches of every select are computed so the loops stay SIMD.
///
/// A module of its own so that it can be compiled for a wider instruction set than the engine: the scalar functions
/// are `@inlinable` and always inlined, so the engine's copies are compiled for the engine's baseline target, while
/// the `…Wide` loops below are this module's own code, compiled for AVX2. Nothing here runs at load time.

/// `e^x` for `x` clamped to [-87.3, 88.7] (results in the normal range; beyond it glibc would give 0 or inf,
/// callers here only need the clamped value).
@inlinable @inline(__always)
public func fastExp(_ x: Float) -> Float {
    let x = Swift.min(Swift.max(x, -87.3), 88.7)
    // n = round(x / ln 2) via the 1.5·2²³ trick; its low mantissa bits hold n as an integer.
    let t = x * 1.44269504088896341 + 12582912
    let n = t - 12582912
    let ni = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    // 2ⁿ by building the exponent bits; n ∈ [-126, 128] after the clamp, 2¹²⁸ is split to stay finite.
    let half = ni >> 1
    let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) << 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (ni &- half &+ 127) << 23))
    return p * s1 * s2
}

/// `1 / (1 + e^-x)` from `e = e^-|x|` (never overflows): `1/(1+e)` for x ≥ 0, `e/(1+e)` below.
@inlinable @inline(__always)
public func fastSigmoid(_ x: Float) -> Float {
    let e = fastExp(-Swift.abs(x))
    let s = 1 / (1 + e)
    return x >= 0 ? s : e * s
}

/// `tanh x`: an odd polynomial below |x| = 0.625 (where `1 − 2/(e^2x + 1)` would lose relative precision),
/// `sign(x)·(1 − 2/(e^2|x| + 1))` above.
@inlinable @inline(__always)
public func fastTanh(_ x: Float) -> Float {
    let a = Swift.abs(x)
    let z = x * x
    var p: Float = -5.70498872745e-3
    p = p * z + 2.06390887954e-2
    p = p * z - 5.37397155531e-2
    p = p * z + 1.33314422036e-1
    p = p * z - 3.33332819422e-1
    let small = p * z * x + x
    let big = 1 - 2 / (fastExp(2 * Swift.min(a, 44)) + 1)
    let signedBig = x < 0 ? -big : big
    return a < 0.625 ? small : signedBig
}

/// Loops over contiguous buffers compiled for this module's target: AVX2 on x86-64 (Package.swift), 8 lanes where
/// the engine's baseline build has 4 (SSE2). Without fused multiply-add contraction, so their results are bit for bit
/// those of the same loops in the baseline build; the engine calls them only on CPUs that have AVX2
/// (AgentNet's `WideLoops`). Measured on 4096 floats (Zen 4): sigmoid 9.9 → 3.9 µs, tanh 11.6 → 5.8 µs.
public func sigmoidLoopWide(_ n: Int, _ a: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    for i in 0..<n { o[i] = fastSigmoid(a[i]) }
}

public func tanhLoopWide(_ n: Int, _ a: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    for i in 0..<n { o[i] = fastTanh(a[i]) }
}

// MARK: - Optimizer steps

/// The optimizer steps whose square root and division make them compute-bound (AgentNet's `FusedOp`): the formulas,
/// inlined into the engine's baseline loops, and this module's AVX2 loops over them (0.57 → 0.28 ns per element on
/// Zen 4 for Adam's step). `o` may be one of the inputs (an in-place update).
@inlinable @inline(__always)
public func adamStep(_ p: Float, _ m: Float, _ v: Float, _ step: Float, _ eps: Float) -> Float {
    p - step * m / (v.squareRoot() + eps)
}

@inlinable @inline(__always)
public func rmsStep(_ p: Float, _ g: Float, _ a: Float, _ lr: Float, _ eps: Float) -> Float {
    p - lr * g / (a + eps).squareRoot()
}

@inlinable @inline(__always)
public func adadeltaDelta(_ g: Float, _ d: Float, _ a: Float, _ eps: Float) -> Float {
    g * (d + eps).squareRoot() / (a + eps).squareRoot()
}

public func adamStepLoopWide(_ n: Int, _ p: UnsafePointer<Float>, _ m: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                             _ o: UnsafeMutablePointer<Float>, _ step: Float, _ eps: Float) {
    for i in 0..<n { o[i] = adamStep(p[i], m[i], v[i], step, eps) }
}

public func rmsStepLoopWide(_ n: Int, _ p: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
                            _ o: UnsafeMutablePointer<Float>, _ lr: Float, _ eps: Float) {
    for i in 0..<n { o[i] = rmsStep(p[i], g[i], a[i], lr, eps) }
}

public func adadeltaDeltaLoopWide(_ n: Int, _ g: UnsafePointer<Float>, _ d: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
                                  _ o: UnsafeMutablePointer<Float>, _ eps: Float) {
    for i in 0..<n { o[i] = adadeltaDelta(g[i], d[i], a[i], eps) }
}
