import AgentNetPlatform
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS, loaded by the engine itself at the first matrix product.
///
/// The library is not linked: OpenBLAS picks its kernels in a constructor that runs when it is loaded, so a linked
/// OpenBLAS would choose before any engine code could correct it. The loader opens `libopenblas.so.0` with
/// `OPENBLAS_NUM_THREADS=1` (our pool, apart from numpy's: `setBLASThreads` raises it), reads the core OpenBLAS chose,
/// and when that core is below what the CPU supports (BLASCoreSelection.swift) unloads it and loads it again with
/// `OPENBLAS_CORETYPE` set to the best family the build accepts. The process environment is restored afterwards.
///
/// Environment: `OPENBLAS_CORETYPE` (the user's choice, always kept), `AGENTNET_BLAS_SELECT=0` (keep OpenBLAS's
/// choice), `AGENTNET_BLAS_LIBRARY` (a file to load instead, or `none` for the built-in reference gemm),
/// `AGENTNET_BLAS_SIMULATE_FALLBACK=<core>` (load first with that core, as if OpenBLAS had fallen back to it:
/// checks the selection on CPUs this OpenBLAS knows). Without OpenBLAS the engine still runs, on `referenceSgemm`.
public final class BLASLibrary: @unchecked Sendable {
    typealias Sgemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias GetInt = @convention(c) () -> Int32
    typealias GetString = @convention(c) () -> UnsafePointer<CChar>?

    /// The file loaded (symlinks resolved), nil when the engine runs on its reference gemm.
    public let path: String?
    /// `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64".
    public let version: String
    /// The kernel family in use (`openblas_get_corename()`), and the one OpenBLAS chose by itself.
    public let core: String
    public let reportedCore: String
    /// True when the engine replaced OpenBLAS's choice; `selection` says what happened and why.
    public let autoSelected: Bool
    public let selection: String

    let sgemm: Sgemm?
    let setThreads: SetThreads?
    let getThreads: GetInt?

    init(path: String?, version: String, core: String, reportedCore: String, autoSelected: Bool, selection: String,
         symbols: Symbols?) {
        self.path = path
        self.version = version
        self.core = core
        self.reportedCore = reportedCore
        self.autoSelected = autoSelected
        self.selection = selection
        sgemm = symbols?.sgemm
        setThreads = symbols?.setThreads
        getThreads = symbols?.getThreads
    }

    /// The engine's OpenBLAS, loaded on first use (thread-safe: a Swift global initialiser).
    public static let shared: BLASLibrary = load(LoadRequest.fromEnvironment())

    // MARK: Loading

    /// What the loader is asked to do; `fromEnvironment` reads the variables above, tests build their own.
    struct LoadRequest {
        var names: [String] = ["libopenblas.so.0", "libopenblas.so"]
        var cpu: CPUInfo = .current
        var userCore: String? = nil
        var selectionEnabled = true
        var simulatedFallback: String? = nil

        static func fromEnvironment() -> LoadRequest {
            var r = LoadRequest()
            if let lib = environmentValue("AGENTNET_BLAS_LIBRARY") { r.names = lib == "none" ? [] : [lib] }
            r.userCore = environmentValue("OPENBLAS_CORETYPE")
            if let s = environmentValue("AGENTNET_BLAS_SELECT") { r.selectionEnabled = !["0", "off", "false", "no"].contains(s.lowercased()) }
            r.simulatedFallback = environmentValue("AGENTNET_BLAS_SIMULATE_FALLBACK")
            return r
        }
    }

    /// The entry points the engine uses.
    struct Symbols {
        var sgemm: Sgemm
        var setThreads: SetThreads?
        var getThreads: GetInt?
        var corename: GetString?
        var config: GetString?

