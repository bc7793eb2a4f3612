/// The copy of one layer that `cloneNetwork` makes: fed by the copies of the original's incoming layers, owning
/// its own parameters (copies holding the original's values at cloning time, or the original's own when they are
/// shared), computing what the original computes.
///
/// Its output is the original layer's output for the copy's inputs with the original's parameters replaced by the
/// copy's (`substitutingShared`). So every layer clones the same way — engine kinds, host (Python) layers, a
/// Recurrence with its one-tick graph — and the copy never drifts from what the original would compute.
public final class ClonedLayer: Layer, MultiOutputLayer, LayerWithUpdates, LayerWithFacts {
    /// The layer this one is a copy of.
    public let original: Layer
    /// Original parameter → this copy's (only the ones that differ).
    public let replacements: SharedValueMap
    private let shape: [Int?]
    public private(set) var updates: [(SharedValue, Node)] = [] { didSet { updatesVersion += 1 } }
    public private(set) var updatesVersion = 0

    /// A copy of `original` fed by `incoming` (one per original incoming layer; nil for a free-floating input),
    /// named `name`, whose parameters are `params` (the original's, mapped by `map`).
    init(of original: Layer, incoming: [Layer?], name: String?, params: [LayerParam], map: SharedValueMap) throws {
        let shapes = zip(incoming, original.inputShapes).map { $0?.outputShape ?? $1 }
        self.original = original
        self.replacements = map.replacing
        shape = shapes == original.inputShapes ? original.outputShape : try original.outputShape(for: shapes)
        super.init(inputShapes: shapes, name: name)
        try setIncoming(incoming)
        params.forEach(appendParam)
    }

    public override var outputShape: [Int?] { shape }
    public override var outputDType: DType { original.outputDType }
    public override var outputCount: Int { original.outputCount }
    public var outputShapes: [[Int?]] { (original as? MultiOutputLayer)?.outputShapes ?? [shape] }
    public var outputDTypes: [DType] { (original as? MultiOutputLayer)?.outputDTypes ?? [outputDType] }
    public var facts: [String: JSON] { (original as? LayerWithFacts)?.facts ?? [:] }

    public override func outputShape(for shapes: [[Int?]]) throws -> [Int?] {
        shapes == inputShapes ? shape : try original.outputShape(for: shapes)
    }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try outputs(for: inputs, options: options)[0]
    }

    /// The original's outputs for `inputs`, reading this copy's parameters. State updates the original records
    /// while building (batch normalization's running averages) become this copy's, and the original keeps its own.
    public override func outputs(for inputs: [Node], options: LayerOptions) throws -> [Node] {
        let recorder = original as? LayerWithUpdates & UpdateRestoring
        let saved = recorder.map { ($0.updates, $0.updatesVersion) }
        defer { if let recorder, let saved { recorder.restoreUpdates(saved.0, version: saved.1) } }
        let built = try original.outputs(for: inputs, options: options)
        let out = try substitutingShared(built, replacements, leaves: inputs)
        if let recorder, let saved, recorder.updatesVersion != saved.1 {
            let exprs = try substitutingShared(recorder.updates.map(\.1), replacements, leaves: inputs)
            updates = zip(recorder.updates, exprs).map { (replacements[$0.0] ?? $0.0, $1) }
        }
        return out
    }

    public override var attributes: [String] { original.attributes }

    public override var description: String {
        "\(original.kind)(\(attributes.joined(separator: ", "))) \(formatShape(outputShape)) (clone)"
    }
}

/// A layer that records state updates and can be given back an earlier record (a clone builds with the original
/// layer and must not leave the clone's updates in the original's record).
protocol UpdateRestoring: AnyObject {
    func restoreUpdates(_ updates: [(SharedValue, Node)], version: Int)
}

extension ClonedLayer: UpdateRestoring {
    func restoreUpdates(_ updates: [(SharedValue, Node)], version: Int) {
        self.updates = updates
        updatesVersion = version
    }
}
