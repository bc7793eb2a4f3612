import AgentNetFastMath
#if canImport(Glibc)
import Glibc
#endif

/// Runtime choice between the engine's baseline loops and AgentNetFastMath's AVX2 ones for the transcendental
/// nonlinearities (the only elementwise loops that are compute-bound: 2–3 ns per element at 4 lanes, ~14% of the
/// GRU benchmark's step). The wheel is built for baseline x86-64 and runs anywhere; CPUs with AVX2 take the wide
/// loops, whose results are identical bit for bit. `AGENTNET_SIMD=baseline` forces the baseline loops.
enum WideLoops {
    /// True when the CPU (as /proc/cpuinfo reports it, CPUInfo.swift) has AVX2, and the override is not set.
    static let enabled: Bool = {
        #if arch(x86_64) && canImport(Glibc)
        if let v = getenv("AGENTNET_SIMD"), String(cString: v) == "baseline" { return false }
        return CPUInfo.current.has("avx2")
        #else
        return false
        #endif
    }()
}

/// `o[i] = sigmoid(a[i])` for `i < n` (contiguous buffers).
func sigmoidLoop(_ n: Int, _ a: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    WideLoops.enabled ? sigmoidLoopWide(n, a, o) : sigmoidLoopBaseline(n, a, o)
}

/// `o[i] = tanh(a[i])` for `i < n` (contiguous buffers).
func tanhLoop(_ n: Int, _ a: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    WideLoops.enabled ? tanhLoopWide(n, a, o) : tanhLoopBaseline(n, a, o)
}

/// The baseline loops: compiled for the engine's target (also called by tests comparing both paths).
func sigmoidLoopBaseline(_ n: Int, _ a: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    for i in 0..<n { o[i] = fastSigmoid(a[i]) }
}

func tanhLoopBaseline(_ n: Int, _ a: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>) {
    for i in 0..<n { o[i] = fastTanh(a[i]) }
}
