/// What the gates and recurrent cells (`GateLayer`, `RNNCell`, `GRUCell`, `LSTMCell`, `GRUMemoryLayer`) share:
/// parameters given as specs or (from Python's `create_param`) as expressions, each recorded with the attribute
/// slot it was given in; inputs flattened to `[batch, features]`; per-gate weights concatenated once, so that one
/// matmul per input computes every gate.

/// A parameter as a memory layer takes it: a `ParamSpec`, or an expression used as is (tied through some
/// computation; it has no shared value of its own).
public enum GivenParam {
    case spec(ParamSpec)
    case expression(Node)

    /// The usual default of the cells' weights, Lasagne's `Normal(0.01)`.
    public static let normal = GivenParam.spec(.initializer(.normal(std: 0.01, mean: 0)))
    public static let zero = GivenParam.spec(.initializer(.constant(0)))
}

/// A layer whose parameters remember the attribute slot they were given in (`["W_in", gate, input]`): the Python
/// binding makes a probe layer with placeholders, reads the names, shapes, tags and slots of its parameters, and
/// creates each parameter from the user's own spec for that slot (`agentnet.layers._zoo.engine_params`).
public class GatedLayer: Layer, LayerWithFacts {
    /// One slot per parameter, in parameter order.
    public private(set) var paramSlots: [[JSON]] = []
    /// `GRUCell 'gru'`, for messages: the seed's argument `name` (a cell's layer name may differ).
    public let owner: String

    init(inputShapes: [[Int?]], name: String?, owner kind: String, cellName: String?) {
        owner = cellName.map { "\(kind) '\($0)'" } ?? kind
        super.init(inputShapes: inputShapes, name: name)
    }

    /// Registers the parameter `name` (the full name, not prefixed) of `shape` and returns its expression.
    func param(_ given: GivenParam, shape: [Int], name: String, tags: Set<String> = ["trainable", "regularizable"],
               slot: [JSON]) throws -> Node {
        let param: LayerParam
        switch given {
        case .spec(.shared(let s)):
            guard s.shape == shape, s.dtype == .float32 else {
                throw AgentNetError.shape("\(owner): parameter \(name) must have shape \(seedShape(shape)), got \(seedShape(s.shape))")
            }
            param = LayerParam(value: s, name: name, tags: tags)
        case .spec(.initializer(let i)):
            param = LayerParam(value: SharedValue(try i.sample(shape), name: name), name: name, tags: tags)
        case .expression(let x):
            guard x.rank == shape.count, zip(x.shape, shape).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw AgentNetError.shape("\(owner): parameter \(name) must have shape \(seedShape(shape)), got an expression of shape \(seedShape(x.shape))")
            }
            param = LayerParam(expression: x, name: name, tags: tags)
        }
        appendParam(param)
        paramSlots.append(slot)
        return param.node
    }

    public var facts: [String: JSON] { ["param_slots": .array(paramSlots.map { .array($0) })] }
}

/// `shape` with `seedShape`'s unknown sizes.
func seedShape(_ shape: [Int]) -> String { seedShape(shape.map { Optional($0) }) }

/// The seed's `repr` of a layer name in messages: `'h'` or `None`.
func seedName(_ name: String?) -> String { name.map { "'\($0)'" } ?? "None" }

/// A name the seed's `name or default` keeps (not nil, not empty).
func nonEmpty(_ name: String?) -> String? { name.flatMap { $0.isEmpty ? nil : $0 } }

/// Number of features of `[batch, ...]` flattened to `[batch, features]`; nil when a trailing size is unknown.
func flatWidth(_ shape: [Int?]) -> Int? {
    let trailing = shape.dropFirst()
    guard !trailing.isEmpty, trailing.allSatisfy({ $0 != nil }) else { return nil }
    return try? checkedCount(trailing.map { $0! })
}

/// `spec` for `n` items: one given for all, or exactly `n` (the seed's single-value-or-list arguments).
func spread<T>(_ items: [T], _ n: Int, _ what: String, _ owner: String) throws -> [T] {
    if items.count == 1 { return Array(repeating: items[0], count: n) }
    guard items.count == n else {
        throw AgentNetError.invalid("\(owner): \(what) must be a single value or a list of 1 or \(n), got a list of \(items.count)")
    }
    return items
}

