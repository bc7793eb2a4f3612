#if canImport(Glibc)
import Glibc
#endif

/// The engine's allocation budget. Every tensor buffer is counted against one limit, so a caller asking for a
/// 1 TB tensor (or a plan whose buffers add up to more than the machine has) gets an error instead of the
/// kernel's OOM killer: Linux overcommits, so an oversized `malloc` "succeeds" and the process dies when the
/// zero-fill touches the pages.
///
/// The default is 3/4 of physical memory, or of the cgroup's `memory.max` when that is lower (containers);
/// `AGENTNET_MEMORY_LIMIT` (bytes, read once at first use) or `setLimit` overrides it.
public enum MemoryLimit {
    private static let lock = Lock()
    nonisolated(unsafe) private static var limit: Int = initialLimit()
    nonisolated(unsafe) private static var used = 0

    /// 3/4 of the smaller of physical memory and the cgroup v2 limit.
    public static var defaultLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        var physical = pages > 0 && size > 0 ? pages.multipliedReportingOverflow(by: size).partialValue : 1 << 32
        if physical <= 0 { physical = 1 << 32 }
        if let cgroup = readCgroupLimit(), cgroup > 0 { physical = Swift.min(physical, cgroup) }
        return physical / 4 * 3
    }

    static func initialLimit() -> Int {
        if let text = getenv("AGENTNET_MEMORY_LIMIT").map({ String(cString: $0) }), let v = Int(text), v > 0 { return v }
        return defaultLimit
    }

    static func readCgroupLimit() -> Int? {
        guard let f = fopen("/sys/fs/cgroup/memory.max", "r") else { return nil }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, f) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Int(text)
    }

    /// The current limit in bytes.
    public static var bytes: Int { lock.locked { limit } }

    /// Bytes held by live tensor buffers.
    public static var inUse: Int { lock.locked { used } }

    /// Sets the limit (`nil`: back to the default). Buffers already allocated are kept even if over it.
    public static func setLimit(_ bytes: Int?) throws {
        if let bytes, bytes <= 0 { throw AgentNetError.invalid("memory limit must be positive, got \(bytes) bytes") }
        let value = bytes ?? defaultLimit
        lock.locked { limit = value }
    }

    /// Counts `bytes` against the limit, or throws naming the request and the budget.
    static func reserve(_ bytes: Int, _ what: @autoclosure () -> String) throws {
        let ok: Bool = lock.locked {
            let (total, overflow) = used.addingReportingOverflow(bytes)
            guard !overflow, total <= limit else { return false }
            used = total
            return true
        }
        guard ok else {
            throw AgentNetError(.memory, "cannot allocate \(formatBytes(bytes)) for \(what()): the engine holds \(formatBytes(inUse)) "
                                + "of its \(formatBytes(MemoryLimit.bytes)) limit (agentnet.set_memory_limit, AGENTNET_MEMORY_LIMIT)")
        }
    }

    /// Counts without checking (copies of buffers that already fit once).
    static func add(_ bytes: Int) { lock.locked { used &+= bytes } }

    static func release(_ bytes: Int) { lock.locked { used &-= bytes } }
}

/// `1.5 GiB`, `12 KiB`, `100 bytes`, as numpy words its allocation errors.
public func formatBytes(_ n: Int) -> String {
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    var v = Double(n), u = 0
    while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
    if u == 0 { return "\(n) bytes" }
    let r = (v * 100).rounded() / 100
    return "\(r) \(units[u])"
}
