/// The seed's `self_attention`: every tick of a sequence attends to all ticks of the same sequence (no causal
/// mask), composed from DenseLayer, SliceLayer and the broadcast layers.

/// `qkv = DenseLayer(incoming, 2*keySize + valueSize, linear, numLeadingAxes: 2, name: name + ".qkv")` is split
/// into queries, keys and values. Queries are folded to `[B*T, keySize]` (row `b*T + t`); keys, values and the
/// mask are repeated T times per batch row to `[B*T, T, ...]`; then `attention` runs on that batch and its `attn`
/// is unfolded to `[B, T, valueSize]` (`valueSize * numHeads` with a multi-head `attention`).
public func selfAttention(_ incoming: Layer, keySize: Int? = nil, valueSize: Int? = nil, maskInput: Layer? = nil,
                          name: String = "attn", attention: AttentionBuilder = dotAttention) throws -> Layer {
    let shape = incoming.outputShape
    guard shape.count == 3 else {
        throw AgentNetError.shape("self_attention '\(name)': incoming must be [batch, time, units], got shape \(seedShape(shape))")
    }
    if let mask = maskInput?.outputShape, mask.count != 2 || !zip(mask, shape).allSatisfy(sizesAgree) {
        throw AgentNetError.shape("self_attention '\(name)': mask_input shape \(seedShape(mask)) must be [batch, time] of incoming \(seedShape(shape))")
    }
    guard let keyWidth = keySize ?? shape[2], let valueWidth = valueSize ?? shape[2] else {
        throw AgentNetError.shape("self_attention '\(name)': the unit count must be known, got incoming shape \(seedShape(shape))")
    }
    let qkv = try DenseLayer(incoming, numUnits: 2 * keyWidth + valueWidth, nonlinearity: .linear, numLeadingAxes: 2, name: name + ".qkv")
    func part(_ start: Int, _ stop: Int) throws -> Layer {
        let slice = try SliceLayer(inputShape: qkv.outputShape, indices: .range(start: start, stop: stop, step: 1), axis: -1)
        try slice.setIncoming([qkv])
        return slice
    }
    let queries = try part(0, keyWidth), keys = try part(keyWidth, 2 * keyWidth)
    let values = try part(2 * keyWidth, 2 * keyWidth + valueWidth)
    let eachTick = try BroadcastLayer(queries, broadcastedAxes: [0, 1])                   // [B*T, keySize]
    let tickKeys = try UpcastLayer(keys, broadcastLayer: eachTick)                        // [B*T, T, keySize]
    let tickValues = try UpcastLayer(values, broadcastLayer: eachTick)
    let tickMask = try maskInput.map { try UpcastLayer($0, broadcastLayer: eachTick) }    // [B*T, T]
    let attn = try attention(tickValues, eachTick, tickKeys, tickMask, name).attn
    return try UnbroadcastLayer(attn, broadcastLayer: eachTick)                           // [B, T, valueSize]
}
