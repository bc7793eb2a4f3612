#if canImport(Glibc)
import Glibc
#endif

/// Owned, 64-byte aligned, zero-filled bytes behind a tensor. Reference type so tensors share storage cheaply.
/// Counted against `MemoryLimit`; a request over the limit, or one `malloc` refuses, throws instead of aborting.
public final class TensorStorage: @unchecked Sendable {
    public let raw: UnsafeMutableRawPointer
    public let byteCount: Int
    private let counted: Int

    public convenience init(byteCount: Int, for what: @autoclosure () -> String = "a tensor buffer") throws {
        guard byteCount >= 0 else { throw AgentNetError.invalid("negative buffer size \(byteCount)") }
        let size = Swift.max(byteCount, 64)
        try MemoryLimit.reserve(size, what())
        guard let p = TensorStorage.allocate(size) else {
            MemoryLimit.release(size)
            throw AgentNetError(.memory, "cannot allocate \(formatBytes(size)) for \(what()): out of memory")
        }
        self.init(raw: p, byteCount: byteCount, counted: size)
    }

    /// A storage counted but not refused: for copies of buffers that were already allowed once, and the engine's own
    /// few-element constants. Only a `malloc` failure (which Linux's overcommit makes all but impossible at these
    /// sizes) stops here.
    convenience init(unrefused byteCount: Int) {
        let size = Swift.max(byteCount, 64)
        guard let p = TensorStorage.allocate(size) else { fatalError("out of memory allocating \(formatBytes(size))") }
        MemoryLimit.add(size)
        self.init(raw: p, byteCount: byteCount, counted: size)
    }

    private init(raw: UnsafeMutableRawPointer, byteCount: Int, counted: Int) {
        self.raw = raw
        self.byteCount = byteCount
        self.counted = counted
    }

    private static func allocate(_ size: Int) -> UnsafeMutableRawPointer? {
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, size) == 0, let p else { return nil }
        p.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        return p
    }

    deinit {
        free(raw)
        MemoryLimit.release(counted)
    }
}

