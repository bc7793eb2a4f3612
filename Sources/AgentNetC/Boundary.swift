// The one choke point between C callers and the engine: status codes, the per-thread last error and the handle
// table. Every exported function runs its body inside `guarded`; caller memory is read and written only through
// CallerMemory.swift.
import AgentNet
#if canImport(Glibc)
import Glibc
#endif

/// Bumped whenever a declaration in include/agentnet.h changes incompatibly; Python checks it at import.
let abiVersion: Int32 = 1

// MARK: - Status and last error

/// Status codes returned by every `agn_` function (0 = ok); the values of `AgentNetError.Kind`, plus 99 for internal errors.
enum Status {
    static let ok: Int32 = 0
    static let internalError: Int32 = 99
}

/// Per-thread C strings owned by the boundary: each thread's latest one stays valid until that thread stores the
/// next. One table holds error messages (`agn_last_error`), another string results such as reprs.
final class ThreadStrings: @unchecked Sendable {
    private var values: [UInt: UnsafeMutablePointer<CChar>] = [:]
    private let lock = Lock()
    private static let empty: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.pointee = 0
        return p
    }()

    /// Stores a copy of `s` (cut at an interior NUL, as C sees it); if the copy cannot be allocated, "" instead.
    @discardableResult
    func set(_ s: String) -> UnsafePointer<CChar> {
        guard let copy = strdup(s) else { return UnsafePointer(ThreadStrings.empty) }
        let me = UInt(pthread_self())
        lock.locked {
            if let old = values[me] { free(old) }
            values[me] = copy
        }
        return UnsafePointer(copy)
    }

    func get() -> UnsafePointer<CChar> {
        let me = UInt(pthread_self())
        return lock.locked { UnsafePointer(values[me] ?? ThreadStrings.empty) }
    }
}

/// The calling thread's message for its last failed call.
let LastError = ThreadStrings()

/// The calling thread's latest string result (reprs, parameter info).
let ThreadString = ThreadStrings()

/// Runs `body`, turning any thrown error into a status code and a last-error message.
@inline(__always)
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok
    } catch let e as AgentNetError {
        LastError.set(e.message)
        return e.kind.rawValue
    } catch {
        LastError.set("internal error: \(error)")
        return Status.internalError
    }
}

// MARK: - Handles

/// Integer handles for engine objects. Handle 0 is never issued, so a zeroed handle is always invalid;
/// released handles are never reused, so a stale handle is an error rather than another object.
enum Handles {
    nonisolated(unsafe) static var objects: [Int64: AnyObject] = [:]
    nonisolated(unsafe) static var next: Int64 = 1
    static let lock = Lock()

    static func register(_ object: AnyObject) -> Int64 {
        lock.locked {
            let h = next
            next += 1
            objects[h] = object
            return h
        }
    }

    static func get<T>(_ handle: Int64, as type: T.Type, _ what: String = "\(T.self)") throws -> T {
        guard let object = lock.locked({ objects[handle] }) else {
            throw AgentNetError(.invalidHandle, "handle \(handle) is not a live object (never created or already released)")
        }
        guard let typed = object as? T else {
            throw AgentNetError(.invalidHandle, "handle \(handle) is a \(kindName(object)), expected a \(what)")
        }
        return typed
    }

    static func release(_ handle: Int64) throws {
        let removed = lock.locked { objects.removeValue(forKey: handle) }
        guard removed != nil else {
            throw AgentNetError(.invalidHandle, "handle \(handle) is not a live object (never created or already released)")
        }
    }

    static func kindName(_ object: AnyObject) -> String { String(describing: type(of: object)) }
}

// MARK: - Basic exports

@_cdecl("agn_abi_version")
public func agn_abi_version() -> Int32 { abiVersion }

@_cdecl("agn_last_error")
public func agn_last_error() -> UnsafePointer<CChar> { LastError.get() }

@_cdecl("agn_release")
public func agn_release(_ handle: Int64) -> Int32 {
    guarded { try Handles.release(handle) }
}

@_cdecl("agn_live_handles")
public func agn_live_handles(_ count: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded { try out(count, "count").pointee = Int64(Handles.lock.locked { Handles.objects.count }) }
}

/// Sets the engine's allocation limit in bytes; 0 restores the default (3/4 of physical memory).
@_cdecl("agn_set_memory_limit")
public func agn_set_memory_limit(_ bytes: Int64) -> Int32 {
    guarded {
        guard bytes >= 0 else { throw AgentNetError(.invalidArgument, "memory limit must be positive (or 0 for the default), got \(bytes)") }
        try MemoryLimit.setLimit(bytes == 0 ? nil : Int(bytes))
    }
}

@_cdecl("agn_memory_info")
public func agn_memory_info(_ limit: UnsafeMutablePointer<Int64>?, _ inUse: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let l = try out(limit, "limit"), u = try out(inUse, "in_use")
        l.pointee = Int64(MemoryLimit.bytes)
        u.pointee = Int64(MemoryLimit.inUse)
    }
}
