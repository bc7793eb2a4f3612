/// What the engine runs on, for `agentnet.show_config()` and benchmark headers: the BLAS library and the kernels it
/// uses, the engine's SIMD path, the float mode and the CPU. Reading it loads OpenBLAS if nothing has yet.
public struct EngineConfig: Sendable {
    public var blasLibrary: String?
    public var blasVersion: String
    public var blasCore: String
    public var blasReportedCore: String
    public var blasAutoSelected: Bool
    public var blasSelection: String
    public var blasThreads: Int
    /// The path of AgentNetFastMath's loops: "AVX2" or "baseline" (WideLoops.swift).
    public var simd: String
    /// The engine-wide setting (`FloatMode.flushDenormals`): compiled calls run with FTZ/DAZ when true.
    public var flushDenormals: Bool
    /// The calling thread's MXCSR, nil where there is none.
    public var callerMXCSR: UInt32?
    public var cpu: CPUInfo

    /// The configuration now, as seen from the calling thread.
    public static var current: EngineConfig {
        let blas = BLASLibrary.shared
        return EngineConfig(
            blasLibrary: blas.path, blasVersion: blas.version, blasCore: blas.core, blasReportedCore: blas.reportedCore,
            blasAutoSelected: blas.autoSelected, blasSelection: blas.selection, blasThreads: AgentNet.blasThreads(),
            simd: WideLoops.enabled ? "AVX2" : "baseline", flushDenormals: FloatMode.flushDenormals,
            callerMXCSR: FloatMode.currentMXCSR, cpu: .current)
    }

    /// One JSON object (the C ABI's `agn_config_json`).
    public var json: String {
        func text(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
        func int(_ i: Int?) -> JSON { i.map { .number(Double($0)) } ?? .null }
        return JSON.object([
            "blas": .object([
                "library": text(blasLibrary), "version": .string(blasVersion), "core": .string(blasCore),
                "reported_core": .string(blasReportedCore), "auto_selected": .bool(blasAutoSelected),
                "selection": .string(blasSelection), "threads": int(blasThreads),
            ]),
            "simd": .string(simd),
            "flush_denormal": .bool(flushDenormals),
            "caller_mxcsr": int(callerMXCSR.map(Int.init)),
            "cpu": .object([
                "model": .string(cpu.model), "vendor": .string(cpu.vendor), "family": int(cpu.family),
                "model_number": int(cpu.modelNumber), "level": .string(BLASCoreSelection.level(of: cpu).name),
            ]),
        ]).serialized
    }
}
