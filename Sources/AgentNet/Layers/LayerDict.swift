/// An ordered mapping from layers (by identity) to values: what Python writes as a dict keyed by layers,
/// `{x_t: sequence}`. Written in Swift as a dictionary literal, `[x: sequence]`, and it keeps the order of the
/// literal, which decides the order of a Recurrence's states, inputs and outputs. Keys may repeat in a literal;
/// whoever takes a `LayerDict` checks that (`Recurrence` names the repeated layer).
public struct LayerDict<Value>: ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var pairs: [(key: Layer, value: Value)]

    public init(_ pairs: [(Layer, Value)]) { self.pairs = pairs.map { (key: $0.0, value: $0.1) } }

    public init(dictionaryLiteral elements: (Layer, Value)...) { self.init(elements) }

    public var keys: [Layer] { pairs.map(\.key) }
    public var values: [Value] { pairs.map(\.value) }
    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    /// The value of `layer` (the first, if it repeats), or nil.
    public subscript(layer: Layer) -> Value? { pairs.first { $0.key === layer }?.value }

    public func contains(_ layer: Layer) -> Bool { pairs.contains { $0.key === layer } }

    public func makeIterator() -> IndexingIterator<[(key: Layer, value: Value)]> { pairs.makeIterator() }
}
