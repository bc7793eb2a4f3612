/// A persistent value (parameter, optimizer state) that compiled functions read and update in place.
///
/// Ownership: the graph leaf reading the value (`node`, whose `SharedOp` holds the value) owns the value, and the
/// value keeps only a weak reference back, so releasing both frees the tensor. While anything holds the node, `node`
/// returns that same node; once it is gone, the next request makes a new one.
///
/// Threads: `access` is a readers–writer lock. A compiled function holds it for reading while it runs if it only
/// reads the value, for writing if it updates it (Function.swift); `value`/`shape` read and `set` writes. A
/// function takes the locks of all its shared values in `id` order, so two functions never deadlock, two that
/// write the same value never interleave, and a reader sees the value before or after an update, never half of it.
public final class SharedValue: @unchecked Sendable {
    public let name: String?
    public let dtype: DType
    /// Rank is fixed at creation, as in Theano; `set` may change the dimensions.
    public let rank: Int
    /// Whether a compiled function's update may give the value another shape (of the same rank), as a replay
    /// pool that grows needs; other values refuse such an update, so a wrong-shape optimizer step fails loudly.
    public let resizable: Bool
    /// Creation order: the global order in which compiled functions lock shared values.
    public let id: Int
    /// Read and written only under `access`.
    var tensor: Tensor
    let access = ReadWriteLock()
    private weak var currentNode: Node?
    private let nodeLock = Lock()

    public init(_ value: Tensor, name: String? = nil, resizable: Bool = false) {
        tensor = value.copy()
        self.resizable = resizable
        dtype = value.dtype
        rank = value.rank
        self.name = name
        id = Node.nextID()
    }

    /// The graph leaf that reads this value.
    public var node: Node {
        nodeLock.locked {
            if let n = currentNode { return n }
            let n = Node(op: SharedOp(value: self), inputs: [], dtype: dtype, shape: Array(repeating: nil, count: rank), name: name)
            currentNode = n
            return n
        }
    }

    /// A copy of the current value.
    public var value: Tensor { access.reading { tensor.copy() } }

    public var shape: [Int] { access.reading { tensor.shape } }

    /// Runs `body` on the current value (not a copy) while holding the read lock.
    public func reading<T>(_ body: (Tensor) throws -> T) rethrows -> T { try access.reading { try body(tensor) } }

    /// Replaces the value. Same shape: copied into the existing storage, so compiled plans stay valid.
    public func set(_ value: Tensor) throws {
        guard value.dtype == dtype else {
            throw AgentNetError.dtype("shared \(name ?? "value") is \(dtype); cannot set a \(value.dtype) value")
        }
        guard value.rank == rank else {
            throw AgentNetError.shape("shared \(name ?? "value") has rank \(rank); cannot set a value of shape \(formatShape(value.shape))")
        }
        access.writing {
            if value.shape == tensor.shape {
                tensor.storage.raw.copyMemory(from: value.storage.raw, byteCount: value.count * dtype.size)
            } else {
                tensor = value.copy()
            }
        }
    }
}