enum Cell {
    /// `x` as `[batch, features]`.
    static func flat(_ x: Node) throws -> Node { x.rank == 2 ? x : try T.flatten(x, ndim: 2) }

    /// `x[:, start..<stop]`.
    static func columns(_ x: Node, _ start: Int, _ stop: Int) throws -> Node {
        try Node.make(SliceOp(items: [fullSlice, .range(start: start, stop: stop, step: 1)]), [x])
    }

    /// `x` with its gradient clipped to `[-bound, bound]`; `x` itself when `bound` is 0.
    static func clip(_ x: Node, _ bound: Float) throws -> Node { bound == 0 ? x : try T.gradClip(x, -bound, bound) }

    /// `sum_k x_k . w_k (+ b)`, the inputs flattened.
    static func affine(_ xs: [Node], _ ws: [Node], _ b: Node?) throws -> Node {
        var s = try T.dot(flat(xs[0]), ws[0])
        for (x, w) in zip(xs.dropFirst(), ws.dropFirst()) { s = try T.add(s, T.dot(flat(x), w)) }
        return try b.map { try T.add(s, $0) } ?? s
    }

    /// The seed's `num_units`: nil means the width of the state `[batch, units]`, else it must equal it.
    static func units(_ numUnits: Int?, state: [Int?], what: String, stateName: String?, owner: String) throws -> Int {
        guard state.count == 2, let width = state[1] else {
            throw AgentNetError.shape("\(owner): \(what) \(seedName(stateName)) must have shape [batch, units] with known units, got \(seedShape(state))")
        }
        guard let n = numUnits else { return width }
        guard n == width else {
            throw AgentNetError.shape("\(owner): num_units=\(n) (new state shape \(seedShape([state[0], n]))) differs from \(what) \(seedName(stateName)) of shape \(seedShape(state))")
        }
        return n
    }

    /// Checks that each input is `[batch, ...]` with known trailing sizes; returns their flattened widths.
    static func widths(_ shapes: [[Int?]], names: [String?], what: String, owner: String) throws -> [Int] {
        try zip(shapes, names).map { shape, name in
            guard shape.count >= 2, let w = flatWidth(shape) else {
                throw AgentNetError.shape("\(owner): \(what) \(seedName(name)) has shape \(seedShape(shape)); it needs a batch axis and known sizes on the other axes")
            }
            return w
        }
    }

    /// The seed's weight name of a controller: its given name, else its layer's name, else `ctrl<k>`.
    static func controllerName(_ k: Int, given names: [String?]?, layerNames: [String?]) -> String {
        nonEmpty(names?[k]) ?? nonEmpty(layerNames[k]) ?? "ctrl\(k)"
    }
}

/// Concatenations of a layer's fixed parameters, built on first use and then reused, so every tick of an unrolled
/// Recurrence shares one concatenation (and one split of its gradient) instead of re-joining the weights each tick.
final class StackedParams: @unchecked Sendable {
    private let lock = Lock()
    private var built: [Node?]?

    func get(_ make: () throws -> [Node?]) throws -> [Node?] {
        try lock.locked {
            if let built { return built }
            let made = try make()
            built = made
            return made
        }
    }

    /// `parts` side by side (axis 1 for matrices, 0 for vectors); one part is used as is.
    static func join(_ parts: [Node]) throws -> Node {
        parts.count == 1 ? parts[0] : try T.concatenate(parts, axis: parts[0].rank - 1)
    }

    /// Per-gate biases side by side, zeros where a gate has none; nil when no gate has one.
    static func joinBiases(_ parts: [Node?], widths: [Int]) throws -> Node? {
        guard parts.contains(where: { $0 != nil }) else { return nil }
        return try join(zip(parts, widths).map { b, w in try b ?? Node.constant(Tensor(zeros: [w], dtype: .float32)) })
    }
}

