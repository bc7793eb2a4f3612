#if canImport(Glibc)
import Glibc
#endif

/// Owned, 64-byte aligned bytes behind a tensor. Reference type so tensors share storage cheaply.
public final class TensorStorage: @unchecked Sendable {
    public let raw: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int) {
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 64))
    }

    deinit { raw.deallocate() }
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
        let n = try checkedCount(shape)
        let (bytes, overflow) = n.multipliedReportingOverflow(by: dtype.size)
        if overflow || bytes > (1 << 40) {
            throw AgentNetError.invalid("tensor of shape \(formatShape(shape)) is too large")
        }
        self.dtype = dtype
        self.shape = shape
        self.storage = TensorStorage(byteCount: bytes)
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

    public init(scalar: Float) { try! self.init([scalar], shape: []) }

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

    /// A deep copy.
    public func copy() -> Tensor {
        let t = try! Tensor(zeros: shape, dtype: dtype)
        t.storage.raw.copyMemory(from: storage.raw, byteCount: count * dtype.size)
        return t
    }

    /// True if any float element is NaN or infinite.
    public var hasNonFinite: Bool {
        guard dtype == .float32 else { return false }
        let p = floats
        for i in 0..<count where !p[i].isFinite { return true }
        return false
    }
}

/// Product of dimensions, throwing on negative dimensions or overflow.
public func checkedCount(_ shape: [Int]) throws -> Int {
    var n = 1
    for d in shape {
        guard d >= 0 else { throw AgentNetError.shape("negative dimension in shape \(formatShape(shape))") }
        let (m, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow else { throw AgentNetError.invalid("shape \(formatShape(shape)) overflows") }
        n = m
    }
    return n
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
