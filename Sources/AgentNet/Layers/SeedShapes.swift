/// Shapes as the seed's Python messages print them, `(None, 3, 2)` and `(5,)`: the memory, attention and
/// broadcast layers name shapes this way in their construction errors (the seed's users, and its tests, read and
/// match them), where the engine's own messages print unknown sizes as `?`.
public func seedShape(_ shape: [Int?]) -> String {
    let parts = shape.map { $0.map(String.init) ?? "None" }
    return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
}

/// Sizes that may be unknown agree unless both are known and differ.
func sizesAgree(_ a: Int?, _ b: Int?) -> Bool { a == nil || b == nil || a == b }

/// The full slice `:` of one axis.
let fullSlice = SliceItem.range(start: nil, stop: nil, step: 1)
