/// numpy broadcasting: shapes are aligned on the right; a dimension of 1 stretches to match.

/// Broadcasts concrete shapes; throws naming both shapes when they do not fit.
public func broadcastShapes(_ shapes: [[Int]]) throws -> [Int] {
    let rank = shapes.map(\.count).max() ?? 0
    var out = [Int](repeating: 1, count: rank)
    for s in shapes {
        let offset = rank - s.count
        for (i, d) in s.enumerated() {
            let j = i + offset
            if out[j] == 1 { out[j] = d } else if d != 1 && d != out[j] {
                throw AgentNetError.shape("shapes " + shapes.map { formatShape($0) }.joined(separator: " and ") + " cannot be broadcast together")
            }
        }
    }
    return out
}

/// Broadcasts static shapes with unknown dimensions; only known, conflicting dimensions are an error.
public func broadcastStatic(_ shapes: [[Int?]]) throws -> [Int?] {
    let rank = shapes.map(\.count).max() ?? 0
    var out = [Int?](repeating: 1, count: rank)
    for s in shapes {
        let offset = rank - s.count
        for (i, d) in s.enumerated() {
            let j = i + offset
            switch (out[j], d) {
            case (1?, _): out[j] = d
            case (_, 1?): break
            case (nil, _): if d != nil { out[j] = d }
            case (let a?, let b?):
                if a != b {
                    throw AgentNetError.shape("shapes " + shapes.map { formatShape($0) }.joined(separator: " and ") + " cannot be broadcast together")
                }
            case (_?, nil): break
            }
        }
    }
    return out
}

/// Iterates an elementwise op over broadcast operands as contiguous runs along the last (collapsed) axis.
///
/// Each operand gets element strides aligned to the output (0 on broadcast axes); adjacent axes that are
/// contiguous for every operand are merged, so `[B, N] + [N]` runs as B runs of N, and same-shape operands as one run.
public struct BroadcastPlan {
    public let outShape: [Int]
    /// Collapsed shape and per-operand strides.
    let shape: [Int]
    let strides: [[Int]]
    /// Each operand's stride along the innermost (collapsed) axis: 0 for broadcast, 1 for contiguous.
    public let innerStrides: [Int]

    public init(out: [Int], operands: [[Int]]) {
        let rank = out.count
        let st: [[Int]] = operands.map { s in
            let own = contiguousStrides(s)
            let offset = rank - s.count
            return (0..<rank).map { j in
                let i = j - offset
                return (i < 0 || s[i] == 1) ? 0 : own[i]
            }
        }
        self.init(out: out, strides: st)
    }

    /// A plan over explicit element strides (aligned to `out`), for transposes and strided slices.
    public init(out: [Int], strides operandStrides: [[Int]]) {
        outShape = out
        let rank = out.count
        var st = operandStrides
        var shape = out
        var j = rank - 1
        while j > 0 {
            let mergeable = st.allSatisfy { $0[j - 1] == $0[j] * shape[j] }
            if mergeable {
                shape[j - 1] *= shape[j]
                shape.remove(at: j)
                // The merged axis steps like the inner one.
                for k in st.indices { st[k][j - 1] = st[k][j]; st[k].remove(at: j) }
            }
            j -= 1
        }
        if shape.isEmpty {
            shape = [1]
            st = st.map { _ in [0] }
        }
        self.shape = shape
        strides = st
        innerStrides = st.map { $0[shape.count - 1] }
    }

    /// True when no operand is broadcast (one run over equal shapes).
    public var isSimple: Bool { shape.count == 1 && strides.allSatisfy { $0[0] == 1 } }
}
