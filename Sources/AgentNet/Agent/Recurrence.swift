/// The seed's `agentnet.agent.Recurrence`: a layer that rolls a one-tick layer graph over time.
///
/// A one-tick graph maps previous states (input layers, the values of `stateVariables`) and per-tick inputs (the
/// keys of `inputSequences` and `inputNonsequences`) to new states (the keys of `stateVariables`) and any other
/// `trackedOutputs`. The Recurrence outputs the sequence `[batch, tick, ...]` of each state, then of each tracked
/// output that is not a state; `rec[layer]` is the ordinary one-output layer for one of them:
///
///     let sequence = InputLayer(shape: [nil, 25, 3])
///     let x = InputLayer(shape: [nil, 3]), prevH = InputLayer(shape: [nil, 10])
///     let h = try GRUCell(prevState: prevH, inputs: [x])      // or any one-tick graph of layers
///     let rec = try Recurrence(inputSequences: [x: sequence], stateVariables: [h: prevH])
///     let hs = try getOutput(rec[h])                       // [batch, 25, 10]
///
/// It is unrolled when its output is built (ARCHITECTURE §4): `getOutput` copies the one-tick graph `nSteps` times,
/// feeding each tick's new states into the next, so the copies are ordinary nodes and backpropagation through time
/// is plain reverse mode. There is no scan op, so the number of ticks is fixed when the Recurrence is made. Any
/// layer may sit in the one-tick graph: engine layers, host (Python) layers through `CallbackLayer`, another
/// Recurrence (nesting). Random layers inside draw new values at every tick.
///
/// The incoming layers (outer inputs) are, in order: the initial states given by `stateInit` (in state order), the
/// outer non-sequences, the outer sequences, the mask. The Recurrence's parameters are those of the one-tick graph
/// except those of the registered inputs and of the layers below them (a registered input stands for its subgraph,
/// which is substituted), so `getAllParams(rec[h])` holds every parameter once.
public final class Recurrence: Layer, MultiOutputLayer {
    /// Initial states: zeros, layers by state (a missing or nil state starts at zeros), or one layer or nil per
    /// state in `stateVariables` order. Zeros have shape `[batch] + stateShape[1...]`.
    public enum StateInit: ExpressibleByDictionaryLiteral {
        case zeros
        case layers(LayerDict<Layer?>)
        case list([Layer?])

        public init(dictionaryLiteral elements: (Layer, Layer?)...) { self = .layers(LayerDict(elements)) }
    }

    /// The batch size when the Recurrence has no outer inputs to take it from: a number or a symbolic int scalar.
    public enum BatchSize: ExpressibleByIntegerLiteral {
        case fixed(Int)
        case symbolic(Node)

        public init(integerLiteral value: Int) { self = .fixed(value) }
    }

    /// `{new state layer: previous-state input layer}`, in state order.
    public let stateVariables: LayerDict<Layer>
    /// `{one-tick input layer: outer sequence layer [batch, tick, ...]}`; tick `t` gets `sequence[:, t]`.
    public let inputSequences: LayerDict<Layer>
    /// `{one-tick input layer: outer layer}`; the outer value is fed at every tick.
    public let inputNonsequences: LayerDict<Layer>
    public let trackedOutputs: [Layer]
    /// `{state: outer initial-state layer}` for the states that do not start at zeros, in state order.
    public let stateInit: LayerDict<Layer>
    /// `[batch, tick]`; where it is 0, states and tracked outputs keep their previous values.
    public let maskInput: Layer?
    /// States whose sequences are shifted one tick later: `concat(init, seq[:, :-1])`.
    public let delayedStates: [Layer]
    public let nSteps: Int
    public let batchSize: BatchSize?
    /// Accepted for the seed's signature; the graph is always unrolled.
    public let unrollScan: Bool
    /// The output keys: states, then tracked outputs that are not states.
    public let keys: [Layer]
    public let outputShapes: [[Int?]]
    public let outputDTypes: [DType]
    /// Registered inputs no state or tracked output uses (found when `verifyGraph`); the Python binding warns.
    public let unusedInputs: [Layer]
    /// For each parameter, the one-tick layer it comes from and its index in that layer's parameters.
    public let paramSources: [(layer: Layer, index: Int)]

