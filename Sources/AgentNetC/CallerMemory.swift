// The only code that reads or writes caller memory (ARCHITECTURE §5): C strings, counted arrays, shapes, buffer
// descriptors, and the shape/string out-slots. Every count, rank and size is checked with overflow-checked
// arithmetic before a pointer is formed; no pointer is kept past the call.
import AgentNet

/// Largest element count accepted for a caller array of handles, ranks or dims (16 Mi entries).
let maxArrayCount: Int64 = 1 << 24

/// Largest dimension of a static shape (-1 = unknown), well inside Int32 products of rank 8.
let maxStaticDimension: Int64 = 1 << 40

/// The 8 dims slots every shape out-array holds (include/agentnet.h).
let shapeSlots = maxRank

// MARK: - Reading

/// Reads a caller's C string, rejecting NULL. Invalid UTF-8 is repaired (U+FFFD), never trusted.
func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw AgentNetError(.invalidArgument, "\(what) is NULL") }
    return String(cString: p)
}

/// Reads an optional C string: NULL gives `dflt`.
func optionalString(_ p: UnsafePointer<CChar>?, _ what: String, default dflt: String? = nil) throws -> String? {
    guard p != nil else { return dflt }
    return try string(p, what)
}

/// A caller's JSON attribute string; NULL or empty means `{}`.
func attributes(_ p: UnsafePointer<CChar>?, _ what: String) throws -> JSON {
    let text = try optionalString(p, what) ?? ""
    do { return try JSON.parse(text.isEmpty ? "{}" : text) } catch let e as AgentNetError {
        throw AgentNetError(e.kind, "\(what): \(e.message)")
    }
}

/// Checks a caller count: `0...limit`, named in the error.
func count(_ n: Int64, _ what: String, limit: Int64 = maxArrayCount) throws -> Int {
    guard n >= 0, n <= limit else { throw AgentNetError(.invalidArgument, "\(what): count \(n) is out of range (0...\(limit))") }
    return Int(n)
}

/// Reads `n` elements from a caller's array, rejecting NULL when `n > 0` and absurd counts.
func array<T>(_ p: UnsafePointer<T>?, _ n: Int64, _ what: String) throws -> [T] {
    let c = try count(n, what)
    if c == 0 { return [] }
    guard let p else { throw AgentNetError(.invalidArgument, "\(what) is NULL") }
    return Array(UnsafeBufferPointer(start: p, count: c))
}

/// Checks an out-pointer.
func out<T>(_ p: UnsafeMutablePointer<T>?, _ what: String) throws -> UnsafeMutablePointer<T> {
    guard let p else { throw AgentNetError(.invalidArgument, "output pointer \(what) is NULL") }
    return p
}

func dtype(_ code: Int32) throws -> DType {
    guard let d = DType(rawValue: code) else { throw AgentNetError(.dtype, "unknown dtype code \(code) (0 float32, 1 int32, 2 bool)") }
    return d
}

/// Checks a caller rank: `0...8`.
func rank(_ ndim: Int64, _ what: String = "shape") throws -> Int {
    guard ndim >= 0, ndim <= Int64(maxRank) else { throw AgentNetError(.shape, "\(what): rank \(ndim) is out of range (0...\(maxRank))") }
    return Int(ndim)
}

/// Reads a concrete caller shape, rejecting negative dimensions, ranks over 8 and element counts that overflow.
func shape(_ dims: UnsafePointer<Int64>?, _ ndim: Int32) throws -> [Int] {
    let r = try rank(Int64(ndim))
    let s = try array(dims, Int64(r), "shape").map { Int($0) }
    _ = try checkedCount(s)
    return s
}

/// Reads a static caller shape: dims `>= 0` or -1 (unknown), ranks up to 8.
func staticShape(_ dims: UnsafePointer<Int64>?, _ ndim: Int32) throws -> [Int?] {
    let r = try rank(Int64(ndim))
    return try array(dims, Int64(r), "shape").map {
        guard $0 >= -1, $0 < maxStaticDimension else { throw AgentNetError(.shape, "dimension \($0) is out of range (-1 for unknown, else 0..<2^40)") }
        return $0 < 0 ? nil : Int($0)
    }
}

