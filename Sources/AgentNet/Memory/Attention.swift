/// The seed's attention layers: additive (Bahdanau) `AttentionLayer` and multiplicative `DotAttentionLayer`.
///
/// Both have two outputs, `attn` `[B, value_units]` and `probs` `[B, S]`. Keys give the logits and values are
/// averaged with the resulting weights. The `get_output` option `hard_attention` takes the value at the argmax of
/// the logits instead, with one-hot `probs` (not differentiable in the choice, as in the seed).
///
/// Inputs, in order: values `[B, S, value_units]`, keys `[B, S, key_units]` (the values when none are given),
/// the query `[B, query_units]` (one tick) and optionally a mask `[B, S]` (1 for real steps, 0 for padding).

/// Subtracted from the logits where the mask is 0 (the seed's value, from tfnn).
public let attentionMaskPenalty = 1000

/// What the two attention layers share: input checks, the mask, the weights and the outputs.
public class AttentionBase: Layer {
    public static let keys = ["attn", "probs"]
    public let probsNonlinearity: Nonlinearity
    /// `[B, value_units]` and `[B, S]`.
    public let outputShapes: [[Int?]]

    init(inputShapes: [[Int?]], probsNonlinearity: Nonlinearity, name: String?) {
        self.probsNonlinearity = probsNonlinearity
        let (values, keys) = (inputShapes[0], inputShapes[1])
        outputShapes = [[keys[0], values[2]], [keys[0], keys[1]]]
        super.init(inputShapes: inputShapes, name: name)
    }

    /// Checks ranks and the batch and sequence sizes shared by values, keys, query and mask; `who` starts the
    /// message (`AttentionLayer 'name'`).
    public static func checkInputs(_ who: String, values: [Int?], keys: [Int?], query: [Int?], mask: [Int?]?) throws {
        guard values.count == 3 else {
            throw AgentNetError.shape("\(who): input_sequence must be [batch, seq_length, units], got shape \(seedShape(values))")
        }
        guard query.count == 2 else {
            throw AgentNetError.shape("\(who): query must be [batch, units] (one tick), got shape \(seedShape(query)) for an input_sequence of shape \(seedShape(values))")
        }
        guard keys.count == 3, sizesAgree(keys[0], values[0]), sizesAgree(keys[1], values[1]) else {
            throw AgentNetError.shape("\(who): key_sequence shape \(seedShape(keys)) must be [batch, seq_length, units] with the batch and length of input_sequence \(seedShape(values))")
        }
        guard sizesAgree(query[0], values[0]) else {
            throw AgentNetError.shape("\(who): query shape \(seedShape(query)) and input_sequence shape \(seedShape(values)) have different batch sizes")
        }
        if let mask, mask.count != 2 || !sizesAgree(mask[0], values[0]) || !sizesAgree(mask[1], values[1]) {
            throw AgentNetError.shape("\(who): mask_input shape \(seedShape(mask)) must be [batch, seq_length] of input_sequence \(seedShape(values))")
        }
    }

    /// Input shapes in the layer's order from the seed's arguments (keys default to the values).
    static func order(values: [Int?], query: [Int?], keys: [Int?]?, mask: [Int?]?) -> [[Int?]] {
        [values, keys ?? values, query] + (mask.map { [$0] } ?? [])
    }

    public var hasMask: Bool { inputShapes.count == 4 }

