#if canImport(Glibc)
import Glibc
#endif

/// What the kernel reports about the processor (the first block of /proc/cpuinfo): its name for `show_config`, its
/// vendor and instruction-set flags for choosing OpenBLAS kernels (BLASCoreSelection.swift) and the engine's own
/// AVX2 loops (WideLoops.swift). The flags line lists only extensions the kernel has enabled (AVX-512 state saving
/// included), so a flag here is usable by user code.
public struct CPUInfo: Sendable, Equatable {
    /// `vendor_id`, e.g. "GenuineIntel", "AuthenticAMD" (empty when unknown).
    public var vendor: String
    /// `model name`, e.g. "Intel(R) Xeon(R) Platinum 8581C CPU @ 2.30GHz" (empty when unknown).
    public var model: String
    /// `cpu family` and `model` numbers (nil when unknown).
    public var family: Int?
    public var modelNumber: Int?
    /// The `flags` words, e.g. "avx2", "fma", "avx512f".
    public var flags: Set<String>

    public init(vendor: String = "", model: String = "", family: Int? = nil, modelNumber: Int? = nil,
                flags: Set<String> = []) {
        self.vendor = vendor
        self.model = model
        self.family = family
        self.modelNumber = modelNumber
        self.flags = flags
    }

    /// Parses the text of /proc/cpuinfo, reading the first processor's block (all cores of a machine agree).
    public init(cpuinfo text: String) {
        self.init()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !flags.isEmpty || !vendor.isEmpty { break }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingBlanks(), value = line[line.index(after: colon)...].trimmingBlanks()
            switch key {
            case "vendor_id": vendor = value
            case "model name": model = value
            case "cpu family": family = Int(value)
            case "model": modelNumber = Int(value)
            case "flags": flags = Set(value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
            default: break
            }
        }
    }

    /// This machine's processor, read once.
    public static let current: CPUInfo = CPUInfo(cpuinfo: readTextFile("/proc/cpuinfo", firstBlock: true) ?? "")

    /// True for AMD and Hygon processors (OpenBLAS's Zen kernels).
    public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

    /// True when every flag in `names` is present.
    public func has(_ names: String...) -> Bool { names.allSatisfy(flags.contains) }
}

extension Substring {
    func trimmingBlanks() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

/// The text of a (small, procfs-style) file, up to its first blank line after some text when `firstBlock`, or nil
/// when it cannot be opened.
func readTextFile(_ path: String, firstBlock: Bool = false) -> String? {
    #if canImport(Glibc)
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var text = ""
    var line: UnsafeMutablePointer<CChar>? = nil
    var cap = 0
    defer { free(line) }
    while getline(&line, &cap, f) > 0, let line {
        let s = String(cString: line)
        if firstBlock, !text.isEmpty, s == "\n" { break }
        text += s
    }
    return text
    #else
    return nil
    #endif
}
