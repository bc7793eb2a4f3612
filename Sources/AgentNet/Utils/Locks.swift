#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex (the engine keeps Foundation out). Not recursive: every lock in the engine is taken for a
/// bounded section that calls out to nothing that could take it again.
public final class Lock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    public init() { pthread_mutex_init(&mutex, nil) }

    deinit { pthread_mutex_destroy(&mutex) }

    @inline(__always)
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

/// A readers–writer lock: any number of readers, or one writer. Writers are preferred (a waiting writer blocks new
/// readers), so a learner updating parameters is not starved by actors that keep reading them. Not recursive.
public final class ReadWriteLock: @unchecked Sendable {
    private var rwlock = pthread_rwlock_t()

    public init() {
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(&rwlock, &attr)
        pthread_rwlockattr_destroy(&attr)
    }

    deinit { pthread_rwlock_destroy(&rwlock) }

    @inline(__always) public func lockRead() { pthread_rwlock_rdlock(&rwlock) }
    @inline(__always) public func lockWrite() { pthread_rwlock_wrlock(&rwlock) }
    @inline(__always) public func unlock() { pthread_rwlock_unlock(&rwlock) }

    @inline(__always)
    public func reading<T>(_ body: () throws -> T) rethrows -> T {
        lockRead()
        defer { unlock() }
        return try body()
    }

    @inline(__always)
    public func writing<T>(_ body: () throws -> T) rethrows -> T {
        lockWrite()
        defer { unlock() }
        return try body()
    }
}
