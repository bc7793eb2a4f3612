#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex (the engine keeps Foundation out). `recursive` lets a holder lock it again, which the engine
/// lock needs: a function call may read shared values while holding it.
public final class Lock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    public init(recursive: Bool = false) {
        var attr = pthread_mutexattr_t()
        pthread_mutexattr_init(&attr)
        if recursive { pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_RECURSIVE)) }
        pthread_mutex_init(&mutex, &attr)
        pthread_mutexattr_destroy(&attr)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    @inline(__always)
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