        init?(_ handle: UnsafeMutableRawPointer) {
            guard let g = dlsym(handle, "cblas_sgemm") else { return nil }
            sgemm = unsafeBitCast(g, to: Sgemm.self)
            setThreads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
            getThreads = dlsym(handle, "openblas_get_num_threads").map { unsafeBitCast($0, to: GetInt.self) }
            corename = dlsym(handle, "openblas_get_corename").map { unsafeBitCast($0, to: GetString.self) }
            config = dlsym(handle, "openblas_get_config").map { unsafeBitCast($0, to: GetString.self) }
        }

        var coreName: String { corename?().map { String(cString: $0) } ?? "unknown" }
        var configText: String { config?().map { String(cString: $0) } ?? "unknown (not OpenBLAS?)" }
    }

    static func load(_ r: LoadRequest) -> BLASLibrary {
        if r.names.isEmpty { return reference("AGENTNET_BLAS_LIBRARY=none: the built-in reference gemm") }
        let preloaded = r.names.contains(where: isLoaded)
        // First load: OpenBLAS's own choice (or the simulated fallback, or the user's core).
        guard var (handle, symbols) = open(r.names, core: r.userCore == nil ? r.simulatedFallback : nil) else {
            return reference("OpenBLAS not found (\(r.names.joined(separator: ", "))): the built-in reference gemm, slow")
        }
        let reported = symbols.coreName
        var reason: String
        var selected = false
        let cpuLevel = BLASCoreSelection.level(of: r.cpu)
        let upgrades = BLASCoreSelection.upgrades(reported: reported, cpu: r.cpu)
        if let user = r.userCore {
            reason = "OPENBLAS_CORETYPE=\(user) set by the user"
        } else if upgrades.isEmpty {
            reason = "OpenBLAS's own choice" + (BLASCoreSelection.level(ofCore: reported).map { " (\($0.name) kernels on a CPU with \(cpuLevel.name))" } ?? "")
        } else if preloaded {
            reason = "OpenBLAS chose \(reported) on a CPU with \(cpuLevel.name), but it was already loaded in the process, so its core cannot change"
        } else if !r.selectionEnabled {
            reason = "OpenBLAS chose \(reported) on a CPU with \(cpuLevel.name); auto-selection is off (AGENTNET_BLAS_SELECT)"
        } else {
            reason = "OpenBLAS chose \(reported) on a CPU with \(cpuLevel.name); this build accepts none of \(upgrades.joined(separator: ", "))"
            for family in upgrades {
                dlclose(handle)
                if r.names.contains(where: isLoaded) {
                    reason = "OpenBLAS chose \(reported) on a CPU with \(cpuLevel.name) and could not be reloaded"
                    guard let again = open(r.names, core: nil) else { return reference("OpenBLAS could not be reopened") }
                    (handle, symbols) = again
                    break
                }
                guard let next = open(r.names, core: family) ?? open(r.names, core: nil) else {
                    return reference("OpenBLAS could not be reopened")
                }
                (handle, symbols) = next
                if symbols.coreName.lowercased() == family.lowercased() {
                    reason = "OpenBLAS chose \(reported) on a CPU with \(cpuLevel.name); selected \(family)"
                    selected = true
                    break
                }
            }
        }
        symbols.setThreads?(1)
        return BLASLibrary(path: filePath(of: handle), version: symbols.configText, core: symbols.coreName,
                           reportedCore: reported, autoSelected: selected, selection: reason, symbols: symbols)
    }

    /// The engine without OpenBLAS: products run on `referenceSgemm`.
    static func reference(_ why: String) -> BLASLibrary {
        BLASLibrary(path: nil, version: "none", core: "reference", reportedCore: "reference", autoSelected: false,
                    selection: why, symbols: nil)
    }

