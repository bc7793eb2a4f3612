/// Element types the engine stores. Raw values are the ABI codes used by `include/agentnet.h`.
public enum DType: Int32, Sendable, CustomStringConvertible {
    case float32 = 0
    case int32 = 1
    /// Booleans are stored as one byte each (0 or 1), like numpy's `bool_`.
    case bool = 2

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32, .int32: return 4
        case .bool: return 1
        }
    }

    public var isFloat: Bool { self == .float32 }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .int32: return "int32"
        case .bool: return "bool"
        }
    }

    /// Parses the names numpy and Theano users write (`"float32"`, `"floatX"`, `"int32"`, `"int64"`, `"bool"`, `"uint8"`).
    public init?(name: String) {
        switch name {
        case "float32", "floatX", "float64", "float", "float16": self = .float32
        case "int32", "int64", "int", "int8", "int16", "uint32", "uint16": self = .int32
        case "bool", "uint8", "bool_": self = .bool
        default: return nil
        }
    }
}
