/// Lower-triangular matrices from their free entries and back, for NAF's `L` (Learning/NAF.swift).
///
/// The `d(d+1)/2` entries of a `d × d` lower triangle are taken row by row, the order of numpy's
/// `np.tril_indices(d)`: (0,0), (1,0), (1,1), (2,0), (2,1), (2,2), … Both ops are linear and each is the other's
/// adjoint, so each one's gradient is the other applied to the incoming gradient. One pass over the output, where
/// the seed scattered with `set_subtensor` over advanced indices.

/// `[..., d(d+1)/2]` → `[..., d, d]`: the entries on and below the diagonal, zeros above it.
public struct FillTrilOp: Op {
    public let diag: Int
    public var name: String { "fill_tril" }
    public var attributes: String { "d=\(diag)" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        try checkTrilDiag(diag, "fill_tril")
        guard x.dtype == .float32 else { throw AgentNetError.dtype("fill_tril: entries must be float32, got \(x.dtype)") }
        let size = trilSize(diag)
        guard x.rank >= 1, x.shape.last! == nil || x.shape.last! == size else {
            throw AgentNetError.shape("fill_tril: a \(diag)x\(diag) lower triangle has \(size) entries, got shape \(formatShape(x.shape))")
        }
        return (.float32, x.shape.dropLast() + [diag, diag])
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let s = ctx.shapes[0]
        guard s.last == trilSize(diag) else {
            throw AgentNetError.shape("fill_tril: a \(diag)x\(diag) lower triangle has \(trilSize(diag)) entries, got shape \(formatShape(s))")
        }
        return s.dropLast() + [diag, diag]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = UnsafePointer(inputs[0].floats), o = output.floats, d = diag, size = trilSize(diag)
        let matrices = output.count / (d * d)
        return {
            o.update(repeating: 0, count: matrices * d * d)
            for m in 0..<matrices {
                var k = m * size
                for i in 0..<d {
                    let row = o + (m * d + i) * d
                    for j in 0...i { row[j] = x[k]; k += 1 }
                }
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try Node.make(TrilEntriesOp(diag: diag), [g])]
    }
}

/// `[..., d, d]` → `[..., d(d+1)/2]`: the entries on and below the diagonal (those above are ignored).
public struct TrilEntriesOp: Op {
    public let diag: Int
    public var name: String { "tril_entries" }
    public var attributes: String { "d=\(diag)" }

    public func infer(_ inputs: [Node]) throws -> (DType, [Int?]) {
        let x = inputs[0]
        try checkTrilDiag(diag, "tril_entries")
        guard x.dtype == .float32 else { throw AgentNetError.dtype("tril_entries: matrices must be float32, got \(x.dtype)") }
        guard x.rank >= 2, x.shape.suffix(2).allSatisfy({ $0 == nil || $0 == diag }) else {
            throw AgentNetError.shape("tril_entries: expected [..., \(diag), \(diag)] matrices, got shape \(formatShape(x.shape))")
        }
        return (.float32, x.shape.dropLast(2) + [trilSize(diag)])
    }

    public func shape(_ ctx: ShapeContext) throws -> [Int] {
        let s = ctx.shapes[0]
        guard s.count >= 2, s.suffix(2).allSatisfy({ $0 == diag }) else {
            throw AgentNetError.shape("tril_entries: expected [..., \(diag), \(diag)] matrices, got shape \(formatShape(s))")
        }
        return s.dropLast(2) + [trilSize(diag)]
    }

    public func kernel(_ inputs: [Tensor], _ output: Tensor) throws -> Kernel {
        let x = UnsafePointer(inputs[0].floats), o = output.floats, d = diag, size = trilSize(diag)
        let matrices = output.count / size
        return {
            for m in 0..<matrices {
                var k = m * size
                for i in 0..<d {
                    let row = x + (m * d + i) * d
                    for j in 0...i { o[k] = row[j]; k += 1 }
                }
            }
        }
    }

    public func gradient(_ node: Node, _ g: Node) throws -> [Node?] {
        [try Node.make(FillTrilOp(diag: diag), [g])]
    }
}

/// `d(d+1)/2`, the number of entries of a `d × d` lower triangle, for a `d` that passed `checkTrilDiag`.
func trilSize(_ d: Int) -> Int { d * (d + 1) / 2 }

/// A matrix size is positive and at most 2³¹, so `d·(d+1)` cannot overflow.
func checkTrilDiag(_ d: Int, _ op: String) throws {
    guard d >= 1, d <= 1 << 31 else { throw AgentNetError.invalid("\(op): the matrix size must be in 1...2^31, got \(d)") }
}

public extension T {
    /// `[..., d(d+1)/2]` entries → `[..., d, d]` lower-triangular matrices (see `FillTrilOp`).
    static func fillTril(_ entries: Node, diag: Int) throws -> Node {
        try Node.make(FillTrilOp(diag: diag), [try cast(entries, .float32)])
    }

    /// `[..., d, d]` matrices → their `[..., d(d+1)/2]` lower-triangle entries (see `TrilEntriesOp`).
    static func trilEntries(_ matrices: Node, diag: Int) throws -> Node {
        try Node.make(TrilEntriesOp(diag: diag), [try cast(matrices, .float32)])
    }
}
