/// What the layer zoo needs beyond the `Layer` base class, kept apart from it:
/// - `LayerWithNonlinearity`, `LayerWithBias`: what `batch_norm` changes in the layer before it;
/// - `LayerWithUpdates`: layers whose outputs come with state updates for the training function
///   (`BatchNormLayer`'s running averages): `(shared value, new value)` pairs recorded by the latest output that
///   updates them;
/// - `checkRanks`: Lasagne's layers take inputs whose sizes differ from the declared ones (`get_output` with other
///   input expressions); the zoo's layers compute from the actual input shapes, so they check only the number of
///   inputs and their ranks, and the ops check the sizes.
public protocol LayerWithUpdates: AnyObject {
    var updates: [(SharedValue, Node)] { get }
    /// Counts the outputs that recorded updates, so a caller can tell whether `updates` changed.
    var updatesVersion: Int { get }
}

/// A layer with facts for the Python binding beyond its shapes (`agn_layer_describe`): a Recurrence's parameter
/// sources, a memory cell's parameter slots.
public protocol LayerWithFacts: AnyObject {
    var facts: [String: JSON] { get }
}

/// A layer whose nonlinearity can be replaced (`batch_norm` moves it after the normalization).
public protocol LayerWithNonlinearity: AnyObject {
    var nonlinearity: Nonlinearity { get set }
}

/// A layer whose bias can be dropped (`batch_norm` replaces it with the normalization's beta).
public protocol LayerWithBias: AnyObject {
    func removeBias() throws
}

extension DenseLayer: LayerWithNonlinearity, LayerWithBias {}
extension NonlinearityLayer: LayerWithNonlinearity {}
extension Recurrence: LayerWithFacts {}
extension BaseConvLayer: LayerWithNonlinearity, LayerWithBias {}

extension Layer {
    /// Checks the number of inputs and their ranks against the declared input shapes.
    public func checkRanks(_ inputs: [Node]) throws {
        guard inputs.count == inputShapes.count else {
            throw AgentNetError.invalid("\(kind): expected \(inputShapes.count) inputs, got \(inputs.count)")
        }
        for (x, s) in zip(inputs, inputShapes) where x.rank != s.count {
            throw AgentNetError.shape("\(kind): input of shape \(formatShape(x.shape)) does not fit the declared \(formatShape(s))")
        }
    }
}
