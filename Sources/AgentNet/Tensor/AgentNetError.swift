/// Every error the engine reports. The C boundary maps `kind` to a status code and `message` to `agn_last_error()`.
public struct AgentNetError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Int32, Sendable {
        /// A malformed argument: unknown kind, bad attribute, out-of-range value.
        case invalidArgument = 1
        /// A handle that was never issued, already released, or of the wrong type.
        case invalidHandle = 2
        /// Shapes that do not fit together.
        case shape = 3
        /// A dtype the operation does not accept.
        case dtype = 4
        /// Something went wrong while running (non-finite input, index out of range...).
        case runtime = 5
        /// A file could not be read or written.
        case io = 6
        /// The caller's output buffers no longer match the plan's output shapes.
        case outputShape = 7
        /// An allocation over the engine's memory limit (`MemoryLimit`) or refused by the system.
        case memory = 8
        /// An index outside its axis (Python's IndexError).
        case index = 9
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func shape(_ message: String) -> AgentNetError { AgentNetError(.shape, message) }
    static func dtype(_ message: String) -> AgentNetError { AgentNetError(.dtype, message) }
    static func invalid(_ message: String) -> AgentNetError { AgentNetError(.invalidArgument, message) }
}

/// Formats a shape the way numpy prints it: `(3, 4)`, `(5,)`, `()`. Unknown dimensions print as `?`.
public func formatShape(_ shape: [Int?]) -> String {
    let parts = shape.map { $0.map(String.init) ?? "?" }
    return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
}

public func formatShape(_ shape: [Int]) -> String { formatShape(shape.map { Optional($0) }) }