    public override var outputShape: [Int?] { outputShapes[0] }
    public override var outputCount: Int { 2 }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { [shapes[1][0], shapes[0][2]] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    /// `[attn, probs]` from the logits `[B, S]` the layer computed from `inputs` (mask applied here).
    func attend(_ logits: Node, _ inputs: [Node], _ options: LayerOptions) throws -> [Node] {
        var logits = logits
        if hasMask { logits = try T.sub(logits, T.mul(T.sub(1, T.cast(inputs[3], .float32)), attentionMaskPenalty)) }
        let values = inputs[0]
        if !Self.hardAttention(options) {
            let probs = try probsNonlinearity.apply(logits)
            return [try T.sum(T.mul(T.expandDims(probs, 2), values), axes: [1]), probs]
        }
        let best = try T.argmax(logits, axis: -1)
        let attn = try Node.make(AdvancedIndexOp(isArray: [true, true]), [values, arange(T.index(T.shape(values), 0)), best])
        let positions = try arange(T.index(T.shape(logits), 1))
        return [attn, try T.cast(T.eq(T.expandDims(positions, 0), T.expandDims(best, 1)), .float32)]
    }

    /// `hard_attention` as Python reads it: true, or a nonzero number.
    static func hardAttention(_ options: LayerOptions) -> Bool {
        guard let v = options.flags["hard_attention"] else { return false }
        return v.bool ?? ((v.double ?? 0) != 0)
    }

    private func arange(_ stop: Node) throws -> Node {
        try Node.make(ArangeOp(dtype: .int32), [Node.intScalar(0), stop, Node.intScalar(1)])
    }

    /// The one-output layer for `"attn"` or `"probs"`.
    public subscript(key: String) -> ElementLayer {
        get throws {
            guard let i = Self.keys.firstIndex(of: key) else {
                throw AgentNetError.invalid("\(label) has no output '\(key)'; its outputs are \(Self.keys)")
            }
            return try ElementLayer(self, index: i, shape: outputShapes[i], dtype: .float32)
        }
    }
}

/// Additive (Bahdanau) attention, a one-hidden-layer scorer of each (key, query) pair:
///
///     hid    = nonlinearity(K · W_enc + (q · W_dec)[:, None, :])     // [B, S, num_units]
///     logits = (hid · W_out)[:, :, 0]                                 // [B, S]; no biases (softmax ignores them)
///     logits -= (1 - mask) * 1000                                     // with a mask
///     probs  = probs_nonlinearity(logits)                             // [B, S]
///     attn   = sum_s probs[:, s, None] * V[:, s]                      // [B, value_units]
///
/// `W_enc` `[key_units, num_units]`, `W_dec` `[query_units, num_units]` and `W_out` `[num_units, 1]` are named
/// `enc_to_hid`, `dec_to_hid` and `hid_to_logit`.
public final class AttentionLayer: AttentionBase {
    public let numUnits: Int
    public let nonlinearity: Nonlinearity
    public private(set) var W_enc: SharedValue!
    public private(set) var W_dec: SharedValue!
    public private(set) var W_out: SharedValue!

    public init(inputShapes: [[Int?]], numUnits: Int, nonlinearity: Nonlinearity = .tanh, probsNonlinearity: Nonlinearity = .softmax,
                W_enc: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)), W_dec: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)),
                W_out: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)), name: String? = nil) throws {
        let who = name.map { "AttentionLayer '\($0)'" } ?? "AttentionLayer"
        guard inputShapes.count == 3 || inputShapes.count == 4 else {
            throw AgentNetError.invalid("\(who) takes values, keys, query and an optional mask, got \(inputShapes.count) inputs")
        }
        try Self.checkInputs(who, values: inputShapes[0], keys: inputShapes[1], query: inputShapes[2], mask: inputShapes.count == 4 ? inputShapes[3] : nil)
        guard numUnits > 0 else { throw AgentNetError.invalid("\(who): num_units must be positive, got \(numUnits)") }
        guard let keyUnits = inputShapes[1][2], let queryUnits = inputShapes[2][1] else {
            throw AgentNetError.shape("\(who): the key and query widths must be known, got key_sequence shape \(seedShape(inputShapes[1])) and query shape \(seedShape(inputShapes[2]))")
        }
        self.numUnits = numUnits
        self.nonlinearity = nonlinearity
        super.init(inputShapes: inputShapes, probsNonlinearity: probsNonlinearity, name: name)
        self.W_enc = try addParam(W_enc, shape: [keyUnits, numUnits], name: "enc_to_hid")
        self.W_dec = try addParam(W_dec, shape: [queryUnits, numUnits], name: "dec_to_hid")
        self.W_out = try addParam(W_out, shape: [numUnits, 1], name: "hid_to_logit")
    }

    /// The seed's signature: keys default to `inputSequence`.
    public convenience init(inputSequence: Layer, query: Layer, numUnits: Int, maskInput: Layer? = nil, keySequence: Layer? = nil,
                            nonlinearity: Nonlinearity = .tanh, probsNonlinearity: Nonlinearity = .softmax,
                            W_enc: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)), W_dec: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)),
                            W_out: ParamSpec = .initializer(.normal(std: 0.01, mean: 0)), name: String? = nil) throws {
        let keys = keySequence ?? inputSequence
        try self.init(inputShapes: Self.order(values: inputSequence.outputShape, query: query.outputShape, keys: keys.outputShape, mask: maskInput?.outputShape),
                      numUnits: numUnits, nonlinearity: nonlinearity, probsNonlinearity: probsNonlinearity,
                      W_enc: W_enc, W_dec: W_dec, W_out: W_out, name: name)
        try setIncoming([inputSequence, keys, query] + (maskInput.map { [$0] } ?? []))
    }

    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        return try attend(logits(keys: inputs[1], query: inputs[2]), inputs, options)
    }

    /// `[B, S]` from keys `[B, S, key_units]` and the query `[B, query_units]`.
    func logits(keys: Node, query: Node) throws -> Node {
        let hid = try nonlinearity.apply(T.add(T.dot(keys, W_enc.node), T.expandDims(T.dot(query, W_dec.node), 1)))
        return try Node.make(SliceOp(items: [fullSlice, fullSlice, .index(0)]), [T.dot(hid, W_out.node)])
    }

    public override var attributes: [String] { ["num_units=\(numUnits)", "nonlinearity=\(nonlinearity.name)"] }
}

