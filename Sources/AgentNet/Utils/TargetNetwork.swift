/// The seed's `agentnet.target_network.TargetNetwork`: a copy of (part of) a network whose weights lag behind the
/// original's — an older snapshot (DQN) or a moving average (DDPG) — so reference Q-values are not computed with
/// the very weights being trained.
///
///     let target = try TargetNetwork([qvalues], bottomLayers: [conv2])   // conv0–conv2 shared, the rest copied
///     ... train ...
///     try target.loadWeights()                           // hard copy: clone ← original
///     try target.loadWeights(movingAverageAlpha: 0.01)   // clone ← 0.99·clone + 0.01·original
///
/// `loadWeights` is one compiled engine call over every parameter pair. `updates(movingAverageAlpha:)` gives the
/// same assignments as symbolic updates, so a training function can move the target in the same call.
public final class TargetNetwork {
    public let originalNetworkOutputs: [Layer]
    /// The copies of the original outputs.
    public let outputLayers: [Layer]
    public let bottomLayers: BottomLayers
    public let name: String
    /// `(clone parameter, original parameter)`: the parameters of `outputLayers` and of the original outputs
    /// paired by position in `getAllParams`, without the pairs that are the same parameter (shared bottom layers).
    public let paramPairs: [(clone: SharedValue, original: SharedValue)]

    private let lock = Lock()
    private var hard: Function?
    private var soft: (function: Function, alpha: Node)?

    /// Clones `originalNetworkOutputs` (parameters copied and named with the `name` prefix; `bottomLayers` and,
    /// with `shareInputs`, the input layers reused) and pairs the parameters.
    public convenience init(_ originalNetworkOutputs: [Layer], bottomLayers: BottomLayers = [], shareInputs: Bool = true,
                            name: String = "target_net.") throws {
        let clone = try cloneNetwork(originalNetworkOutputs, bottomLayers: bottomLayers, shareInputs: shareInputs, namePrefix: name)
        try self.init(original: originalNetworkOutputs, clone: clone, bottomLayers: bottomLayers, name: name)
    }

    public convenience init(_ originalNetworkOutput: Layer, bottomLayers: BottomLayers = [], shareInputs: Bool = true,
                            name: String = "target_net.") throws {
        try self.init([originalNetworkOutput], bottomLayers: bottomLayers, shareInputs: shareInputs, name: name)
    }

    /// A target network over an existing copy `clone` of `original` (e.g. one a binding made with `NetworkClone`).
    /// Throws if no parameter pair differs: there would be nothing to load.
    public init(original: [Layer], clone: [Layer], bottomLayers: BottomLayers = [], name: String = "target_net.") throws {
        let cloneParams = try getAllParams(clone), originalParams = try getAllParams(original)
        var pairs: [(clone: SharedValue, original: SharedValue)] = []
        for (i, (c, o)) in zip(cloneParams, originalParams).enumerated() where c.node !== o.node {
            guard let cv = c.value, let ov = o.value else {
                throw AgentNetError.invalid("TargetNetwork: parameter \(i) (\(c.name) of the clone, \(o.name) of the original) is a symbolic expression and cannot be loaded")
            }
            guard cv.dtype == ov.dtype, cv.shape == ov.shape else {
                throw AgentNetError.shape("TargetNetwork: parameter \(i) of the clone (\(c.name), shape \(formatShape(cv.shape))) does not match the original's (\(o.name), shape \(formatShape(ov.shape))); the clone must have the original's architecture")
            }
            pairs.append((cv, ov))
        }
        guard !pairs.isEmpty else {
            throw AgentNetError.invalid("Target network has no loadable parameters. Either it consists of non-trainable layers or every parameter is shared with the original (e.g. all layers are bottom layers). To simply clone a network, use clone_network")
        }
        (originalNetworkOutputs, outputLayers, self.bottomLayers, self.name, paramPairs) = (original, clone, bottomLayers, name, pairs)
    }

    /// Loads the original's weights into the clone: `clone ← original` when `movingAverageAlpha` is 1, else
    /// `clone ← (1 − α)·clone + α·original`, for every pair in one engine call. α must be in [0, 1].
    public func loadWeights(movingAverageAlpha alpha: Double = 1) throws {
        try Self.checkAlpha(alpha)
        if alpha == 1 {
            _ = try hardFunction()([])
        } else {
            _ = try softFunction()([Tensor(scalar: Float(alpha))])
        }
    }

    /// The assignments of `loadWeights` as symbolic updates for a training function: `clone ← original` for the
    /// constant 1, else `clone ← (1 − α)·clone + α·original` (α may be symbolic; a constant must be in [0, 1]).
    public func updates(movingAverageAlpha alpha: NodeConvertible = 1) throws -> UpdateList {
        let a = alpha.node()
        guard a.rank == 0 else { throw AgentNetError.shape("TargetNetwork: moving_average_alpha must be a scalar, got shape \(formatShape(a.shape))") }
        if let v = a.constantValue {
            let x = Double(v.scalars[0])
            try Self.checkAlpha(x)
            if x == 1 { return UpdateList(paramPairs.map { ($0.clone, $0.original.node) }) }
        }
        return try Self.soft(paramPairs, alpha: a.dtype == .float32 ? a : T.cast(a, .float32))
    }

    static func checkAlpha(_ alpha: Double) throws {
        guard alpha >= 0, alpha <= 1 else {
            throw AgentNetError.invalid("load_weights: moving_average_alpha must be in [0, 1], got \(alpha)")
        }
    }

    private static func soft(_ pairs: [(clone: SharedValue, original: SharedValue)], alpha: Node) throws -> UpdateList {
        let keep = try T.sub(Float(1), alpha)
        return UpdateList(try pairs.map { ($0.clone, try T.add(T.mul(keep, $0.clone.node), T.mul(alpha, $0.original.node))) })
    }

    private func hardFunction() throws -> Function {
        try lock.locked {
            if let hard { return hard }
            let f = try Function(inputs: [], outputs: [], updates: paramPairs.map { ($0.clone, $0.original.node) })
            hard = f
            return f
        }
    }

    private func softFunction() throws -> Function {
        try lock.locked {
            if let soft { return soft.function }
            let alpha = Node.input("moving_average_alpha", shape: [])
            let f = try Function(inputs: [alpha], outputs: [], updates: try Self.soft(paramPairs, alpha: alpha).pairs)
            soft = (f, alpha)
            return f
        }
    }
}
