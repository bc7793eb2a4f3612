import AgentNetPlatform

/// Flush-to-zero (FTZ: denormal results become 0) and denormals-are-zero (DAZ: denormal inputs read as 0) for
/// compiled calls, and IEEE semantics for environment physics.
///
/// Training drifts into denormal floats (an Adam step measured 420 µs before, 2,000 µs after ~600 steps on an Intel
/// core, where denormal arithmetic is up to 100× slower), so compiled calls run with MXCSR's FTZ (bit 15) and DAZ
/// (bit 6) set and put the caller's MXCSR back on return, errors included: numpy in the same thread still sees
/// denormals. The mode is per thread; OpenBLAS's worker threads (when `setBLASThreads` > 1) keep their own.
public enum FloatMode {
    static let ftz: UInt32 = 1 << 15
    static let daz: UInt32 = 1 << 6
    /// MXCSR's sticky exception flags (invalid, denormal, divide-by-zero, overflow, underflow, inexact).
    static let exceptionFlags: UInt32 = 0x3F

    /// The engine-wide switch: compiled calls flush denormals when true (the default). When false they run in the
    /// caller's mode, whatever it is.
    public static var flushDenormals: Bool {
        get { agentnet_flush_setting() != 0 }
        set { agentnet_set_flush_setting(newValue ? 1 : 0) }
    }

    /// True when this processor has a mode to switch (x86-64).
    public static var available: Bool { agentnet_has_mxcsr() != 0 }

    /// The calling thread's MXCSR, nil where there is none.
    public static var currentMXCSR: UInt32? { available ? agentnet_get_mxcsr() : nil }

    /// True when the calling thread flushes denormals now (FTZ and DAZ both set).
    public static var threadFlushes: Bool { currentMXCSR.map { $0 & (ftz | daz) == ftz | daz } ?? false }

    /// The caller's mode, to put back with `restore()`.
    public struct Saved {
        let mxcsr: UInt32
        let changed: Bool

        /// Restores the caller's control bits; exception flags raised meanwhile stay raised, as without a switch.
        @inline(__always)
        public func restore() {
            if changed { agentnet_set_mxcsr(mxcsr | (agentnet_get_mxcsr() & FloatMode.exceptionFlags)) }
        }
    }

    /// Enters the mode of a compiled call (FTZ and DAZ on, when `flushDenormals`); pair with `restore()` in a
    /// `defer`.
    @inline(__always)
    public static func enterCompiled() -> Saved {
        guard flushDenormals, available else { return Saved(mxcsr: 0, changed: false) }
        return switchTo(set: ftz | daz, clear: 0)
    }

    /// Runs `body` with IEEE semantics (FTZ and DAZ off): environment physics, whose trajectories must match
    /// Gymnasium's bit for bit, even when called from inside a compiled call.
    @inline(__always)
    public static func ieee<T>(_ body: () throws -> T) rethrows -> T {
        let saved = available ? switchTo(set: 0, clear: ftz | daz) : Saved(mxcsr: 0, changed: false)
        defer { saved.restore() }
        return try body()
    }

    @inline(__always)
    static func switchTo(set: UInt32, clear: UInt32) -> Saved {
        let old = agentnet_get_mxcsr()
        let new = (old | set) & ~clear
        if new != old { agentnet_set_mxcsr(new) }
        return Saved(mxcsr: old & ~exceptionFlags, changed: new != old)
    }
}