/// Multiplicative (dot-product) attention: `logits[b, s] = sum_u q[b, u] * K[b, s, u]`, times `key_units^-0.5`
/// when `scale`; mask, probs and outputs as in `AttentionLayer`. The query must be as wide as the keys: the seed's
/// constructor projects a query of another width (or always, with `useDenseLayer`) with a linear `DenseLayer`
/// named `(name ?? "dotattn") + "_dense"`, kept as `queryDense`.
public final class DotAttentionLayer: AttentionBase {
    public let scale: Bool
    public let keySize: Int
    /// The query's projection made by the seed's constructor, if any.
    public private(set) var queryDense: DenseLayer?

    public init(inputShapes: [[Int?]], scale: Bool = false, probsNonlinearity: Nonlinearity = .softmax, name: String? = nil) throws {
        let who = name.map { "DotAttentionLayer '\($0)'" } ?? "DotAttentionLayer"
        guard inputShapes.count == 3 || inputShapes.count == 4 else {
            throw AgentNetError.invalid("\(who) takes values, keys, query and an optional mask, got \(inputShapes.count) inputs")
        }
        let keyUnits = try Self.checkProjectable(who, inputShapes)
        guard inputShapes[2][1] == keyUnits else {
            throw AgentNetError.shape("\(who): the query shape \(seedShape(inputShapes[2])) and key shape \(seedShape(inputShapes[1])) have different widths; project the query with a linear DenseLayer (use_dense_layer)")
        }
        self.scale = scale
        self.keySize = keyUnits
        super.init(inputShapes: inputShapes, probsNonlinearity: probsNonlinearity, name: name)
    }

    /// Checks everything but the query width, which a projection can fix; returns the key width.
    public static func checkProjectable(_ who: String, _ inputShapes: [[Int?]]) throws -> Int {
        try checkInputs(who, values: inputShapes[0], keys: inputShapes[1], query: inputShapes[2], mask: inputShapes.count == 4 ? inputShapes[3] : nil)
        guard let keyUnits = inputShapes[1][2] else {
            throw AgentNetError.shape("\(who): the key width must be known, got key_sequence shape \(seedShape(inputShapes[1]))")
        }
        return keyUnits
    }

