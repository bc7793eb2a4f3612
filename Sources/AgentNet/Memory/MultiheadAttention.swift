/// The seed's `multihead_attention`: several attentions in parallel on learned linear projections
/// (Vaswani et al., arXiv:1706.03762), composed from DenseLayer, ReshapeLayer and the broadcast layers.

/// Builds one attention over values, query, keys and an optional mask, named `name`, and returns its two
/// outputs: `DotAttentionLayer` by default, `AttentionLayer` or a composition such as `multiheadAttention`.
public typealias AttentionBuilder = (_ values: Layer, _ query: Layer, _ keys: Layer, _ mask: Layer?, _ name: String) throws -> (attn: Layer, probs: Layer)

/// Dot-product attention without scaling, the seed's default `attn_class`.
public let dotAttention: AttentionBuilder = { values, query, keys, mask, name in
    let layer = try DotAttentionLayer(inputSequence: values, query: query, keySequence: keys, maskInput: mask, name: name)
    return (try layer["attn"], try layer["probs"])
}

/// `numHeads` attentions run on projections: the query to `[B, keySize*H]`, the keys (default: the input
/// sequence) to `[B, S, keySize*H]` and the values to `[B, S, valueSize*H]` (linear DenseLayers named
/// `name + "_query_heads"`, `"_value_heads"`, `"_key_heads"`, made in that order). Each is reshaped to
/// `(..., size, H)` and folded into a batch of `B*H` (row `b*H + h`); the mask is repeated per head; then
/// `attention` runs once on that batch.
///
/// Returns `attn` `[B, valueSize*H]` (flattened from `[B, valueSize, H]`: index `v*H + h`) and `probs` `[B, H, S]`.
public func multiheadAttention(inputSequence: Layer, query: Layer, keySequence: Layer? = nil, maskInput: Layer? = nil,
                               numHeads: Int = 1, keySize: Int? = nil, valueSize: Int? = nil,
                               attention: AttentionBuilder = dotAttention, name: String = "multihead_attn") throws -> (attn: Layer, probs: Layer) {
    let keys = keySequence ?? inputSequence
    let who = "multihead_attention '\(name)'"
    _ = try DotAttentionLayer.checkProjectable(who, AttentionBase.order(values: inputSequence.outputShape, query: query.outputShape,
                                                                        keys: keys.outputShape, mask: maskInput?.outputShape))
    guard numHeads >= 1 else { throw AgentNetError.invalid("\(who): num_heads must be positive, got \(numHeads)") }
    guard let keyWidth = keySize ?? keys.outputShape[2], let valueWidth = valueSize ?? inputSequence.outputShape[2] else {
        throw AgentNetError.shape("\(who): the value width must be known, got input_sequence shape \(seedShape(inputSequence.outputShape))")
    }
    let queryHeads = try broadcastHeads(query, headSize: keyWidth, numHeads: numHeads, name: name + "_query_heads")
    let valueHeads = try broadcastHeads(inputSequence, headSize: valueWidth, numHeads: numHeads, name: name + "_value_heads")
    let keyHeads = try broadcastHeads(keys, headSize: keyWidth, numHeads: numHeads, name: name + "_key_heads")
    let maskHeads = try maskInput.map { try UpcastLayer($0, broadcastLayer: queryHeads) }
    let heads = try attention(valueHeads, queryHeads, keyHeads, maskHeads, name)          // [B*H, valueSize], [B*H, S]
    let attn = try UnbroadcastLayer(heads.attn, broadcastLayer: queryHeads)               // [B, valueSize, H]
    let flat = try FlattenLayer(inputShape: attn.outputShape, outdim: 2)                  // [B, valueSize*H]
    try flat.setIncoming([attn])
    let probs = try ReshapeLayer(inputShape: heads.probs.outputShape, shape: [.infer, .size(numHeads), .input(1)])  // [B, H, S]
    try probs.setIncoming([heads.probs])
    return (flat, probs)
}

/// A linear projection to `headSize * numHeads` units with the heads folded into the batch: row `b*H + h`.
func broadcastHeads(_ incoming: Layer, headSize: Int, numHeads: Int, name: String) throws -> BroadcastLayer {
    let rank = incoming.outputShape.count
    let heads = try DenseLayer(incoming, numUnits: headSize * numHeads, nonlinearity: .linear, numLeadingAxes: rank - 1, name: name)
    let split = try ReshapeLayer(inputShape: heads.outputShape, shape: (0..<(rank - 1)).map { .input($0) } + [.size(headSize), .size(numHeads)])
    try split.setIncoming([heads])                                                         // [B, (S,) size, H]
    return try BroadcastLayer(split, broadcastedAxes: [0, rank], name: name)               // [B*H, (S,) size]
}