extension LayerSpec {
    /// A parameter attribute value: `null` (none), `{"shared": h}`, `{"expression": h}` or an initializer.
    func given(_ value: JSON?, _ what: String) throws -> GivenParam? {
        guard let v = value, !v.isNull else { return nil }
        if let h = v["shared"]?.int {
            guard let s = try resolve(Int64(h)) as? SharedValue else { throw AgentNetError.invalid("\(kind): '\(what)' must be a shared value") }
            return .spec(.shared(s))
        }
        if let h = v["expression"]?.int {
            guard let x = try resolve(Int64(h)) as? Node else { throw AgentNetError.invalid("\(kind): '\(what)' must be an expression") }
            return .expression(x)
        }
        guard case .object = v else { throw AgentNetError.invalid("\(kind): '\(what)' must be a parameter, got \(v.serialized)") }
        return .spec(.initializer(try Initializer(json: v)))
    }

    /// A required parameter; absent gives `dflt`.
    func given(_ key: String, _ dflt: GivenParam) throws -> GivenParam {
        guard attrs[key] != nil else { return dflt }
        guard let p = try given(attrs[key], key) else { throw AgentNetError.invalid("\(kind): \(key) cannot be None") }
        return p
    }

    /// Attribute `key` as a list (a single value counts as a list of one); absent gives `dflt`.
    func list(_ key: String, _ dflt: [JSON]) throws -> [JSON] {
        guard let v = attrs[key], !v.isNull else { return dflt }
        return v.array ?? [v]
    }

    /// The parameters in attribute `key` as given (a single value is a list of one; `null` entries are none when
    /// `optional`); absent gives `[dflt]`.
    func givenItems(_ key: String, _ dflt: GivenParam?, optional: Bool = false) throws -> [GivenParam?] {
        guard let v = attrs[key] else { return [dflt] }
        let items = try (v.array ?? [v]).map { try given($0, key) }
        if !optional, items.contains(where: { $0 == nil }) { throw AgentNetError.invalid("\(kind): \(key) cannot be None") }
        return items
    }

    /// An optional integer attribute (absent or `null`: nil).
    func optionalInt(_ key: String) throws -> Int? {
        guard let v = attrs[key], !v.isNull else { return nil }
        return try int(key)
    }

    /// Nonlinearities in attribute `key` as given (a single value is a list of one; `null` is the identity);
    /// absent gives `[dflt]`.
    func nonlinearities(_ key: String, _ dflt: Nonlinearity) throws -> [Nonlinearity] {
        guard let v = attrs[key] else { return [dflt] }
        return try (v.array ?? [v]).map { $0.isNull ? .linear : try nonlinearity(value: $0, key) }
    }

    /// Names in attribute `key` (`null` entries are nil); nil when absent.
    func names(_ key: String) throws -> [String?]? {
        guard let v = attrs[key], !v.isNull else { return nil }
        guard let a = v.array else { throw AgentNetError.invalid("\(kind): '\(key)' must be a list of names, got \(v.serialized)") }
        return try a.map { e in
            if e.isNull { return nil }
            guard let s = e.string else { throw AgentNetError.invalid("\(kind): '\(key)' must be a list of names, got \(v.serialized)") }
            return s
        }
    }

    /// The incoming layers' names (`input_names`), for the seed's messages and weight names; nil entries when absent.
    func inputNames() throws -> [String?] {
        let n = try names("input_names") ?? Array(repeating: nil, count: inputShapes.count)
        guard n.count == inputShapes.count else {
            throw AgentNetError.invalid("\(kind): got \(n.count) input_names for \(inputShapes.count) inputs")
        }
        return n
    }

    /// `grad_clipping`: a non-negative bound, 0 (or null) for none; the seed takes its absolute value.
    func gradClipping(_ dflt: Double) throws -> Float {
        let g = try double("grad_clipping", dflt)
        guard g.isFinite else { throw AgentNetError.invalid("\(kind): grad_clipping must be a finite number, got \(g)") }
        return Float(Swift.abs(g))
    }

    /// `dropout` in [0, 1) and, when it is nonzero, the `seed` of its noise.
    func dropout() throws -> (p: Double, seed: UInt64) {
        let p = try double("dropout", 0)
        guard p >= 0, p < 1 else { throw AgentNetError.invalid("\(kind): dropout must be in [0, 1), got \(p)") }
        return (p, p == 0 ? 0 : try LayerRegistry.seed(self))
    }
}
