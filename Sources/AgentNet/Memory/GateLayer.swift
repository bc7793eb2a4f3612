/// The seed's `GateLayer`: several gates computed from the same controllers with one matmul per controller.

/// One output channel of a `GateLayer`: `n` units (the output is the gate itself), or a layer the gate multiplies
/// (flattened; its width is the channel's).
public enum GateChannel {
    case units(Int)
    case layer(Layer)
}

/// Stacked gates: `g_c = f_c(b_c + sum_k flatten(x_k) . W_{k,c})` for each channel `c`, `[batch, n_c]`; a layer
/// channel `L_c` gives `g_c * flatten(L_c)`. The weights of all channels are concatenated per controller, so each
/// controller costs one matmul; the stacked result is then sliced.
///
/// Inputs: the layer channels (in channel order), then the controllers `[batch, ...]`. Outputs, one per channel,
/// keyed `name + channel_name`. Parameters `<name>.W_<controller>_<channel>` `[n_k, n_c]` and `<name>.b_<channel>`
/// `[n_c]` (not regularizable), channel by channel; the controller name is the given one, else its layer's name,
/// else `ctrl<k>`; the channel name is the given one, else a layer channel's name, else `gate<i>`.
public final class GateLayer: GatedLayer, MultiOutputLayer {
    public let keys: [String]
    public let channelNames: [String]
    public let channelWidths: [Int]
    /// For each channel, whether it multiplies a layer.
    public let layerChannels: [Bool]
    public let gateNonlinearities: [Nonlinearity]
    public let outputShapes: [[Int?]]
    public var outputDTypes: [DType] { Array(repeating: .float32, count: keys.count) }
    /// `[channel]`, nil where a channel has no bias.
    public private(set) var biases: [Node?] = []
    /// `[controller][channel]`.
    public private(set) var weights: [[Node]] = []
    private let stacked = StackedParams()

    /// - Parameters:
    ///   - channels: each channel's width, nil for a layer channel (its width is its input's flattened width).
    ///   - inputShapes: the layer channels' shapes, then the controllers'; `inputNames` their layers' names.
    ///   - gateNonlinearities, biases: one per channel; `weights` per `[channel][controller]`.
    public init(channels: [Int?], inputShapes: [[Int?]], inputNames: [String?], gateNonlinearities: [Nonlinearity],
                biases: [GivenParam?], weights: [[GivenParam]], channelNames: [String?]? = nil,
                controllerNames: [String?]? = nil, name: String? = nil) throws {
        let owner = name.map { "GateLayer '\($0)'" } ?? "GateLayer"
        let nLayers = channels.filter { $0 == nil }.count
        guard inputShapes.count > nLayers else { throw AgentNetError.invalid("\(owner): needs at least one gate controller") }
        guard !channels.isEmpty else { throw AgentNetError.invalid("\(owner): needs at least one channel") }
        guard inputNames.count == inputShapes.count else {
            throw AgentNetError.invalid("\(owner): got \(inputNames.count) input names for \(inputShapes.count) inputs")
        }
        let (ctrlShapes, ctrlNames) = (Array(inputShapes[nLayers...]), Array(inputNames[nLayers...]))
        let nCtrl = ctrlShapes.count
        if let controllerNames, controllerNames.count != nCtrl {
            throw AgentNetError.invalid("\(owner): got \(controllerNames.count) controller_names for \(nCtrl) controllers")
        }
        let ctrlWidths = try Cell.widths(ctrlShapes, names: ctrlNames, what: "controller", owner: owner)
        let layerWidths = try Cell.widths(Array(inputShapes[..<nLayers]), names: Array(inputNames[..<nLayers]), what: "channel layer", owner: owner)
        var widths: [Int] = [], names: [String] = [], layerIndex = 0
        let givenNames = channelNames ?? Array(repeating: nil, count: channels.count)
        guard givenNames.count == channels.count else {
            throw AgentNetError.invalid("\(owner): got \(givenNames.count) channel_names for \(channels.count) channels")
        }
        for (i, c) in channels.enumerated() {
            if let c {
                guard c > 0 else { throw AgentNetError.invalid("\(owner): channel \(i) must be a positive int or a layer, got \(c)") }
                widths.append(c)
                names.append(nonEmpty(givenNames[i]) ?? "gate\(i)")
            } else {
                widths.append(layerWidths[layerIndex])
                names.append(nonEmpty(givenNames[i]) ?? nonEmpty(inputNames[layerIndex]) ?? "gate\(i)")
                layerIndex += 1
            }
        }
        let nls = try spread(gateNonlinearities, channels.count, "gate_nonlinearities", owner)
        let bs = try spread(biases, channels.count, "bias_init", owner)
        let ws = try spread(weights, channels.count, "weight_init", owner)
        let batch = inputShapes.lazy.compactMap { $0.first ?? nil }.first
        (self.channelWidths, self.channelNames, self.layerChannels, self.gateNonlinearities) = (widths, names, channels.map { $0 == nil }, nls)
        keys = names.map { (name ?? "") + $0 }
        outputShapes = widths.map { [batch, $0] }
        super.init(inputShapes: inputShapes, name: name, owner: "GateLayer", cellName: name)
        guard Set(keys).count == keys.count else { throw AgentNetError.invalid("\(owner): output keys \(keys) repeat; give distinct channel_names") }
        let prefix = name.map { "\($0)." } ?? ""
        self.weights = Array(repeating: [], count: nCtrl)
        for c in 0..<channels.count {
            let perCtrl = try spread(ws[c], nCtrl, "weight_init for channel '\(names[c])'", owner)
            self.biases.append(try bs[c].map {
                try param($0, shape: [widths[c]], name: "\(prefix)b_\(names[c])", tags: ["trainable"], slot: [.string("b"), .number(Double(c))])
            })
            for k in 0..<nCtrl {
                let ctrl = Cell.controllerName(k, given: controllerNames, layerNames: ctrlNames)
                self.weights[k].append(try param(perCtrl[k], shape: [ctrlWidths[k], widths[c]], name: "\(prefix)W_\(ctrl)_\(names[c])",
                                            slot: [.string("W"), .number(Double(c)), .number(Double(k))]))
            }
        }
    }

