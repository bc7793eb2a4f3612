/// The safetensors header: parsing with full validation, and writing.
///
/// A safetensors file is an 8-byte little-endian unsigned header length `N`, `N` bytes of UTF-8 JSON
/// `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}`
/// (padded with spaces), then the byte buffer. Offsets count from the buffer's start; each tensor is contiguous,
/// row-major, little-endian. The tensors' ranges tile the buffer exactly: sorted, no gaps, no overlaps.

/// The element types the format names. The engine computes in `F32`, `I32` and `BOOL`; the others are read
/// (and converted where the conversion is exact or a plain float rounding) or reported.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// The file type an engine dtype is saved as.
    public init(_ d: DType) {
        switch d {
        case .float32: self = .f32
        case .int32: self = .i32
        case .bool: self = .bool
        }
    }
}

/// One tensor's header entry. `begin..<end` is its byte range relative to the buffer's start.
public struct SafeTensorsEntry: Equatable, Sendable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    public let begin: Int
    public let end: Int

    public init(name: String, dtype: SafeTensorsDType, shape: [Int], begin: Int, end: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end
    }

    public var byteCount: Int { end - begin }
}

public enum SafeTensorsHeader {
    /// Largest header accepted (the format's own limit).
    public static let maxHeaderBytes = 100_000_000
    /// Deepest JSON nesting accepted; a valid header nests 3 deep (object, entry, shape list).
    static let maxDepth = 16
    /// Highest tensor rank accepted.
    static let maxRank = 64

    static func invalid(_ what: String) -> AgentNetError { AgentNetError(.invalidArgument, "invalid safetensors header: \(what)") }

    /// Parses and validates a header against a buffer of `bufferSize` bytes. Entries come back in buffer order.
    ///
    /// Checks: UTF-8 JSON object (nesting at most `maxDepth`), known dtypes, shapes of non-negative dimensions
    /// whose element count times dtype size neither overflows nor differs from the byte range, ranges that are
    /// sorted, non-overlapping and tile `0..<bufferSize` exactly, and `__metadata__` mapping strings to strings.
    public static func parse(_ bytes: [UInt8], bufferSize: Int) throws -> (entries: [SafeTensorsEntry], metadata: [String: String]) {
        guard bytes.first == UInt8(ascii: "{") else { throw invalid("it does not start with '{'") }
        try checkDepth(bytes)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw invalid("it is not UTF-8") }
        let json: JSON
        do { json = try JSON.parse(text) } catch let e as AgentNetError { throw invalid(e.message) }
        guard case .object(let members) = json else { throw invalid("it is not a JSON object") }

        var metadata: [String: String] = [:]
        var entries: [SafeTensorsEntry] = []
        entries.reserveCapacity(members.count)
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let m) = value else { throw invalid("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v.string else { throw invalid("__metadata__[\(JSON.quote(k))] is not a string") }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try entry(name, value))
        }
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var at = 0
        for e in entries {
            if e.begin < at { throw invalid("tensor \(JSON.quote(e.name)) at bytes \(e.begin)..<\(e.end) overlaps the tensor before it") }
            if e.begin > at { throw invalid("bytes \(at)..<\(e.begin) of the buffer belong to no tensor") }
            at = e.end
        }
        guard at == bufferSize else {
            throw invalid(at > bufferSize
                ? "tensors end at byte \(at), past the end of the \(bufferSize)-byte buffer (the file is truncated?)"
                : "bytes \(at)..<\(bufferSize) of the buffer belong to no tensor")
        }
        return (entries, metadata)
    }

    static func entry(_ name: String, _ value: JSON) throws -> SafeTensorsEntry {
        let what = "tensor \(JSON.quote(name))"
        guard case .object = value else { throw invalid("\(what) is not an object") }
        guard let code = value["dtype"]?.string else { throw invalid("\(what) has no dtype string") }
        guard let dtype = SafeTensorsDType(rawValue: code) else { throw invalid("\(what) has unknown dtype \(JSON.quote(code))") }
        guard case .array(let dims)? = value["shape"] else { throw invalid("\(what) has no shape list") }
        guard dims.count <= maxRank else { throw invalid("\(what) has rank \(dims.count), over \(maxRank)") }
        var shape: [Int] = []
        var count = 1
        for d in dims {
            guard case .number(let x) = d, x >= 0, x == x.rounded(), x < 9.0e15 else {
                throw invalid("\(what) has shape entry \(d.serialized), not a non-negative integer")
            }
            shape.append(Int(x))
            let (m, overflow) = count.multipliedReportingOverflow(by: Int(x))
            guard !overflow else { throw invalid("\(what) has shape \(formatShape(shape)) whose size overflows") }
            count = m
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw invalid("\(what) has shape \(formatShape(shape)) whose size overflows") }
        guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2 else {
            throw invalid("\(what) has no data_offsets pair")
        }
        var range: [Int] = []
        for o in offsets {
            guard case .number(let x) = o, x >= 0, x == x.rounded(), x < 9.0e15 else {
                throw invalid("\(what) has data offset \(o.serialized), not a non-negative integer")
            }
            range.append(Int(x))
        }
        guard range[0] <= range[1] else { throw invalid("\(what) has data_offsets [\(range[0]), \(range[1])] that end before they begin") }
        guard range[1] - range[0] == bytes else {
            throw invalid("\(what) of shape \(formatShape(shape)) \(code) needs \(bytes) bytes, its data_offsets [\(range[0]), \(range[1])] hold \(range[1] - range[0])")
        }
        return SafeTensorsEntry(name: name, dtype: dtype, shape: shape, begin: range[0], end: range[1])
    }

    /// Rejects JSON nested deeper than `maxDepth` before the recursive parser sees it.
    static func checkDepth(_ bytes: [UInt8]) throws {
        var depth = 0, inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth { throw invalid("JSON nested deeper than \(maxDepth) levels") }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }

    /// The header for tensors laid out back to back in the given order: the JSON (metadata first, then the
    /// tensors in buffer order) padded with spaces so the buffer starts at a multiple of 8 bytes, preceded by
    /// its length.
    public static func encode(_ tensors: [(name: String, dtype: SafeTensorsDType, shape: [Int])], metadata: [String: String]) -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { JSON.quote($0) + ":" + JSON.quote(metadata[$0]!) }
            parts.append("\"__metadata__\":{" + m.joined(separator: ",") + "}")
        }
        var at = 0
        for t in tensors {
            let bytes = t.shape.reduce(1, *) * t.dtype.size
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSON.quote(t.name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(at),\(at + bytes)]}")
            at += bytes
        }
        var json = Array(("{" + parts.joined(separator: ",") + "}").utf8)
        while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count)
        var n = UInt64(json.count)
        for _ in 0..<8 {
            out.append(UInt8(n & 0xFF))
            n >>= 8
        }
        return out + json
    }
}
