/// Construction-time checks of `Recurrence` arguments (the seed's `recurrence_checks`): shapes, lengths and the
/// one-tick graph. Every mismatch is reported when the Recurrence is made, naming the layers and both shapes in
/// the form Python prints them (`(None, 4)`), since most of these messages reach Python users.
struct RecurrenceChecks {
    /// `Recurrence 'name'`, the subject of every message.
    let what: String

    init(name: String?) { what = "Recurrence \(name.map { "'\($0)'" } ?? "None")" }

    /// `DenseLayer 'h'`, or a host layer's own class name (`TanhStep 'step'`) instead of `CallbackLayer`.
    static func describe(_ layer: Layer) -> String {
        let kind = (layer as? CallbackLayer)?.hostKind ?? layer.kind
        return layer.name.map { "\(kind) '\($0)'" } ?? kind
    }

    func label(_ layer: Layer) -> String { Self.describe(layer) }

    /// `(None, 4)`, `(3,)`.
    static func shape(_ s: [Int?]) -> String {
        let parts = s.map { $0.map(String.init) ?? "None" }
        return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
    }

    /// Whether two shapes (nil = unknown) can be the same shape.
    static func compatible(_ a: ArraySlice<Int?>, _ b: ArraySlice<Int?>) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == nil || $1 == nil || $0 == $1 }
    }

    func singleOutputs(_ layers: [Layer]) throws {
        for l in layers where l.outputCount != 1 {
            throw AgentNetError.invalid("\(what): \(label(l)) has \(l.outputCount) outputs; track one of them, e.g. layer[key]")
        }
    }

    func uniqueKeys(_ keys: [Layer], _ argument: String) throws {
        for (i, k) in keys.enumerated() where keys[..<i].contains(where: { $0 === k }) {
            throw AgentNetError.invalid("\(what): \(argument) has \(label(k)) twice")
        }
    }

    /// `stateInit` as `{state: initial layer}` in state order, without the states that start at zeros.
    func stateInits(_ stateInit: Recurrence.StateInit, states: [Layer]) throws -> LayerDict<Layer> {
        let given: [(Layer, Layer?)]
        switch stateInit {
        case .zeros: return [:]
        case .layers(let d):
            try uniqueKeys(d.keys, "state_init")
            for k in d.keys where !states.contains(where: { $0 === k }) {
                throw AgentNetError.invalid("\(what): state_init has an entry for \(label(k)), which is not a key of state_variables")
            }
            given = d.pairs.map { ($0.key, $0.value) }
        case .list(let l):
            guard l.count == states.count else {
                throw AgentNetError.invalid("\(what): state_init has \(l.count) entries for \(states.count) states")
            }
            given = Array(zip(states, l))
        }
        return LayerDict(states.compactMap { s in given.first { $0.0 === s }?.1.map { (s, $0) } })
    }

    func shapes(stateVariables: LayerDict<Layer>, stateInit: LayerDict<Layer>, inputSequences: LayerDict<Layer>,
                inputNonsequences: LayerDict<Layer>, maskInput: Layer?) throws {
        let s = Self.shape
        for (new, prev) in stateVariables where !Self.compatible(new.outputShape.dropFirst(), prev.outputShape.dropFirst()) {
            throw AgentNetError.shape("\(what): state \(label(new)) has shape \(s(new.outputShape)) but its previous-state input \(label(prev)) has shape \(s(prev.outputShape))")
        }
        for (new, initial) in stateInit where !Self.compatible(new.outputShape.dropFirst(), initial.outputShape.dropFirst()) {
            throw AgentNetError.shape("\(what): state \(label(new)) has shape \(s(new.outputShape)) but its initial value \(label(initial)) has shape \(s(initial.outputShape))")
        }
        for (step, seq) in inputSequences {
            let st = step.outputShape, sq = seq.outputShape
            guard sq.count == st.count + 1 else {
                throw AgentNetError.shape("\(what): sequence \(label(seq)) of shape \(s(sq)) must have a time axis [batch, tick, ...] around the one-tick input \(label(step)) of shape \(s(st))")
            }
            guard Self.compatible(sq.prefix(1) + sq.dropFirst(2), st[...]) else {
                throw AgentNetError.shape("\(what): sequence \(label(seq)) has shape \(s(sq)), which does not match its one-tick input \(label(step)) of shape \(s(st)) (batch, tick, ...)")
            }
        }
        for (step, outer) in inputNonsequences where !Self.compatible(step.outputShape[...], outer.outputShape[...]) {
            throw AgentNetError.shape("\(what): non-sequence input \(label(outer)) has shape \(s(outer.outputShape)) but the one-tick input \(label(step)) has shape \(s(step.outputShape))")
        }
        if let m = maskInput, m.outputShape.count != 2 {
            throw AgentNetError.shape("\(what): mask_input \(label(m)) must be [batch, tick], got shape \(s(m.outputShape))")
        }
    }

    /// The most ticks a Recurrence unrolls: beyond it the unrolled graph, not the computation, would exhaust memory.
    static let maxSteps = 100_000

    /// The number of ticks: `nSteps`, or the sequences' (and mask's) common static length.
    func nSteps(_ nSteps: Int?, inputSequences: LayerDict<Layer>, maskInput: Layer?) throws -> Int {
        var lengths: [Int] = []
        for l in inputSequences.values + (maskInput.map { [$0] } ?? []) {
            if l.outputShape.count > 1, let n = l.outputShape[1], !lengths.contains(n) { lengths.append(n) }
        }
        guard lengths.count <= 1 else {
            throw AgentNetError.shape("\(what): the input sequences (and mask) have different lengths \(lengths.sorted())")
        }
        guard let nSteps else {
            guard let n = lengths.first else {
                throw AgentNetError.invalid("\(what): n_steps must be given: the Recurrence is unrolled when it is built and no input sequence has a known length (shape[1])")
            }
            return n
        }
        guard nSteps > 0 else {
            throw AgentNetError.invalid("\(what): n_steps must be a positive int (the graph is unrolled when it is built), got \(nSteps)")
        }
        guard nSteps <= Self.maxSteps else {
            throw AgentNetError.invalid("\(what): n_steps=\(nSteps) is over the limit of \(Self.maxSteps) ticks (the graph is unrolled when it is built: every tick is a copy of the one-tick graph)")
        }
        if let n = lengths.first, n != nSteps {
            throw AgentNetError.shape("\(what): n_steps=\(nSteps) but the input sequences have length \(n)")
        }
        return nSteps
    }

    /// Checks the one-tick graph and returns the registered inputs it does not use.
    func verify(stepLayers: [Layer], registered: [Layer], prevs: [Layer]) throws -> [Layer] {
        for (i, p) in prevs.enumerated() where prevs[..<i].contains(where: { $0 === p }) {
            throw AgentNetError.invalid("\(what): the previous-state layer \(label(p)) is used by more than one state")
        }
        for l in stepLayers where l is InputLayer && !registered.contains(where: { $0 === l }) {
            throw AgentNetError.invalid("\(what): the one-tick graph uses \(label(l)) \(Self.shape(l.outputShape)), which is not registered as a previous state (state_variables value), an input sequence or a non-sequence input")
        }
        var unused: [Layer] = []
        for r in registered where !stepLayers.contains(where: { $0 === r }) && !unused.contains(where: { $0 === r }) {
            unused.append(r)
        }
        return unused
    }

    /// States that start at zeros need every non-batch dimension known.
    func zeroInits(states: [Layer], stateInit: LayerDict<Layer>) throws {
        for s in states where !stateInit.contains(s) && s.outputShape.dropFirst().contains(where: { $0 == nil }) {
            throw AgentNetError.shape("\(what): state \(label(s)) of shape \(Self.shape(s.outputShape)) has unknown non-batch dimensions, so it cannot start at zeros; give it a state_init")
        }
    }
}