    /// The seed's signature: keys default to `inputSequence`; a query of another width than the keys (or any
    /// query, with `useDenseLayer`) is projected by a new linear `DenseLayer`. (Python also warns when it
    /// projects without `use_dense_layer`.)
    public convenience init(inputSequence: Layer, query: Layer, keySequence: Layer? = nil, maskInput: Layer? = nil, scale: Bool = false,
                            useDenseLayer: Bool = false, probsNonlinearity: Nonlinearity = .softmax, name: String? = nil) throws {
        let keys = keySequence ?? inputSequence
        let keyUnits = try Self.checkProjectable(name.map { "DotAttentionLayer '\($0)'" } ?? "DotAttentionLayer",
            Self.order(values: inputSequence.outputShape, query: query.outputShape, keys: keys.outputShape, mask: maskInput?.outputShape))
        let dense = useDenseLayer || query.outputShape[1] != keyUnits
            ? try DenseLayer(query, numUnits: keyUnits, nonlinearity: .linear, name: (name ?? "dotattn") + "_dense") : nil
        let q: Layer = dense ?? query
        try self.init(inputShapes: Self.order(values: inputSequence.outputShape, query: q.outputShape, keys: keys.outputShape, mask: maskInput?.outputShape),
                      scale: scale, probsNonlinearity: probsNonlinearity, name: name)
        queryDense = dense
        try setIncoming([inputSequence, keys, q] + (maskInput.map { [$0] } ?? []))
    }

    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        return try attend(logits(keys: inputs[1], query: inputs[2]), inputs, options)
    }

    /// `[B, S]` from keys `[B, S, key_units]` and the query `[B, key_units]`.
    func logits(keys: Node, query: Node) throws -> Node {
        let logits = try T.sum(T.mul(T.expandDims(query, 1), keys), axes: [-1])
        // Python's `key_size ** -0.5` (libm pow in float64), then rounded to float32 as Python's constant is
        return scale ? try T.mul(logits, libmPow(Double(keySize), -0.5)) : logits
    }

    public override var attributes: [String] { scale ? ["scale=True"] : [] }
}

extension LayerRegistry {
    static let attentionLayers: [String: Maker] = [
        "AttentionLayer": { s in
            let normal = Initializer.normal(std: 0.01, mean: 0)
            return try AttentionLayer(inputShapes: s.inputShapes, numUnits: s.int("num_units"), nonlinearity: s.nonlinearity("nonlinearity", .tanh),
                                      probsNonlinearity: s.nonlinearity("probs_nonlinearity", .softmax),
                                      W_enc: s.requiredParam("W_enc", normal), W_dec: s.requiredParam("W_dec", normal),
                                      W_out: s.requiredParam("W_out", normal), name: s.name)
        },
        // `query_to_project`: the query given is to be projected to the key width first, so only the other
        // checks apply (the seed's constructor checks its arguments before it makes the projection).
        "DotAttentionLayer": { s in
            var shapes = s.inputShapes
            if try s.bool("query_to_project", false) {
                guard shapes.count == 3 || shapes.count == 4 else { throw AgentNetError.invalid("DotAttentionLayer takes values, keys, query and an optional mask, got \(shapes.count) inputs") }
                let who = try s.string("label", s.name.map { "DotAttentionLayer '\($0)'" } ?? "DotAttentionLayer")
                shapes[2] = [shapes[2][0], try DotAttentionLayer.checkProjectable(who, shapes)]
            }
            return try DotAttentionLayer(inputShapes: shapes, scale: s.bool("scale", false),
                                         probsNonlinearity: s.nonlinearity("probs_nonlinearity", .softmax), name: s.name)
        },
    ]
}

extension LayerSpec {
    /// The nonlinearity in attribute `key`: a name, `{"nonlinearity": name, "leakiness": a}`, or a host callable
    /// `{"host_key": k, "label": text}`; absent or null gives `dflt`.
    func nonlinearity(_ key: String, _ dflt: Nonlinearity) throws -> Nonlinearity {
        guard let v = attrs[key], !v.isNull else { return dflt }
        return try nonlinearity(value: v, key)
    }

    /// A nonlinearity given as a name, `{"nonlinearity": name, "leakiness": a}` or a host callable `{"host_key": k}`.
    func nonlinearity(value v: JSON, _ key: String) throws -> Nonlinearity {
        if let name = v.string { return try Nonlinearity(name: name) }
        if let hostKey = v["host_key"]?.int {
            guard hostKey > 0 else { throw AgentNetError.invalid("\(kind): '\(key)' host_key must be positive") }
            return .host(HostObject(key: Int64(hostKey), label: v["label"]?.string ?? "callable"))
        }
        guard let name = v["nonlinearity"]?.string else { throw AgentNetError.invalid("\(kind): '\(key)' must be a nonlinearity, got \(v.serialized)") }
        return try Nonlinearity(name: name, leakiness: Float(v["leakiness"]?.double ?? 0.01))
    }
}
