/// Building a Recurrence's output: the one-tick graph applied once (`oneStep`), and unrolled over `nSteps` ticks.
extension Recurrence {
    /// The seed's `get_one_step`: the one-tick graph applied once, with `prevStates` in `stateVariables` order and
    /// `currentInputs` in the order non-sequences then sequences. New states are cast to their state's dtype.
    public func oneStep(prevStates: [Node], currentInputs: [Node], options: LayerOptions = LayerOptions()) throws
        -> (newStates: [Node], outputs: [Node]) {
        let states = stateVariables.keys, slots = inputNonsequences.keys + inputSequences.keys
        guard prevStates.count == states.count else {
            throw AgentNetError.invalid("get_one_step: got \(prevStates.count) previous states for \(states.count) states")
        }
        guard currentInputs.count == slots.count else {
            throw AgentNetError.invalid("get_one_step: got \(currentInputs.count) inputs for \(slots.count) input slots")
        }
        let feed = Array(zip(stateVariables.values, prevStates)) + Array(zip(slots, currentInputs))
        let outs = try getOutput(states + trackedOutputs, inputs: feed, options: options)
        let newStates = try zip(outs, states).map { x, s in try T.cast(x, s.outputDType) }
        return (newStates, Array(outs[states.count...]))
    }

    /// `oneStep` with values by layer: `prevStates` by state, `currentInputs` by registered one-tick input.
    public func oneStep(prevStates: LayerDict<Node>, currentInputs: LayerDict<Node>, options: LayerOptions = LayerOptions()) throws
        -> (newStates: [Node], outputs: [Node]) {
        try oneStep(prevStates: statesInOrder(prevStates), currentInputs: inputsInOrder(currentInputs), options: options)
    }

    /// Previous states by state, in `stateVariables` order; every state needs one.
    public func statesInOrder(_ prevStates: LayerDict<Node>) throws -> [Node] {
        let states = stateVariables.keys
        let missing = states.filter { !prevStates.contains($0) }
        guard missing.isEmpty else {
            throw AgentNetError.invalid("get_one_step: no previous value for state(s) \(missing.map(RecurrenceChecks.describe).joined(separator: ", "))")
        }
        return states.compactMap { prevStates[$0] }
    }

    /// Current inputs by registered one-tick input, in the order non-sequences then sequences; every one needs one.
    public func inputsInOrder(_ currentInputs: LayerDict<Node>) throws -> [Node] {
        let slots = inputNonsequences.keys + inputSequences.keys
        let unknown = currentInputs.keys.filter { k in !slots.contains { $0 === k } }
        guard unknown.isEmpty else {
            throw AgentNetError.invalid("get_one_step: \(unknown.map(RecurrenceChecks.describe).joined(separator: ", ")) is not a registered input")
        }
        let missing = slots.filter { !currentInputs.contains($0) }
        guard missing.isEmpty else {
            throw AgentNetError.invalid("get_one_step: no value for input(s) \(missing.map(RecurrenceChecks.describe).joined(separator: ", "))")
        }
        return slots.compactMap { currentInputs[$0] }
    }

    /// The options the one-tick layers get: `options` with its `recurrence_flags` object (`{"deterministic": true}`,
    /// `{"hard_attention": true}`) merged in and removed, so they reach every tick of nested Recurrences too.
    func innerOptions(_ options: LayerOptions) throws -> LayerOptions { try Self.innerOptions(options, label: label) }

    /// `innerOptions` for any unrolled rollout (`label` names it in errors).
    static func innerOptions(_ options: LayerOptions, label: String) throws -> LayerOptions {
        guard case .object(var flags) = options.flags, let extra = flags.removeValue(forKey: "recurrence_flags") else { return options }
        switch extra {
        case .null: break
        case .object(let o): flags.merge(o) { $1 }
        default: throw AgentNetError.invalid("\(label): recurrence_flags must be a dict of flags, got \(extra.serialized)")
        }
        return try LayerOptions(json: .object(flags))
    }