/// Reads the shapes of `ranks.count` inputs laid back to back in `flat` (-1 for unknown dims).
func staticShapes(_ flat: UnsafePointer<Int64>?, ranks: UnsafePointer<Int32>?, _ n: Int64, _ what: String) throws -> [[Int?]] {
    let rs = try array(ranks, n, "\(what) ranks").map { try rank(Int64($0), what) }
    let total = rs.reduce(0, +)   // at most 8 * 2^24: no overflow
    let dims = try array(flat, Int64(total), what)
    var shapes: [[Int?]] = [], at = 0
    for r in rs {
        shapes.append(try dims[at..<(at + r)].map {
            guard $0 >= -1, $0 < maxStaticDimension else { throw AgentNetError(.shape, "\(what): dimension \($0) is out of range") }
            return $0 < 0 ? nil : Int($0)
        })
        at += r
    }
    return shapes
}

/// A caller's data buffer for a tensor of `shape`: NULL is allowed only when the tensor is empty.
func tensor(_ data: UnsafeRawPointer?, _ d: DType, _ s: [Int], _ what: String = "data") throws -> Tensor {
    let n = try checkedCount(s)
    if n == 0 { return try Tensor(zeros: s, dtype: d) }
    guard let data else { throw AgentNetError(.invalidArgument, "\(what) pointer is NULL") }
    return try Tensor(copying: data, dtype: d, shape: s)
}

/// A caller's read-only buffer of `n` elements; NULL is allowed only when `n == 0`.
func inputBuffer<T>(_ p: UnsafePointer<T>?, _ n: Int64, _ what: String) throws -> UnsafeBufferPointer<T> {
    let c = try count(n, what, limit: Int64(Int32.max))
    guard let p else {
        guard c == 0 else { throw AgentNetError(.invalidArgument, "\(what) is NULL") }
        return UnsafeBufferPointer(start: nil, count: 0)
    }
    return UnsafeBufferPointer(start: p, count: c)
}

/// A caller's writable buffer of `n` elements; NULL is allowed only when `n == 0`.
func outputBuffer<T>(_ p: UnsafeMutablePointer<T>?, _ n: Int64, _ what: String) throws -> UnsafeMutableBufferPointer<T> {
    let c = try count(n, what, limit: Int64(Int32.max))
    guard let p else {
        guard c == 0 else { throw AgentNetError(.invalidArgument, "output buffer \(what) is NULL") }
        return UnsafeMutableBufferPointer(start: nil, count: 0)
    }
    return UnsafeMutableBufferPointer(start: p, count: c)
}

/// A caller's uint8 flag buffer seen as Bool (the engine writes only 0 and 1).
func flagBuffer(_ p: UnsafeMutablePointer<UInt8>?, _ n: Int64, _ what: String) throws -> UnsafeMutableBufferPointer<Bool> {
    let bytes = try outputBuffer(p, n, what)
    guard let base = bytes.baseAddress else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
    let flags = UnsafeMutableRawPointer(base).bindMemory(to: Bool.self, capacity: bytes.count)
    return UnsafeMutableBufferPointer(start: flags, count: bytes.count)
}

/// Stands in for the NULL pointer of an empty buffer where the engine wants a non-optional one; nothing is read.
let emptyBuffer = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64))

/// One buffer of a call descriptor: data pointer (NULL only if empty), dtype and concrete shape.
struct BufferArgument {
    let pointer: UnsafeRawPointer?
    let dtype: DType
    let shape: [Int]
    var byteCount: Int { shape.reduce(1, *) * dtype.size }
}

/// A call descriptor `[n_in, n_out, then per buffer: pointer, dtype, ndim, dims...]` of `len` words,
/// decoded with every index checked against `len` before it is read.
struct CallDescriptor {
    let inputs: [BufferArgument]
    let outputs: [BufferArgument]

