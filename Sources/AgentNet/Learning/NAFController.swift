/// The seed's `build_NAF_controller`: the layers of a NAF agent over a state representation (NAFLayers.swift has
/// the math). The Python function of the same name composes the same layers through their handles.

/// The layers of a NAF controller. All outputs are `[batch, ...]`.
public struct NAFController {
    /// μ(s), the greedy actions `[batch, A]` (by default a linear `DenseLayer` named "qnaf.weights").
    public let means: Layer
    /// The actions picked, `[batch, A]`: the means clipped to the action limits, with exploration.
    public let actions: Layer
    /// Q(s, u) = V(s) + A(s, u), `[batch, 1]`, for the actions of `actions`; to evaluate recorded actions, give
    /// them as the output of `actions` in `getOutput`'s inputs.
    public let actionQvalues: Layer
    /// V(s) = Q(s, μ(s)), `[batch, 1]` (by default a `DenseLayer` named "qnaf.state_value").
    public let stateValue: Layer
    /// A(s, u) ≤ 0, `[batch, 1]` (a `NAFLayer` named "qnaf.advantage").
    public let advantage: Layer

    /// The layers under the seed's keys, in its order.
    public var layers: [(key: String, layer: Layer)] {
        [("means", means), ("actions", actions), ("action_qvalues", actionQvalues), ("state_value", stateValue), ("advantage", advantage)]
    }
}

/// How `buildNAFController` explores around the clipped means.
public enum NAFExploration {
    /// Adds Gaussian noise of standard deviation `sigma` (a `GaussianNoiseLayer`; none when deterministic).
    case gaussian(sigma: Double, seed: UInt64)
    /// Actions from a layer: added to the clipped means when `additive`, else taken as they are.
    case layer(Layer, additive: Bool)
}

/// Builds the NAF controller: means μ (clipped to `actionLow...actionHigh` for picking actions only, as in the
/// seed), actions, V, `L` and the advantage, and Q = V + A.
///
/// - `input`: the layer the defaults are computed from; required unless `mean`, `stateValue` and `L` are all given.
/// - `actionDimensions`: A, the number of action components.
/// - `stateValue`: defaults to a one-unit `DenseLayer` with Lasagne's default rectify nonlinearity, as the seed's
///   (so V ≥ 0; give a linear layer when returns can be negative).
/// - `L`: defaults to `LowerTriangularLayer(input, matrixDiag: A, name: "qnaf.L")`.
/// - `actionLow`, `actionHigh`: one bound, or one per action.
public func buildNAFController(input: Layer?, actionDimensions: Int = 1, exploration: NAFExploration = .gaussian(sigma: 1e-2, seed: 0),
                               mean: Layer? = nil, stateValue: Layer? = nil, L: Layer? = nil,
                               actionLow: [Float] = [-.infinity], actionHigh: [Float] = [.infinity]) throws -> NAFController {
    let fn = "build_NAF_controller"
    guard actionDimensions >= 1 else { throw AgentNetError.invalid("\(fn): action_dimensions must be positive, got \(actionDimensions)") }
    func from(_ what: String) throws -> Layer {
        guard let input else {
            throw AgentNetError.invalid("\(fn): input_layer is required unless mean_layer, V_layer and L_layer are all given (\(what) is not)")
        }
        return input
    }
    let means = try mean ?? DenseLayer(from("mean_layer"), numUnits: actionDimensions, nonlinearity: .linear, name: "qnaf.weights")
    guard means.outputShape.count == 2, means.outputShape[1] == actionDimensions else {
        throw AgentNetError.shape("\(fn): mean_layer must be [batch, \(actionDimensions)] for action_dimensions=\(actionDimensions), got \(formatShape(means.outputShape))")
    }
    let clipped = try ClipLayer(inputShape: means.outputShape, low: actionLow, high: actionHigh)
    try clipped.setIncoming([means])
    let actions: Layer
    switch exploration {
    case .gaussian(let sigma, let seed):
        actions = try GaussianNoiseLayer(inputShape: clipped.outputShape, sigma: .constant(sigma), seed: seed)
        try actions.setIncoming([clipped])
    case .layer(let layer, additive: true):
        actions = try ElemwiseSumLayer(inputShapes: [clipped.outputShape, layer.outputShape])
        try actions.setIncoming([clipped, layer])
    case .layer(let layer, additive: false):
        actions = layer
    }
    let v = try stateValue ?? DenseLayer(from("V_layer"), numUnits: 1, name: "qnaf.state_value")
    guard v.outputShape.count == 2, v.outputShape[1] == 1 else {
        throw AgentNetError.shape("\(fn): V_layer must be [batch, 1], got \(formatShape(v.outputShape))")
    }
    let l = try L ?? LowerTriangularLayer(from("L_layer"), matrixDiag: actionDimensions, name: "qnaf.L")
    guard l.outputShape.count == 3, l.outputShape[1] == actionDimensions, l.outputShape[2] == actionDimensions else {
        throw AgentNetError.shape("\(fn): L_layer must be [batch, \(actionDimensions), \(actionDimensions)] for action_dimensions=\(actionDimensions), got \(formatShape(l.outputShape))")
    }
    let advantage = try NAFLayer(action: actions, mean: means, L: l, name: "qnaf.advantage")
    let q = try ElemwiseSumLayer(inputShapes: [v.outputShape, advantage.outputShape])
    try q.setIncoming([v, advantage])
    return NAFController(means: means, actions: actions, actionQvalues: q, stateValue: v, advantage: advantage)
}
