@testable import AgentNet
import AgentNetTestSupport
import Testing

// The platform layer: /proc/cpuinfo parsing, the OpenBLAS kernel-family selection (with injected CPUs and core
// names, since the machine running the tests may not reproduce a fallback), the engine's gemm (OpenBLAS against
// the reference loops) and the float mode of compiled calls and of environment physics.

/// An Intel Xeon of family 6, model 207 (Emerald Rapids): a CPU OpenBLAS 0.3.21 does not know.
private let emeraldRapids = CPUInfo(cpuinfo: """
    processor\t: 0
    vendor_id\t: GenuineIntel
    cpu family\t: 6
    model\t\t: 207
    model name\t: INTEL(R) XEON(R) PLATINUM 8581C CPU @ 2.30GHz
    flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl \
    avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8 avx512_vnni

    processor\t: 1
    vendor_id\t: Other
    """)

private let skylakeSP = CPUInfo(vendor: "GenuineIntel", flags: ["sse2", "avx", "avx2", "fma", "avx512f", "avx512cd",
                                                                  "avx512bw", "avx512dq", "avx512vl"])
private let zen3 = CPUInfo(vendor: "AuthenticAMD", flags: ["sse2", "avx", "avx2", "fma"])
private let haswell = CPUInfo(vendor: "GenuineIntel", flags: ["sse2", "avx", "avx2", "fma"])
private let sandy = CPUInfo(vendor: "GenuineIntel", flags: ["sse2", "avx"])
private let oldCore = CPUInfo(vendor: "GenuineIntel", flags: ["sse2", "sse3"])

@Test func cpuinfoParsesTheFirstProcessor() {
    #expect(emeraldRapids.vendor == "GenuineIntel")
    #expect(emeraldRapids.family == 6 && emeraldRapids.modelNumber == 207)
    #expect(emeraldRapids.model == "INTEL(R) XEON(R) PLATINUM 8581C CPU @ 2.30GHz")
    #expect(emeraldRapids.has("avx512f", "amx_bf16") && !emeraldRapids.has("avx512_4fmaps"))
    #expect(!emeraldRapids.isAMD && zen3.isAMD)
    #expect(CPUInfo(cpuinfo: "") == CPUInfo())
    // This machine's own record parses (the test machine is x86-64 Linux).
    #expect(!CPUInfo.current.flags.isEmpty && !CPUInfo.current.vendor.isEmpty)
}

@Test func cpuLevelsFollowTheFlags() {
    typealias S = BLASCoreSelection
    #expect(S.level(of: emeraldRapids) == .avx512 && S.level(of: skylakeSP) == .avx512)
    #expect(S.level(of: zen3) == .avx2 && S.level(of: sandy) == .avx && S.level(of: oldCore) == .sse)
    // AVX-512 without the BW/VL subsets (Knights Landing) runs no SkylakeX kernels; AVX2 without FMA is AVX.
    #expect(S.level(of: CPUInfo(flags: ["avx", "avx2", "fma", "avx512f", "avx512cd"])) == .avx2)
    #expect(S.level(of: CPUInfo(flags: ["avx", "avx2"])) == .avx)
    #expect(S.level(ofCore: "PRESCOTT") == .sse && S.level(ofCore: "Zen") == .avx2 && S.level(ofCore: "neoversen1") == nil)
}

@Test func aGenericCoreIsUpgradedToTheCPUsFamilies() {
    typealias S = BLASCoreSelection
    // OpenBLAS 0.3.21 on Emerald Rapids: Prescott; the loader tries SapphireRapids (0.3.22+) first.
    #expect(S.upgrades(reported: "Prescott", cpu: emeraldRapids) == ["SapphireRapids", "Cooperlake", "SkylakeX", "Haswell", "Sandybridge"])
    for generic in ["Nehalem", "Core2", "Katmai", "Banias", "Unknown", "Penryn", "Atom", "Barcelona"] {
        #expect(S.upgrades(reported: generic, cpu: skylakeSP) == ["SkylakeX", "Haswell", "Sandybridge"], "\(generic)")
    }
    #expect(S.upgrades(reported: "Prescott", cpu: zen3) == ["Zen", "Haswell", "Sandybridge"])
    #expect(S.upgrades(reported: "Sandybridge", cpu: haswell) == ["Haswell"])
    #expect(S.upgrades(reported: "Sandybridge", cpu: emeraldRapids) == ["SapphireRapids", "Cooperlake", "SkylakeX", "Haswell"])
    #expect(S.upgrades(reported: "prescott", cpu: sandy) == ["Sandybridge"])
}