    /// - Parameters mirror the seed's `Recurrence(input_nonsequences, input_sequences, tracked_outputs,
    ///   state_variables, state_init, unroll_scan, n_steps, batch_size, mask_input, delayed_states, verify_graph,
    ///   name)`. `nSteps` nil takes the sequences' static length (`shape[1]`); `batchSize` is needed only when
    ///   there are no outer inputs. `verifyGraph` checks that every input layer of the one-tick graph is
    ///   registered and that no previous-state layer serves two states; shapes are always checked.
    /// - Throws: every mismatch at construction, naming the layers and both shapes.
    public init(inputNonsequences: LayerDict<Layer> = [:], inputSequences: LayerDict<Layer> = [:],
                trackedOutputs: [Layer] = [], stateVariables: LayerDict<Layer> = [:], stateInit: StateInit = .zeros,
                unrollScan: Bool = true, nSteps: Int? = nil, batchSize: BatchSize? = nil, maskInput: Layer? = nil,
                delayedStates: [Layer] = [], verifyGraph: Bool = true, name: String? = "YetAnotherRecurrence") throws {
        let checks = RecurrenceChecks(name: name)
        let states = stateVariables.keys
        try checks.singleOutputs(states + trackedOutputs)
        for (dict, what) in [(stateVariables, "state_variables"), (inputSequences, "input_sequences"),
                             (inputNonsequences, "input_nonsequences")] {
            try checks.uniqueKeys(dict.keys, what)
        }
        let inits = try checks.stateInits(stateInit, states: states)
        for s in delayedStates where !stateVariables.contains(s) {
            throw AgentNetError.invalid("\(checks.what): delayed state \(checks.label(s)) is not a key of state_variables")
        }
        try checks.shapes(stateVariables: stateVariables, stateInit: inits, inputSequences: inputSequences,
                          inputNonsequences: inputNonsequences, maskInput: maskInput)
        let n = try checks.nSteps(nSteps, inputSequences: inputSequences, maskInput: maskInput)
        if case .fixed(let b) = batchSize, b <= 0 {
            throw AgentNetError.invalid("\(checks.what): batch_size must be a positive int or a symbolic scalar, got \(b)")
        }
        if case .symbolic(let b) = batchSize, b.rank != 0 {
            throw AgentNetError.shape("\(checks.what): batch_size must be a positive int or a symbolic scalar, got an expression of shape \(RecurrenceChecks.shape(b.shape))")
        }
        let outer = inits.values + inputNonsequences.values + inputSequences.values + (maskInput.map { [$0] } ?? [])
        if outer.isEmpty && batchSize == nil {
            throw AgentNetError.invalid("\(checks.what) has no outer inputs (no sequences, non-sequences, initial states or mask), so batch_size must be given")
        }

        let registered = stateVariables.values + inputSequences.keys + inputNonsequences.keys
        let outs = states + trackedOutputs
        let stepLayers = outs.isEmpty ? [] : getAllLayers(outs, treatAsInput: registered)
        unusedInputs = verifyGraph ? try checks.verify(stepLayers: stepLayers, registered: registered, prevs: stateVariables.values) : []
        try checks.zeroInits(states: states, stateInit: inits)

        var keys: [Layer] = []
        for l in outs where !keys.contains(where: { $0 === l }) { keys.append(l) }
        guard !keys.isEmpty else { throw AgentNetError.invalid("\(checks.what) has no states and no tracked outputs; it needs at least one output") }
        let batch = Self.staticBatch(batchSize, outer)
        (self.stateVariables, self.inputSequences, self.inputNonsequences) = (stateVariables, inputSequences, inputNonsequences)
        (self.trackedOutputs, self.stateInit, self.maskInput, self.delayedStates) = (trackedOutputs, inits, maskInput, delayedStates)
        (self.nSteps, self.batchSize, self.unrollScan, self.keys) = (n, batchSize, unrollScan, keys)
        outputShapes = keys.map { [batch, n] + $0.outputShape.dropFirst() }
        outputDTypes = keys.map(\.outputDType)

        var seen = Set<Node>(), params: [LayerParam] = [], sources: [(layer: Layer, index: Int)] = []
        for layer in stepLayers where !registered.contains(where: { $0 === layer }) {
            for (i, p) in layer.params.enumerated() where seen.insert(p.node).inserted {
                params.append(p)
                sources.append((layer, i))
            }
        }
        paramSources = sources
        super.init(inputShapes: outer.map(\.outputShape), name: name)
        try setIncoming(outer)
        params.forEach(appendParam)
    }

    /// The batch size known statically: the fixed `batchSize`, else the first outer input's known `shape[0]`.
    private static func staticBatch(_ batchSize: BatchSize?, _ outer: [Layer]) -> Int? {
        if case .fixed(let b) = batchSize { return b }
        return outer.lazy.compactMap { $0.outputShape.first ?? nil }.first
    }

    public override var outputShape: [Int?] { outputShapes[0] }
    public override var outputDType: DType { outputDTypes[0] }
    public override var outputCount: Int { keys.count }

    /// The output shape does not depend on the incoming shapes except through the batch size.
    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        guard batchSize == nil, let batch = shapes.first?.first else { return outputShape }
        return [batch] + outputShape.dropFirst()
    }

    /// The sequences of every output, in `keys` order: the one-tick graph unrolled (`Recurrence+Unrolling.swift`).
    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        try unroll(inputs, options: options)
    }

    /// The first output's sequence (`agn_layer_output`); `getOutput(rec[layer])` picks any.
    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try unroll(inputs, options: options)[0]
    }

    // MARK: access

    /// The sequence `[batch, nSteps, ...]` of state or tracked output `layer`, as a one-output layer.
    public subscript(layer: Layer) -> ElementLayer {
        get throws {
            guard let i = keys.firstIndex(where: { $0 === layer }) else {
                throw AgentNetError.invalid("\(label) has no output for \(RecurrenceChecks.describe(layer)); its outputs are its states and tracked outputs")
            }
            return try ElementLayer(self, index: i)
        }
    }

    /// `rec[[a, b]]`: the sequences of several states or tracked outputs.
    public subscript(layers: [Layer]) -> [ElementLayer] {
        get throws { try layers.map { try self[$0] } }
    }

    /// The seed's `get_sequence_layers()`: (state sequences, tracked output sequences).
    public func sequenceLayers() throws -> (states: [ElementLayer], outputs: [ElementLayer]) {
        (try self[stateVariables.keys], try self[trackedOutputs])
    }

    public override var attributes: [String] {
        ["n_steps=\(nSteps)", "states=\(stateVariables.count)", "outputs=\(trackedOutputs.count)"]
    }

    /// What the Python binding reads back after creation: the sequences' length, where each parameter comes from
    /// (host keys of the one-tick layers) and which registered inputs are unused (host keys, for its warning).
    public var facts: [String: JSON] {
        ["n_steps": .number(Double(nSteps)),
         "param_sources": .array(paramSources.map { .array([.number(Double($0.layer.hostKey)), .number(Double($0.index))]) }),
         "unused_inputs": .array(unusedInputs.map { .number(Double($0.hostKey)) })]
    }
}