    /// The seed's signature. Lists hold one item for all channels (controllers) or one each.
    public convenience init(gateControllers: [Layer], channels: [GateChannel], gateNonlinearities: [Nonlinearity] = [.sigmoid],
                            biasInit: [ParamSpec?] = [.initializer(.constant(0))],
                            weightInit: [[ParamSpec]] = [[.initializer(.normal(std: 0.01, mean: 0))]],
                            channelNames: [String?]? = nil, name: String? = nil, controllerNames: [String?]? = nil) throws {
        let layers = channels.compactMap { if case .layer(let l) = $0 { return l } else { return nil } }
        let incoming = layers + gateControllers
        try self.init(channels: channels.map { if case .units(let n) = $0 { return n } else { return nil } },
                      inputShapes: incoming.map(\.outputShape), inputNames: incoming.map(\.name), gateNonlinearities: gateNonlinearities,
                      biases: biasInit.map { $0.map(GivenParam.spec) }, weights: weightInit.map { $0.map(GivenParam.spec) },
                      channelNames: channelNames, controllerNames: controllerNames, name: name)
        try setIncoming(incoming)
    }

    public override var outputShape: [Int?] { outputShapes[0] }
    public override var outputCount: Int { keys.count }
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] { [shapes.lazy.compactMap { $0.first ?? nil }.first, channelWidths[0]] }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        let nLayers = layerChannels.filter { $0 }.count
        let joined = try stacked.get {
            try weights.map { try StackedParams.join($0) } + [StackedParams.joinBiases(biases, widths: channelWidths)]
        }
        // [batch, sum_c n_c]: one matmul per controller over the stacked weights of all channels
        let all = try Cell.affine(Array(inputs[nLayers...]), joined.dropLast().map { $0! }, joined.last!)
        var outputs: [Node] = [], start = 0, layerIndex = 0
        for (c, width) in channelWidths.enumerated() {
            var gate = try gateNonlinearities[c].apply(channelWidths.count == 1 ? all : Cell.columns(all, start, start + width))
            start += width
            if layerChannels[c] {
                gate = try T.mul(gate, Cell.flat(inputs[layerIndex]))
                layerIndex += 1
            }
            outputs.append(gate)
        }
        return outputs
    }

    /// The one-output layer for `key`.
    public subscript(key: String) -> ElementLayer {
        get throws {
            guard let i = keys.firstIndex(of: key) else { throw AgentNetError.invalid("\(label) has no output '\(key)'; its outputs are \(keys)") }
            return try ElementLayer(self, index: i)
        }
    }

    public override var attributes: [String] { keys.map { "'\($0)'" } }

    public override var facts: [String: JSON] {
        super.facts.merging(["keys": .array(keys.map { .string($0) }), "channel_names": .array(channelNames.map { .string($0) })]) { $1 }
    }
}

extension LayerRegistry {
    static let gateLayers: [String: Maker] = [
        // channels: widths, null for a layer channel; b: per channel; W: per [channel][controller] (each level one
        // for all or one each); gate_nonlinearities per channel (null: identity)
        "GateLayer": { s in
            let channels = try s.list("channels", []).map { c -> Int? in
                if c.isNull { return nil }
                guard case .number = c, let n = c.int else { throw AgentNetError.invalid("GateLayer: 'channels' must hold widths or null (a layer channel), got \(c.serialized)") }
                return n
            }
            let weights = try s.list("W", [.null]).map { w -> [GivenParam] in
                try (w.array ?? [w]).map { e in try s.given(e.isNull ? nil : e, "W") ?? GivenParam.normal }
            }
            return try GateLayer(channels: channels, inputShapes: s.inputShapes, inputNames: s.inputNames(),
                                 gateNonlinearities: s.nonlinearities("gate_nonlinearities", .sigmoid),
                                 biases: s.givenItems("b", .zero, optional: true), weights: weights,
                                 channelNames: s.names("channel_names"), controllerNames: s.names("controller_names"), name: s.name)
        },
    ]
}