@Test func oPENBLASsOwnFittingChoiceStands() {
    typealias S = BLASCoreSelection
    // A core at the CPU's level is OpenBLAS's choice, even where another family of that level would also fit.
    #expect(S.upgrades(reported: "SkylakeX", cpu: emeraldRapids).isEmpty)
    #expect(S.upgrades(reported: "Cooperlake", cpu: zen3).isEmpty)  // above the flags: never downgraded
    #expect(S.upgrades(reported: "Haswell", cpu: zen3).isEmpty)
    #expect(S.upgrades(reported: "Zen", cpu: haswell).isEmpty)
    #expect(S.upgrades(reported: "Prescott", cpu: oldCore).isEmpty)
    // Names outside the x86-64 table (other architectures, newer builds) are left alone.
    #expect(S.upgrades(reported: "NeoverseN1", cpu: emeraldRapids).isEmpty)
    #expect(S.upgrades(reported: "", cpu: emeraldRapids).isEmpty)
}

@Test func theLoaderFallsBackToTheReferenceGemmWithoutOpenBLAS() {
    let none = BLASLibrary.load(.init(names: []))
    #expect(none.path == nil && none.core == "reference" && none.sgemm == nil && !none.autoSelected)
    let missing = BLASLibrary.load(.init(names: ["libagentnet-no-such-blas.so.0"]))
    #expect(missing.sgemm == nil && missing.selection.contains("not found"))
}

@Test func theEnginesOpenBLASReportsItself() {
    let blas = BLASLibrary.shared
    #expect(blas.sgemm != nil, "\(blas.selection)")
    #expect(blas.version.hasPrefix("OpenBLAS"))
    #expect(blas.path?.contains("openblas") == true)
    #expect(!blas.core.isEmpty && blas.core != "reference")
    #expect(blasThreads() >= 1)
    let config = EngineConfig.current
    #expect(config.blasCore == blas.core && config.simd == (WideLoops.enabled ? "AVX2" : "baseline"))
    let json = try? JSON.parse(config.json)
    #expect(json?["blas"]?["core"]?.string == blas.core)
    #expect(json?["cpu"]?["level"]?.string == BLASCoreSelection.level(of: .current).name)
    #expect(json?["flush_denormal"]?.bool == FloatMode.flushDenormals)
}

/// The reference loops and OpenBLAS agree on every transpose combination, with padded leading dimensions,
/// alpha ≠ 1 and beta ∈ {0, 1, 0.5}; both agree with the test support's plain matrix product.
@Test func referenceGemmMatchesOpenBLAS() throws {
    let m = 7, n = 5, k = 9, pad = 3
    let a = Check.random([k + pad, k + pad], seed: 1).scalars, b = Check.random([k + pad, k + pad], seed: 2).scalars
    let c0 = Check.random([m, n + pad], seed: 3).scalars
    for transA in [false, true] {
        for transB in [false, true] {
            for beta: Float in [0, 1, 0.5] {
                let lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad
                var mine = c0, theirs = c0
                referenceSgemm(transA, transB, m, n, k, 2, a, lda, b, ldb, beta, &mine, ldc)
                BLASLibrary.shared.sgemm?(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), 2,
                                          a, Int32(lda), b, Int32(ldb), beta, &theirs, Int32(ldc))
                #expect(Check.maxDiff(mine, theirs) < 1e-4, "transA \(transA) transB \(transB) beta \(beta)")
                // Plain product of the dense operands.
                var opA = [Float](repeating: 0, count: m * k), opB = [Float](repeating: 0, count: k * n)
                for i in 0..<m { for p in 0..<k { opA[i * k + p] = transA ? a[p * lda + i] : a[i * lda + p] } }
                for p in 0..<k { for j in 0..<n { opB[p * n + j] = transB ? b[j * ldb + p] : b[p * ldb + j] } }
                let plain = Check.matmul(opA, opB, m, k, n)
                var expected = c0
                for i in 0..<m { for j in 0..<n { expected[i * ldc + j] = 2 * plain[i * n + j] + beta * c0[i * ldc + j] } }
                #expect(Check.maxDiff(mine, expected) < 1e-4)
            }
        }
    }
}

