/// Reading and writing safetensors files (the format: `SafeTensorsHeader.swift`).
///
/// The reader validates the whole header before it touches a tensor, reads each tensor with positioned reads
/// into memory it allocates for that tensor alone (so at most the file's size in all), and fails cleanly on a
/// file that shrinks while it is read. The writer is atomic (`writeFileAtomically`).
#if canImport(Glibc)
import Glibc
#endif

/// An opened, validated safetensors file. Tensors are read on demand.
public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    /// Header entries in buffer order.
    public let entries: [SafeTensorsEntry]
    public let metadata: [String: String]
    let file: ReadableFile
    /// Where the buffer starts: 8 + the header length.
    let bufferStart: Int
    let index: [String: Int]

    public init(path: String) throws {
        self.path = path
        file = try ReadableFile(path)
        let size = file.size
        guard size >= 8 else { throw AgentNetError(.invalidArgument, "\(path) is not a safetensors file: \(size) bytes, shorter than the 8-byte header length") }
        let prefix = try file.bytes(count: 8, at: 0)
        var n: UInt64 = 0
        for b in prefix.reversed() { n = n << 8 | UInt64(b) }
        guard n >= 2, n <= UInt64(size - 8), n <= UInt64(SafeTensorsHeader.maxHeaderBytes) else {
            throw AgentNetError(.invalidArgument, "\(path) is not a safetensors file: header length \(n) does not fit a \(size)-byte file"
                + (n > UInt64(SafeTensorsHeader.maxHeaderBytes) ? " (limit \(SafeTensorsHeader.maxHeaderBytes))" : ""))
        }
        bufferStart = 8 + Int(n)
        let header = try file.bytes(count: Int(n), at: 8)
        do {
            (entries, metadata) = try SafeTensorsHeader.parse(header, bufferSize: size - bufferStart)
        } catch let e as AgentNetError {
            throw AgentNetError(e.kind, "\(path): \(e.message)")
        }
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.name] = i }
        self.index = index
    }

    public func entry(_ name: String) -> SafeTensorsEntry? { index[name].map { entries[$0] } }

    /// Copies a tensor's raw little-endian bytes into `destination` (`entry.byteCount` bytes).
    public func readBytes(_ entry: SafeTensorsEntry, into destination: UnsafeMutableRawPointer) throws {
        try file.read(into: destination, count: entry.byteCount, at: bufferStart + entry.begin)
    }

    /// Whether a tensor of file type `from` can be read as engine type `to`: floats into float32 (rounding),
    /// integers into int32 (values must fit, checked on reading), BOOL/U8 into bool.
    public static func converts(_ from: SafeTensorsDType, to: DType) -> Bool {
        switch to {
        case .float32: return [.f32, .f64, .f16, .bf16].contains(from)
        case .int32: return [.i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64].contains(from)
        case .bool: return from == .bool || from == .u8
        }
    }

    /// A tensor read as engine type `dtype` (see `converts`).
    public func tensor(_ entry: SafeTensorsEntry, as dtype: DType) throws -> Tensor {
        guard SafeTensorsFile.converts(entry.dtype, to: dtype) else {
            throw AgentNetError(.dtype, "\(path): tensor \(JSON.quote(entry.name)) is \(entry.dtype.rawValue), which does not convert to \(dtype)")
        }
        let out = try Tensor(zeros: entry.shape, dtype: dtype)
        if entry.dtype == SafeTensorsDType(dtype) && dtype != .bool {
            try readBytes(entry, into: out.storage.raw)
            return out
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(entry.byteCount, 1), alignment: 8)
        defer { raw.deallocate() }
        try readBytes(entry, into: raw)
        try convert(raw, entry, into: out)
        return out
    }

    func convert(_ raw: UnsafeMutableRawPointer, _ entry: SafeTensorsEntry, into out: Tensor) throws {
        let n = out.count
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: i * T.bitWidth / 8, as: T.self)) }
        switch entry.dtype {
        case .f64: for i in 0..<n { out.floats[i] = Float(Double(bitPattern: load(UInt64.self, i))) }
        case .f16: for i in 0..<n { out.floats[i] = halfToFloat(load(UInt16.self, i)) }
        case .bf16: for i in 0..<n { out.floats[i] = Float(bitPattern: UInt32(load(UInt16.self, i)) << 16) }
        case .f32: for i in 0..<n { out.floats[i] = Float(bitPattern: load(UInt32.self, i)) }
        case .bool, .u8:
            if out.dtype == .bool {
                for i in 0..<n { out.bytes[i] = load(UInt8.self, i) != 0 ? 1 : 0 }
            } else {
                for i in 0..<n { out.ints[i] = Int32(load(UInt8.self, i)) }
            }
        case .i8: for i in 0..<n { out.ints[i] = Int32(load(Int8.self, i)) }
        case .i16: for i in 0..<n { out.ints[i] = Int32(load(Int16.self, i)) }
        case .u16: for i in 0..<n { out.ints[i] = Int32(load(UInt16.self, i)) }
        case .i32: for i in 0..<n { out.ints[i] = load(Int32.self, i) }
        case .u32: try narrow(n, out, entry) { Int64(load(UInt32.self, $0)) }
        case .i64: try narrow(n, out, entry) { load(Int64.self, $0) }
        case .u64: try narrow(n, out, entry) { let v = load(UInt64.self, $0); return v > UInt64(Int64.max) ? Int64.max : Int64(v) }
        case .f8e5m2, .f8e4m3:
            throw AgentNetError(.dtype, "\(path): tensor \(JSON.quote(entry.name)) is \(entry.dtype.rawValue), which does not convert to \(out.dtype)")
        }
    }

    func narrow(_ n: Int, _ out: Tensor, _ entry: SafeTensorsEntry, _ value: (Int) -> Int64) throws {
        for i in 0..<n {
            let v = value(i)
            guard let x = Int32(exactly: v) else {
                throw AgentNetError(.invalidArgument, "\(path): tensor \(JSON.quote(entry.name)) holds \(v), which does not fit in int32")
            }
            out.ints[i] = x
        }
    }
}