    init(_ desc: UnsafePointer<Int64>?, _ len: Int64) throws {
        guard let desc else { throw AgentNetError(.invalidArgument, "call descriptor is NULL") }
        let n = try count(len, "call descriptor length")
        guard n >= 2 else { throw AgentNetError(.invalidArgument, "call descriptor has \(n) words; it needs at least [n_in, n_out]") }
        let words = UnsafeBufferPointer(start: desc, count: n)
        let nIn = try count(words[0], "call descriptor n_in", limit: Int64(n)), nOut = try count(words[1], "call descriptor n_out", limit: Int64(n))
        var at = 2
        func decode(_ k: Int, _ role: String) throws -> BufferArgument {
            guard n - at >= 3 else { throw AgentNetError(.invalidArgument, "call descriptor is truncated at \(role) \(k)") }
            let ptr = UnsafeRawPointer(bitPattern: UInt(truncatingIfNeeded: words[at]))
            guard let d = Int32(exactly: words[at + 1]).flatMap(DType.init(rawValue:)) else {
                throw AgentNetError(.dtype, "call descriptor: \(role) \(k) has unknown dtype code \(words[at + 1])")
            }
            let r = try rank(words[at + 2], "call descriptor: \(role) \(k)")
            guard n - at - 3 >= r else { throw AgentNetError(.invalidArgument, "call descriptor is truncated in the dims of \(role) \(k)") }
            let s = try (0..<r).map { j -> Int in
                let v = words[at + 3 + j]
                guard v >= 0 else { throw AgentNetError(.shape, "call descriptor: \(role) \(k) has negative dimension \(v)") }
                return Int(v)
            }
            let size = try checkedCount(s).multipliedReportingOverflow(by: d.size)
            guard !size.overflow else { throw AgentNetError(.shape, "call descriptor: \(role) \(k) of shape \(formatShape(s)) is too large") }
            if size.partialValue > 0 && ptr == nil { throw AgentNetError(.invalidArgument, "call descriptor: \(role) \(k) data pointer is NULL") }
            at += 3 + r
            return BufferArgument(pointer: ptr, dtype: d, shape: s)
        }
        inputs = try (0..<nIn).map { try decode($0, "input") }
        outputs = try (0..<nOut).map { try decode($0, "output") }
        guard at == n else { throw AgentNetError(.invalidArgument, "call descriptor has \(n - at) words after its last buffer") }
    }
}

// MARK: - Writing

/// Writes a static shape into a caller's rank slot and 8 dims slots (-1 for unknown), after checking the rank.
func writeShape(_ s: [Int?], rank r: UnsafeMutablePointer<Int32>, dims: UnsafeMutablePointer<Int64>, slot: Int = 0) throws {
    guard s.count <= shapeSlots else {
        throw AgentNetError(.shape, "rank \(s.count) exceeds the \(shapeSlots) dims slots of the C interface")
    }
    r[slot] = Int32(s.count)
    let base = dims + slot * shapeSlots
    for (i, v) in s.enumerated() { base[i] = Int64(v ?? -1) }
}

func writeShape(_ s: [Int], rank r: UnsafeMutablePointer<Int32>, dims: UnsafeMutablePointer<Int64>, slot: Int = 0) throws {
    try writeShape(s.map { Optional($0) }, rank: r, dims: dims, slot: slot)
}

/// Stores a string result in the calling thread's slot and points the caller's out-pointer at it.
func writeString(_ text: String, _ p: UnsafeMutablePointer<UnsafePointer<CChar>?>?, _ what: String) throws {
    try out(p, what).pointee = ThreadString.set(text)
}

/// Copies `bytes` bytes into a caller buffer already checked to hold them.
func writeBytes(_ dst: UnsafeRawPointer?, from src: UnsafeRawPointer, _ bytes: Int) {
    guard bytes > 0, let dst else { return }
    UnsafeMutableRawPointer(mutating: dst).copyMemory(from: src, byteCount: bytes)
}