    /// The state and tracked-output sequences `[batch, tick, ...]` (in `keys` order) for the outer inputs
    /// (initial states, non-sequences, sequences, mask): `nSteps` applications of `oneStep`.
    func unroll(_ inputs: [Node], options: LayerOptions) throws -> [Node] {
        try checkRanks(inputs)
        let nInit = stateInit.count, nNon = inputNonsequences.count, nSeq = inputSequences.count
        let nonseqs = Array(inputs[nInit..<(nInit + nNon)]), seqs = Array(inputs[(nInit + nNon)..<(nInit + nNon + nSeq)])
        let mask = maskInput == nil ? nil : inputs[nInit + nNon + nSeq]
        let inner = try innerOptions(options)

        let states = stateVariables.keys
        let initial = try states.map { s -> Node in
            if let i = stateInit.keys.firstIndex(where: { $0 === s }) { return try T.cast(inputs[i], s.outputDType) }
            return try zeros(like: s, outer: inputs)
        }
        var prev = initial, prevOut = [Node?](repeating: nil, count: trackedOutputs.count)
        var stateSeq = [[Node]](repeating: [], count: states.count), outSeq = [[Node]](repeating: [], count: trackedOutputs.count)
        for t in 0..<nSteps {
            var (newStates, newOuts) = try oneStep(prevStates: prev, currentInputs: try nonseqs + seqs.map { try Self.tick($0, t) }, options: inner)
            if let mask {
                let m = try T.neq(Self.tick(mask, t), 0)
                newStates = try zip(newStates, prev).map { x, p in try T.where_(Self.broadcast(m, like: x), x, p) }
                newOuts = try zip(newOuts, prevOut).map { x, p in try T.where_(Self.broadcast(m, like: x), x, p ?? T.zerosLike(x)) }
            }
            for i in states.indices { stateSeq[i].append(newStates[i]) }
            for i in trackedOutputs.indices { outSeq[i].append(newOuts[i]) }
            (prev, prevOut) = (newStates, newOuts)
        }
        // In `keys` order: every state, then each tracked output that is not a state (once).
        var sequences = try states.indices.map { i in
            try T.stack(delayedStates.contains { $0 === states[i] } ? [initial[i]] + stateSeq[i].dropLast() : stateSeq[i], axis: 1)
        }
        var done = states
        for (o, seq) in zip(trackedOutputs, outSeq) where !done.contains(where: { $0 === o }) {
            sequences.append(try T.stack(seq, axis: 1))
            done.append(o)
        }
        return sequences
    }

    /// `seq[:, t]`.
    static func tick(_ seq: Node, _ t: Int) throws -> Node {
        try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .index(t)]), [seq])
    }

    /// The `[batch]` mask shaped to broadcast against `x` of shape `[batch, ...]`.
    static func broadcast(_ m: Node, like x: Node) throws -> Node {
        x.rank <= 1 ? m : try T.dimshuffle(m, [0] + Array(repeating: -1, count: x.rank - 1))
    }

    /// Zeros of shape `[batch] + state.outputShape[1...]` in the state's dtype; the batch is `batchSize`, else the
    /// first outer input's `shape[0]`.
    func zeros(like state: Layer, outer: [Node]) throws -> Node {
        let dims = try state.outputShape.dropFirst().map { d -> Int in
            guard let d else { throw AgentNetError.shape("\(label): state \(RecurrenceChecks.describe(state)) has unknown non-batch dimensions and no state_init") }
            return d
        }
        let shape: Node
        switch batchSize {
        case .fixed(let b): shape = Node.ints([b] + dims)
        case .symbolic(let b): shape = try T.stackInts([b] + dims.map(Node.intScalar))
        case nil: shape = try T.stackInts([T.index(T.shape(outer[0]), 0)] + dims.map(Node.intScalar))
        }
        return try T.alloc(T.cast(0, state.outputDType), shape)
    }
}
