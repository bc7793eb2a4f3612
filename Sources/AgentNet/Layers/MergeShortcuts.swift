/// The seed's `agentnet.utils.layers.mul` and `add`: elementwise products and sums of layers in one call.

/// `layers[0] * layers[1] * ...` elementwise (an `ElemwiseMergeLayer` with `.mul`).
public func mul(_ layers: [Layer], name: String? = nil) throws -> ElemwiseMergeLayer {
    let merged = try ElemwiseMergeLayer(inputShapes: layers.map(\.outputShape), function: .mul, name: name)
    try merged.setIncoming(layers)
    return merged
}

/// `layers[0] + layers[1] + ...` elementwise (an `ElemwiseSumLayer`).
public func add(_ layers: [Layer], name: String? = nil) throws -> ElemwiseSumLayer {
    let merged = try ElemwiseSumLayer(inputShapes: layers.map(\.outputShape), name: name)
    try merged.setIncoming(layers)
    return merged
}