/// A dense, contiguous, row-major n-dimensional array of `float32`, `int32` or `bool`.
///
/// Shapes follow numpy: `[]` is a scalar, `[n]` a vector, `[batch, tick, ...]` for sessions.
public struct Tensor: @unchecked Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let storage: TensorStorage

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    public var rank: Int { shape.count }

    /// A zero-filled tensor. Throws for negative dimensions or sizes that overflow.
    public init(zeros shape: [Int], dtype: DType = .float32) throws {
        guard shape.count <= maxRank else { throw AgentNetError.shape("rank \(shape.count) of shape \(formatShape(shape)) exceeds \(maxRank)") }
        let n = try checkedCount(shape)
        let (bytes, overflow) = n.multipliedReportingOverflow(by: dtype.size)
        if overflow { throw AgentNetError(.memory, "tensor of shape \(formatShape(shape)) \(dtype) is too large") }
        self.dtype = dtype
        self.shape = shape
        self.storage = try TensorStorage(byteCount: bytes, for: "a tensor of shape \(formatShape(shape)) \(dtype)")
    }

    public init(_ values: [Float], shape: [Int]) throws {
        try self.init(zeros: shape, dtype: .float32)
        guard values.count == count else {
            throw AgentNetError.shape("\(values.count) values do not fill shape \(formatShape(shape))")
        }
        values.withUnsafeBufferPointer { floats.update(from: $0.baseAddress!, count: count) }
    }

    public init(_ values: [Int32], shape: [Int]) throws {
        try self.init(zeros: shape, dtype: .int32)
        guard values.count == count else {
            throw AgentNetError.shape("\(values.count) values do not fill shape \(formatShape(shape))")
        }
        values.withUnsafeBufferPointer { ints.update(from: $0.baseAddress!, count: count) }
    }

    /// A view of existing storage with another shape (reshapes share buffers). The storage must be large enough.
    public init(shape: [Int], dtype: DType, storage: TensorStorage) {
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
    }

    public init(scalar: Float) {
        self.init(small: .float32, shape: [])
        floats[0] = scalar
    }

    /// A tensor copied from caller memory (the C boundary and tests use this).
    public init(copying source: UnsafeRawPointer, dtype: DType, shape: [Int]) throws {
        try self.init(zeros: shape, dtype: dtype)
        storage.raw.copyMemory(from: source, byteCount: count * dtype.size)
    }

    public var floats: UnsafeMutablePointer<Float> { storage.raw.assumingMemoryBound(to: Float.self) }
    public var ints: UnsafeMutablePointer<Int32> { storage.raw.assumingMemoryBound(to: Int32.self) }
    public var bytes: UnsafeMutablePointer<UInt8> { storage.raw.assumingMemoryBound(to: UInt8.self) }

    /// Values as `Float`, whatever the dtype (for tests and printing).
    public var scalars: [Float] {
        switch dtype {
        case .float32: return Array(UnsafeBufferPointer(start: floats, count: count))
        case .int32: return (0..<count).map { Float(ints[$0]) }
        case .bool: return (0..<count).map { Float(bytes[$0]) }
        }
    }

    /// A deep copy (of a tensor that already fit the memory limit once, so it is not refused).
    public func copy() -> Tensor {
        let bytes = count * dtype.size
        let t = Tensor(shape: shape, dtype: dtype, storage: TensorStorage(unrefused: bytes))
        t.storage.raw.copyMemory(from: storage.raw, byteCount: bytes)
        return t
    }

    /// A zero-filled tensor of a few elements the engine makes itself (literals, scalars): never refused.
    init(small dtype: DType, shape: [Int]) {
        self.init(shape: shape, dtype: dtype, storage: TensorStorage(unrefused: shape.reduce(1, &*) &* dtype.size))
    }

    /// True if any float element is NaN or infinite.
    public var hasNonFinite: Bool {
        guard dtype == .float32 else { return false }
        let p = floats
        for i in 0..<count where !p[i].isFinite { return true }
        return false
    }
}

/// The highest rank the engine supports: the C interface returns shapes in 8 slots.
public let maxRank = 8

/// Checks a static shape an op inferred (unknown dims `nil`): rank at most 8, known dims non-negative, and the
/// product of the known dims representable. Called wherever a node is made, so no node can exist that the C
/// interface cannot describe.
public func checkStaticShape(_ shape: [Int?]) throws {
    guard shape.count <= maxRank else {
        throw AgentNetError.shape("rank \(shape.count) of shape \(formatShape(shape)) exceeds \(maxRank), the most the engine supports")
    }
    var n = 1
    for case let d? in shape {
        guard d >= 0 else { throw AgentNetError.shape("negative dimension in shape \(formatShape(shape))") }
        let (m, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow else { throw AgentNetError.shape("shape \(formatShape(shape)) has more elements than fit in 64 bits") }
        n = m
    }
}

/// Product of dimensions, throwing on negative dimensions or overflow.
public func checkedCount(_ shape: [Int]) throws -> Int {
    var n = 1
    for d in shape {
        guard d >= 0 else { throw AgentNetError.shape("negative dimension in shape \(formatShape(shape))") }
        let (m, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow else { throw AgentNetError.shape("shape \(formatShape(shape)) has more elements than fit in 64 bits") }
        n = m
    }
    return n
}

/// Bytes of a `shape` tensor of `dtype`, throwing on negative dimensions or overflow.
public func byteCount(_ shape: [Int], _ dtype: DType) throws -> Int {
    let (bytes, overflow) = try checkedCount(shape).multipliedReportingOverflow(by: dtype.size)
    guard !overflow else { throw AgentNetError(.memory, "tensor of shape \(formatShape(shape)) \(dtype) is too large") }
    return bytes
}

/// Row-major strides in elements.
@inlinable
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = acc
        acc *= shape[i]
    }
    return strides
}