// MARK: - Float mode

@inline(never) private func product(_ x: [Float], _ y: [Float]) -> Float { x[0] * y[0] }

@Test func compiledCallsFlushDenormalsAndRestoreTheCallersMode() throws {
    guard FloatMode.available else { return }
    let before = FloatMode.currentMXCSR!
    #expect(!FloatMode.threadFlushes)
    #expect(product([1e-20], [1e-20]) != 0)  // IEEE: a denormal
    let saved = FloatMode.enterCompiled()
    #expect(FloatMode.threadFlushes == FloatMode.flushDenormals)
    if FloatMode.flushDenormals {
        #expect(product([1e-20], [1e-20]).bitPattern == 0)  // FTZ: denormal result flushed
        #expect(product([1e-40], [1e3]).bitPattern == 0)  // DAZ: denormal input read as 0
        // Physics inside a compiled call keeps IEEE semantics, and the compiled mode comes back after it.
        // (Compared by bit pattern: under DAZ a denormal compares equal to 0.)
        let inside = FloatMode.ieee { (FloatMode.threadFlushes, product([1e-20], [1e-20])) }
        #expect(!inside.0 && inside.1.bitPattern != 0)
        #expect(FloatMode.threadFlushes)
    }
    saved.restore()
    #expect(FloatMode.currentMXCSR! & ~FloatMode.exceptionFlags == before & ~FloatMode.exceptionFlags)
    #expect(product([1e-20], [1e-20]) != 0)
}

@Test func aFunctionFlushesADenormalInputAndLeavesTheThreadsModeAlone() throws {
    guard FloatMode.available, FloatMode.flushDenormals else { return }
    let x = Node.input("x", shape: []), y = Node.input("y", shape: [])
    let f = try Function(inputs: [x, y], outputs: [try T.mul(x, y)])
    let before = FloatMode.currentMXCSR!
    let out = try f([Tensor(scalar: 1e-40), Tensor(scalar: 1)])
    #expect(out[0].scalars == [0])
    #expect(FloatMode.currentMXCSR! & ~FloatMode.exceptionFlags == before & ~FloatMode.exceptionFlags)
    #expect(product([1e-40], [1]) == 1e-40)
}

/// Pendulum (float64 trigonometry and clipping) stepped from inside a compiled call's mode gives the trajectory
/// it gives under IEEE, bit for bit: environment physics never runs with flush-to-zero.
@Test func environmentPhysicsIsTheSameUnderACompiledCallsMode() throws {
    func trajectory(compiledMode: Bool) throws -> [Double] {
        let env = try makeEnvironment("Pendulum-v1", numEnvs: 3, maxEpisodeSteps: 200)
        try env.seed([7], first: 0, count: 3)
        var obs = [Float](repeating: 0, count: 3 * env.observationSize), rewards = [Double](repeating: 0, count: 3)
        var term = [Bool](repeating: false, count: 3), trunc = term
        var state = [Double](repeating: 0, count: 3 * env.stateSize), all: [Double] = []
        let saved = compiledMode ? FloatMode.enterCompiled() : nil
        defer { saved?.restore() }
        try obs.withUnsafeMutableBufferPointer { try env.reset(mask: nil, options: nil, observations: $0) }
        for t in 0..<300 {
            let actions: [Float] = (0..<3).map { Float(($0 + t) % 9) / 2 - 2 }
            try actions.withUnsafeBufferPointer { a in
                try obs.withUnsafeMutableBufferPointer { o in
                    try rewards.withUnsafeMutableBufferPointer { r in
                        try term.withUnsafeMutableBufferPointer { te in
                            try trunc.withUnsafeMutableBufferPointer { tr in
                                try env.step(.box(a), into: StepOutput(observations: o, rewards: r, terminated: te,
                                                                       truncated: tr, finalObservations: nil))
                            }
                        }
                    }
                }
            }
            try state.withUnsafeMutableBufferPointer { try env.state(into: $0) }
            all += state + rewards + obs.map(Double.init)
        }
        return all
    }
    let ieee = try trajectory(compiledMode: false), compiled = try trajectory(compiledMode: true)
    #expect(ieee.map(\.bitPattern) == compiled.map(\.bitPattern))
}