    /// Opens the first library of `names` that loads, with our thread count and, when given, `core` forced.
    static func open(_ names: [String], core: String?) -> (UnsafeMutableRawPointer, Symbols)? {
        var vars: [(String, String)] = [("OPENBLAS_NUM_THREADS", "1")]
        if let core { vars.append(("OPENBLAS_CORETYPE", core)) }
        return withEnvironment(vars) {
            for name in names {
                guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
                if let s = Symbols(h) { return (h, s) }
                dlclose(h)
            }
            return nil
        }
    }

    /// True when `name` is already loaded in the process (by us or by anyone else).
    static func isLoaded(_ name: String) -> Bool {
        guard let h = dlopen(name, RTLD_NOW | RTLD_NOLOAD) else { return false }
        dlclose(h)
        return true
    }

    /// The resolved file the entry points come from.
    static func filePath(of handle: UnsafeMutableRawPointer) -> String? {
        guard let name = agentnet_library_file(dlsym(handle, "cblas_sgemm")) else { return nil }
        guard let resolved = realpath(name, nil) else { return String(cString: name) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Runs `body` with environment variables set, restoring their previous values (or absence) afterwards.
    static func withEnvironment<T>(_ vars: [(String, String)], _ body: () -> T) -> T {
        let saved = vars.map { ($0.0, getenv($0.0).map { String(cString: $0) }) }
        for (k, v) in vars { setenv(k, v, 1) }
        defer {
            for (k, v) in saved {
                if let v { setenv(k, v, 1) } else { unsetenv(k) }
            }
        }
        return body()
    }
}

/// A variable's value, nil when unset or empty.
func environmentValue(_ name: String) -> String? {
    guard let v = getenv(name) else { return nil }
    let s = String(cString: v)
    return s.isEmpty ? nil : s
}

// MARK: - Products

/// `c = alpha·op(a)·op(b) + beta·c` for row-major matrices (`op(a)` is `m×k`, `op(b)` `k×n`, leading dimensions as
/// in `cblas_sgemm`): OpenBLAS when loaded, `referenceSgemm` otherwise.
@inline(__always)
func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int32, _ n: Int32, _ k: Int32, _ alpha: Float,
           _ a: UnsafePointer<Float>, _ lda: Int32, _ b: UnsafePointer<Float>, _ ldb: Int32, _ beta: Float,
           _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
    if let f = BLASLibrary.shared.sgemm {
        // CBLAS's enum values: CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112.
        f(101, transA ? 112 : 111, transB ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    } else {
        referenceSgemm(transA, transB, Int(m), Int(n), Int(k), alpha, a, Int(lda), b, Int(ldb), beta, c, Int(ldc))
    }
}

/// The same product without OpenBLAS: row `i` of `c` is scaled by `beta` (cleared when 0), then gets
/// `alpha·op(a)[i, p] · op(b)[p, :]` for every `p`.
func referenceSgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
                    _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    for i in 0..<m {
        let row = c + i * ldc
        if beta == 0 { row.update(repeating: 0, count: n) } else if beta != 1 { for j in 0..<n { row[j] *= beta } }
        for p in 0..<k {
            let av = alpha * (transA ? a[p * lda + i] : a[i * lda + p])
            if transB {
                for j in 0..<n { row[j] += av * b[j * ldb + p] }
            } else {
                let br = b + p * ldb
                for j in 0..<n { row[j] += av * br[j] }
            }
        }
    }
}

/// OpenBLAS's thread count for the engine's matrix products (numpy keeps its own pool).
public func setBLASThreads(_ n: Int) { BLASLibrary.shared.setThreads?(Int32(clamping: max(1, n))) }
public func blasThreads() -> Int { BLASLibrary.shared.getThreads.map { Int($0()) } ?? 1 }

/// A matrix size as the 32-bit integer CBLAS takes; larger sizes are an error rather than a trap.
func blasSize(_ v: Int, _ op: String) throws -> Int32 {
    guard let s = Int32(exactly: v) else {
        throw AgentNetError.shape("\(op): a matrix side of \(v) exceeds the \(Int32.max) that BLAS can index")
    }
    return s
}
