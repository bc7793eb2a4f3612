/// Which OpenBLAS kernel family fits the CPU when OpenBLAS's own choice does not.
///
/// A DYNAMIC_ARCH OpenBLAS picks its kernels from a table of CPU models when it is loaded; a build older than the
/// CPU does not know the model and falls back to a generic core: Debian's 0.3.21 picks "Prescott" (SSE3) on Sapphire
/// and Emerald Rapids, where its gemm is 3–5× slower than with the AVX-512 "SkylakeX" kernels. The selection compares
/// the instruction-set level of the reported core with the level the CPU's flags support; when the core is below it,
/// it lists the families to force (with `OPENBLAS_CORETYPE`), best first, all at the CPU's level or between.
/// A core at the CPU's level (e.g. "SkylakeX" where "Cooperlake" would also fit) is OpenBLAS's choice and is kept;
/// names it does not know (other architectures, newer builds) are never overridden.
public enum BLASCoreSelection {
    /// Instruction-set levels of x86-64 kernel families.
    public enum Level: Int, Comparable, Sendable {
        case sse = 0, avx = 1, avx2 = 2, avx512 = 3
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        public var name: String { ["SSE", "AVX", "AVX2", "AVX-512"][rawValue] }
    }

    /// OpenBLAS's x86-64 core names (`openblas_get_corename`, lowercased) and the instruction set each one's kernels
    /// need. The first group are the generic cores a DYNAMIC_ARCH build falls back to.
    static let coreLevels: [String: Level] = [
        "unknown": .sse, "katmai": .sse, "coppermine": .sse, "northwood": .sse, "prescott": .sse, "banias": .sse,
        "atom": .sse, "core2": .sse, "penryn": .sse, "dunnington": .sse, "nehalem": .sse, "athlon": .sse,
        "opteron": .sse, "opteron_sse3": .sse, "barcelona": .sse, "nano": .sse, "bobcat": .sse,
        "sandybridge": .avx, "bulldozer": .avx, "piledriver": .avx, "steamroller": .avx,
        "haswell": .avx2, "zen": .avx2, "excavator": .avx2,
        "skylakex": .avx512, "cooperlake": .avx512, "sapphirerapids": .avx512,
    ]

    /// The level of a core name, nil for names outside the table.
    public static func level(ofCore name: String) -> Level? { coreLevels[name.lowercased()] }

    /// The highest level the CPU's flags support: AVX-512 needs the SkylakeX kernels' F, CD, BW, DQ and VL subsets;
    /// AVX2 needs FMA too (Haswell's kernels use both).
    public static func level(of cpu: CPUInfo) -> Level {
        if cpu.has("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl") { return .avx512 }
        if cpu.has("avx2", "fma") { return .avx2 }
        if cpu.has("avx") { return .avx }
        return .sse
    }

    /// The kernel families this CPU can run, best first, with their levels. Older builds lack the newest names
    /// ("SapphireRapids" is 0.3.22's), so the loader tries them in order and keeps the first the library accepts.
    public static func families(for cpu: CPUInfo) -> [(name: String, level: Level)] {
        var out: [(String, Level)] = []
        let level = level(of: cpu)
        if level >= .avx512 {
            if cpu.has("amx_bf16", "avx512_fp16", "avx512_bf16") { out.append(("SapphireRapids", .avx512)) }
            if cpu.has("avx512_bf16") { out.append(("Cooperlake", .avx512)) }
            out.append(("SkylakeX", .avx512))
        }
        if level >= .avx2 {
            if cpu.isAMD { out.append(("Zen", .avx2)) }
            out.append(("Haswell", .avx2))
        }
        if level >= .avx { out.append(("Sandybridge", .avx)) }
        return out
    }

    /// The families to force, best first, when `reported` is below the CPU's level; empty when OpenBLAS's choice
    /// stands (it fits the CPU, or the name is not an x86-64 core this table knows).
    public static func upgrades(reported: String, cpu: CPUInfo) -> [String] {
        guard let have = level(ofCore: reported), have < level(of: cpu) else { return [] }
        return families(for: cpu).filter { $0.level > have }.map(\.name)
    }
}
