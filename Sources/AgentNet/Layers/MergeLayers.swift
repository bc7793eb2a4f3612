/// Lasagne's merge layers: `ConcatLayer`, `ElemwiseMergeLayer` and `ElemwiseSumLayer`, with autocrop.

/// How `autocrop` aligns an axis of different sizes: not at all, or keeping the lower, upper or central part.
public enum CropMode: String, Sendable {
    case lower, upper, center
}

/// Lasagne's `autocrop`: shapes and slices that crop every input to the smallest size along each cropped axis.
public enum Autocrop {
    /// Shapes after cropping (`cropping[i] == nil` leaves axis `i`); unknown sizes make the cropped size unknown.
    public static func shapes(_ shapes: [[Int?]], _ cropping: [CropMode?]?) throws -> [[Int?]] {
        guard let cropping else { return shapes }
        let rank = shapes.first?.count ?? 0
        guard shapes.allSatisfy({ $0.count == rank }) else {
            throw AgentNetError.shape("Not all inputs are of the same dimensionality. Got \(shapes.count) inputs of dimensionalities \(shapes.map(\.count)).")
        }
        guard cropping.count <= rank else {
            throw AgentNetError.shape("cropping has \(cropping.count) entries for \(rank)-dimensional inputs")
        }
        var out = shapes
        for (axis, mode) in cropping.enumerated() where mode != nil {
            let sizes = shapes.map { $0[axis] }
            let m: Int? = sizes.contains { $0 == nil } ? nil : sizes.map { $0! }.min()
            for i in out.indices { out[i][axis] = m }
        }
        return out
    }

    /// The inputs cropped along the axes with a mode; sizes of cropped axes must be known statically.
    public static func crop(_ inputs: [Node], _ cropping: [CropMode?]?) throws -> [Node] {
        guard let cropping, let first = inputs.first else { return inputs }
        guard inputs.allSatisfy({ $0.rank == first.rank }) else {
            throw AgentNetError.shape("Not all inputs are of the same dimensionality. Got \(inputs.count) inputs of dimensionalities \(inputs.map(\.rank)).")
        }
        var items = Array(repeating: [SliceItem](), count: inputs.count)
        for axis in 0..<first.rank {
            let mode = axis < cropping.count ? cropping[axis] : nil
            guard let mode else {
                for i in items.indices { items[i].append(.range(start: nil, stop: nil, step: 1)) }
                continue
            }
            let sizes = inputs.map { $0.shape[axis] }
            guard sizes.allSatisfy({ $0 != nil }) else {
                throw AgentNetError.shape("autocrop: axis \(axis) must have a known size in every input to be cropped, got shapes \(inputs.map { formatShape($0.shape) }.joined(separator: ", "))")
            }
            let m = sizes.map { $0! }.min()!
            for (i, n) in sizes.enumerated() {
                let start = mode == .lower ? 0 : (mode == .upper ? n! - m : (n! - m) / 2)
                items[i].append(.range(start: start, stop: start + m, step: 1))
            }
        }
        return try zip(inputs, items).map { x, it in
            it.allSatisfy({ $0 == .range(start: nil, stop: nil, step: 1) }) ? x : try Node.make(SliceOp(items: it), [x])
        }
    }

    static func parse(_ spec: LayerSpec) throws -> [CropMode?]? {
        guard let v = spec.attrs["cropping"], !v.isNull else { return nil }
        guard let a = v.array else { throw AgentNetError.invalid("\(spec.kind): cropping must be None or a list, got \(v.serialized)") }
        return try a.map { e -> CropMode? in
            if e.isNull { return nil }
            guard let s = e.string, let m = CropMode(rawValue: s) else {
                throw AgentNetError.invalid("\(spec.kind): Unknown crop mode \(e.serialized); use None, 'lower', 'upper' or 'center'")
            }
            return m
        }
    }
}

/// Concatenates inputs along `axis`; sizes must agree elsewhere (after cropping), unknown sizes match any.
public final class ConcatLayer: Layer {
    public let axis: Int
    public let cropping: [CropMode?]?
    private let shape: [Int?]

    public init(inputShapes: [[Int?]], axis: Int = 1, cropping: [CropMode?]? = nil, name: String? = nil) throws {
        guard let first = inputShapes.first else { throw AgentNetError.invalid("ConcatLayer needs at least one input") }
        let rank = first.count
        guard axis >= -rank, axis < rank else { throw AgentNetError.shape("ConcatLayer: axis \(axis) is out of range for \(rank)-dimensional inputs") }
        let a = axis < 0 ? axis + rank : axis
        let shapes = try Autocrop.shapes(inputShapes, cropping)
        var out = (0..<rank).map { i in shapes.lazy.compactMap { $0.count > i ? $0[i] : nil }.first }
        let fits = shapes.allSatisfy { s in
            s.count == rank && s.indices.allSatisfy { i in i == a || s[i] == nil || out[i] == nil || s[i] == out[i] }
        }
        guard fits else {
            throw AgentNetError.shape("ConcatLayer: Mismatch: input shapes must be the same except in the concatenation axis (got \(inputShapes.map { formatShape($0) }.joined(separator: ", ")))")
        }
        let sizes = shapes.map { $0[a] }
        out[a] = sizes.contains { $0 == nil } ? nil : sizes.reduce(0) { $0 + $1! }
        self.axis = a
        self.cropping = cropping
        self.shape = out
        super.init(inputShapes: inputShapes, name: name)
    }