/// IEEE half to float (exact).
func halfToFloat(_ h: UInt16) -> Float {
    let sign: UInt32 = UInt32(h >> 15) << 31
    let exponent = Int((h >> 10) & 0x1F), mantissa = UInt32(h & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
    if exponent == 0 {
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
}

public enum SafeTensors {
    /// Writes tensors (in this order, back to back) with string metadata to `path`, atomically.
    /// Names must be unique, and `__metadata__` is reserved by the format.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to path: String) throws {
        #if _endian(big)
        throw AgentNetError(.io, "safetensors files are little-endian; this engine build is big-endian")
        #else
        var seen = Set<String>()
        for (name, _) in tensors {
            guard name != "__metadata__" else { throw AgentNetError(.invalidArgument, "the tensor name __metadata__ is reserved by the safetensors format") }
            guard seen.insert(name).inserted else { throw AgentNetError(.invalidArgument, "tensor name \(JSON.quote(name)) appears twice") }
        }
        let header = SafeTensorsHeader.encode(tensors.map { ($0.name, SafeTensorsDType($0.tensor.dtype), $0.tensor.shape) }, metadata: metadata)
        try writeFileAtomically(path) { write in
            try header.withUnsafeBytes { try write($0) }
            for (_, t) in tensors {
                try write(UnsafeRawBufferPointer(start: t.storage.raw, count: t.count * t.dtype.size))
            }
        }
        #endif
    }

    /// Reads every tensor of a file in its own type where the engine has it (F32, I32, BOOL), converted otherwise
    /// (see `SafeTensorsFile.converts`), in buffer order.
    public static func read(_ path: String) throws -> (tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        let f = try SafeTensorsFile(path: path)
        let tensors = try f.entries.map { e -> (name: String, tensor: Tensor) in
            guard let d = engineType(e.dtype) else {
                throw AgentNetError(.dtype, "\(path): tensor \(JSON.quote(e.name)) is \(e.dtype.rawValue), which the engine does not compute in")
            }
            return (e.name, try f.tensor(e, as: d))
        }
        return (tensors, f.metadata)
    }

    /// The engine type a file type is read as (floats as float32, integers and U8 as int32, BOOL as bool), or nil
    /// for 8-bit floats.
    public static func engineType(_ d: SafeTensorsDType) -> DType? {
        for t in [DType.float32, .int32, .bool] where SafeTensorsFile.converts(d, to: t) { return t }
        return nil
    }
}
