#if canImport(Glibc)
import Glibc
#endif

// NumPy's scalar `x ** 2` and Python's `math.pow` call libm's `pow` (`powf` for an `np.float32`), which glibc does not
// round correctly: it differs from `x * x` in about 1 of 1,200 float64 cases. LLVM rewrites `pow(x, 2)` as `x * x`, so
// these wrappers are kept out of the optimizer's reach (no inlining, no constant exponent) to call the real libm.

/// `x ** y` on an `np.float64` scalar, or `math.pow(x, y)`: glibc `pow`.
@_optimize(none)
func libmPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// `x ** y` on an `np.float32` scalar: glibc `powf`.
@_optimize(none)
func libmPow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