    public override var outputShape: [Int?] { shape }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        return try T.concatenate(Autocrop.crop(inputs, cropping), axis: axis)
    }

    public override var attributes: [String] { ["axis=\(axis)"] + (cropping.map { ["cropping=\($0.map { $0?.rawValue ?? "None" })"] } ?? []) }
}

/// The binary elementwise functions an `ElemwiseMergeLayer` applies left to right.
public enum MergeFunction: String, Sendable {
    case add, sub, mul, maximum, minimum

    func apply(_ a: Node, _ b: Node) throws -> Node {
        switch self {
        case .add: return try T.add(a, b)
        case .sub: return try T.sub(a, b)
        case .mul: return try T.mul(a, b)
        case .maximum: return try T.maximum(a, b)
        case .minimum: return try T.minimum(a, b)
        }
    }
}

/// Merges inputs of equal shape (after cropping) with a binary function, `f(f(x0, x1), x2)...`; each input is
/// first multiplied by its coefficient when one is given and differs from 1 (`ElemwiseSumLayer`).
public class ElemwiseMergeLayer: Layer {
    public let function: MergeFunction
    public let coefficients: [Float]?
    public let cropping: [CropMode?]?
    private let shape: [Int?]

    public init(inputShapes: [[Int?]], function: MergeFunction, coefficients: [Float]? = nil, cropping: [CropMode?]? = nil,
                name: String? = nil) throws {
        let kind = coefficients == nil ? "ElemwiseMergeLayer" : "ElemwiseSumLayer"
        guard let first = inputShapes.first else { throw AgentNetError.invalid("\(kind) needs at least one input") }
        let shapes = try Autocrop.shapes(inputShapes, cropping)
        guard shapes.allSatisfy({ $0.count == first.count }) else {
            throw AgentNetError.shape("\(kind): Mismatch: not all input shapes have the same dimensionality (got \(inputShapes.map { formatShape($0) }.joined(separator: ", ")))")
        }
        let out = (0..<first.count).map { i in shapes.lazy.compactMap { $0[i] }.first }
        guard shapes.allSatisfy({ s in zip(s, out).allSatisfy { $0 == nil || $1 == nil || $0 == $1 } }) else {
            throw AgentNetError.shape("\(kind): Mismatch: input shapes must be the same (got \(inputShapes.map { formatShape($0) }.joined(separator: ", ")))")
        }
        if let c = coefficients, c.count != inputShapes.count {
            throw AgentNetError.invalid("\(kind): Mismatch: got \(c.count) coeffs for \(inputShapes.count) incomings")
        }
        self.function = function
        self.coefficients = coefficients
        self.cropping = cropping
        self.shape = out
        super.init(inputShapes: inputShapes, name: name)
    }

    public override var outputShape: [Int?] { shape }

    public override func output(for inputs: [Node], options: LayerOptions) throws -> Node {
        try checkRanks(inputs)
        var xs = try Autocrop.crop(inputs, cropping)
        if let c = coefficients {
            xs = try zip(xs, c).map { x, k in k == 1 ? x : try T.mul(x, k) }
        }
        return try xs.dropFirst().reduce(xs[0]) { try function.apply($0, $1) }
    }

    public override var attributes: [String] {
        (coefficients == nil ? ["merge_function=\(function.rawValue)"] : ["coeffs=\(coefficients!)"])
            + (cropping.map { ["cropping=\($0.map { $0?.rawValue ?? "None" })"] } ?? [])
    }
}

/// `sum_i coeffs[i] * inputs[i]`.
public final class ElemwiseSumLayer: ElemwiseMergeLayer {
    public init(inputShapes: [[Int?]], coefficients: [Float]? = nil, cropping: [CropMode?]? = nil, name: String? = nil) throws {
        try super.init(inputShapes: inputShapes, function: .add,
                       coefficients: coefficients ?? Array(repeating: 1, count: inputShapes.count), cropping: cropping, name: name)
    }
}

extension LayerRegistry {
    static let mergeLayers: [String: Maker] = [
        "ConcatLayer": { s in
            try ConcatLayer(inputShapes: s.inputShapes, axis: s.int("axis", 1), cropping: Autocrop.parse(s), name: s.name)
        },
        "ElemwiseMergeLayer": { s in
            let f = try s.string("merge_function")
            guard let fn = MergeFunction(rawValue: f) else {
                throw AgentNetError.invalid("ElemwiseMergeLayer: merge_function must be one of add, sub, mul, maximum, minimum, got '\(f)'")
            }
            return try ElemwiseMergeLayer(inputShapes: s.inputShapes, function: fn, cropping: Autocrop.parse(s), name: s.name)
        },
        "ElemwiseSumLayer": { s in
            var coeffs: [Float]? = nil
            if let v = s.attrs["coeffs"], !v.isNull {
                if let d = v.double, case .number = v {
                    coeffs = Array(repeating: Float(d), count: s.inputShapes.count)
                } else if let a = v.array {
                    coeffs = try a.map {
                        guard case .number(let d) = $0 else { throw AgentNetError.invalid("ElemwiseSumLayer: coeffs must be numbers, got \(v.serialized)") }
                        return Float(d)
                    }
                } else {
                    throw AgentNetError.invalid("ElemwiseSumLayer: coeffs must be a number or a list of numbers, got \(v.serialized)")
                }
            }
            return try ElemwiseSumLayer(inputShapes: s.inputShapes, coefficients: coeffs, cropping: Autocrop.parse(s), name: s.name)
        },
    ]
}
