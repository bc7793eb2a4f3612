/// A network's parameters saved to and loaded from safetensors files by name (`agentnet.utils.persistence`).
///
/// **Names.** Each parameter is keyed by its name (`dense.W`). Parameters are taken in the given order (for a
/// network, `get_all_params` order: topological, each shared value once) and each gets the first of `name`,
/// `name_1`, `name_2`, ... that no earlier parameter took; an unnamed one is `param<i>` (its index in that list)
/// under the same rule. `__metadata__` is reserved by the format, so a parameter named so becomes `__metadata___1`.
/// Two unnamed DenseLayers therefore save `W`, `b`, `W_1`, `b_1`.
///
/// **Loading** is by name and all-or-nothing when strict: every missing, unexpected or misshapen tensor is
/// reported in one error and no parameter changes. Non-strict loading sets the tensors that fit and returns the
/// rest, like PyTorch's `load_state_dict(strict=False)`.
public enum Persistence {
    /// The AgentNet release written into saved files' metadata (`agentnet_version`).
    public static let version = "0.1.0"
    /// The `format` metadata value of files AgentNet writes.
    public static let format = "agentnet"

    /// Unique names for parameters named `names` (nil for unnamed), by the scheme above.
    public static func uniqueNames(_ names: [String?]) -> [String] {
        var taken: Set<String> = ["__metadata__"]
        return names.enumerated().map { i, name in
            let base = name ?? "param\(i)"
            var candidate = base, k = 0
            while taken.contains(candidate) {
                k += 1
                candidate = "\(base)_\(k)"
            }
            taken.insert(candidate)
            return candidate
        }
    }

    /// Shared values with their unique names; a value listed twice is kept once, at its first position.
    public static func named(_ params: [SharedValue]) -> [(name: String, value: SharedValue)] {
        var seen = Set<ObjectIdentifier>()
        let unique = params.filter { seen.insert(ObjectIdentifier($0)).inserted }
        return Array(zip(uniqueNames(unique.map(\.name)), unique)).map { (name: $0.0, value: $0.1) }
    }

    /// The parameters below `layers`, in `getAllParams` order (topological, each once), under the names the layers
    /// gave them (`dense.W`). Only shared-variable parameters are saved: a parameter that is a symbolic expression
    /// has no value of its own (its shared variables are listed by the layers that own them).
    public static func named(layers: [Layer]) throws -> [(name: String, value: SharedValue)] {
        var seen = Set<ObjectIdentifier>()
        let params = try getAllParams(layers).compactMap { p in p.value.map { (name: p.name, value: $0) } }
            .filter { seen.insert(ObjectIdentifier($0.value)).inserted }
        return Array(zip(uniqueNames(params.map(\.name)), params.map(\.value))).map { (name: $0.0, value: $0.1) }
    }

    /// Copies of the parameters' values, each taken under its own shared value's read lock.
    public static func stateDict(_ params: [(name: String, value: SharedValue)]) -> [(name: String, tensor: Tensor)] {
        params.map { (name: $0.name, tensor: $0.value.value) }
    }

    /// Saves the parameters to `path` (atomically). The metadata holds `format` ("agentnet") and
    /// `agentnet_version`, then the caller's entries (e.g. `network`, the network's repr).
    public static func save(_ params: [(name: String, value: SharedValue)], to path: String, metadata: [String: String] = [:]) throws {
        var meta = ["format": format, "agentnet_version": version]
        for (k, v) in metadata { meta[k] = v }
        try SafeTensors.write(stateDict(params), metadata: meta, to: path)
    }

    public static func save(_ params: [SharedValue], to path: String, metadata: [String: String] = [:]) throws {
        try save(named(params), to: path, metadata: metadata)
    }

    /// Loads the tensors of `path` into the parameters by name (see the type's notes on strictness).
    /// Floats of any width load into float32 parameters, integers that fit into int32 ones.
    @discardableResult
    public static func load(_ params: [(name: String, value: SharedValue)], from path: String, strict: Bool = true) throws -> LoadReport {
        let file = try SafeTensorsFile(path: path)
        let sources = file.entries.map { e in
            Source(name: e.name, dtype: e.dtype.rawValue, shape: e.shape) { SafeTensorsFile.converts(e.dtype, to: $0) }
        }
        return try assign(params, sources, strict: strict, origin: path) { name, dtype in
            guard let e = file.entry(name) else { throw AgentNetError(.runtime, "\(path): tensor \(JSON.quote(name)) vanished") }
            return try file.tensor(e, as: dtype)
        }
    }

    @discardableResult
    public static func load(_ params: [SharedValue], from path: String, strict: Bool = true) throws -> LoadReport {
        try load(named(params), from: path, strict: strict)
    }

    /// Sets parameters from named tensors (a state dict), with `load`'s rules; dtypes must equal the parameters'.
    @discardableResult
    public static func setStateDict(_ params: [(name: String, value: SharedValue)], _ values: [(name: String, tensor: Tensor)],
                                    strict: Bool = true) throws -> LoadReport {
        var byName: [String: Tensor] = [:]
        for (name, t) in values {
            guard byName.updateValue(t, forKey: name) == nil else { throw AgentNetError(.invalidArgument, "the state dict has \(JSON.quote(name)) twice") }
        }
        let sources = values.map { v in Source(name: v.name, dtype: v.tensor.dtype.description, shape: v.tensor.shape) { $0 == v.tensor.dtype } }
        return try assign(params, sources, strict: strict, origin: "the state dict") { name, _ in
            guard let t = byName[name] else { throw AgentNetError(.runtime, "state dict entry \(JSON.quote(name)) vanished") }
            return t
        }
    }

    // MARK: - Matching

    /// A named tensor offered for loading: its type (as the source spells it), shape and which engine types it reads as.
    struct Source {
        let name: String
        let dtype: String
        let shape: [Int]
        let converts: (DType) -> Bool
    }

    static func assign(_ params: [(name: String, value: SharedValue)], _ sources: [Source], strict: Bool, origin: String,
                       fetch: (String, DType) throws -> Tensor) throws -> LoadReport {
        let byName = Dictionary(sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let wanted = Set(params.map(\.name))
        var report = LoadReport()
        var fitting: [(name: String, value: SharedValue)] = []
        for p in params {
            let shape = p.value.shape
            guard let s = byName[p.name] else {
                report.missing.append(p.name)
                report.missingDetails.append("\(p.name) \(formatShape(shape)) \(p.value.dtype)")
                continue
            }
            if s.shape == shape && s.converts(p.value.dtype) {
                fitting.append(p)
            } else {
                report.mismatched.append(Mismatch(name: p.name, expectedShape: shape, expectedDType: p.value.dtype,
                                                  foundShape: s.shape, foundDType: s.dtype))
            }
        }
        for s in sources where !wanted.contains(s.name) {
            report.unexpected.append(s.name)
            report.unexpectedDetails.append("\(s.name) \(formatShape(s.shape)) \(s.dtype)")
        }
        if strict && !report.isComplete {
            throw AgentNetError(.invalidArgument, report.message(origin))
        }
        // Read and convert everything before setting anything, so a failure part-way changes nothing.
        let tensors = try fitting.map { try fetch($0.name, $0.value.dtype) }
        for (p, t) in zip(fitting, tensors) { try p.value.set(t) }
        report.loaded = fitting.map(\.name)
        return report
    }

    /// A tensor whose name matched but whose shape or type does not fit.
    public struct Mismatch: Equatable, Sendable {
        public let name: String
        public let expectedShape: [Int]
        public let expectedDType: DType
        public let foundShape: [Int]
        public let foundDType: String

        public var description: String {
            "\(name): \(formatShape(foundShape)) \(foundDType) given, the network has \(formatShape(expectedShape)) \(expectedDType)"
        }
    }

    /// What a load did: `loaded` names, and the names it could not use.
    public struct LoadReport: Equatable, Sendable {
        public var loaded: [String] = []
        /// In the network, not in the source.
        public var missing: [String] = []
        /// In the source, not in the network.
        public var unexpected: [String] = []
        public var mismatched: [Mismatch] = []
        var missingDetails: [String] = []
        var unexpectedDetails: [String] = []

        /// Every parameter found a fitting tensor and every tensor a parameter.
        public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && mismatched.isEmpty }

        func message(_ origin: String) -> String {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("\(missing.count) missing (in the network, not in \(origin)): " + missingDetails.joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected (in \(origin), not in the network): " + unexpectedDetails.joined(separator: ", ")) }
            if !mismatched.isEmpty { parts.append("\(mismatched.count) misshapen: " + mismatched.map(\.description).joined(separator: "; ")) }
            return "\(origin) does not fit the network: " + parts.joined(separator: "; ")
                + ". Nothing was loaded; strict=False loads the tensors that fit and reports the others."
        }

        /// `{"loaded": [...], "missing": [...], "unexpected": [...], "mismatched": [{"name", "expected_shape",
        /// "expected_dtype", "found_shape", "found_dtype"}]}`.
        public var json: JSON {
            func names(_ a: [String]) -> JSON { .array(a.map { .string($0) }) }
            func dims(_ s: [Int]) -> JSON { .array(s.map { .number(Double($0)) }) }
            return .object([
                "loaded": names(loaded), "missing": names(missing), "unexpected": names(unexpected),
                "mismatched": .array(mismatched.map {
                    .object(["name": .string($0.name), "expected_shape": dims($0.expectedShape),
                             "expected_dtype": .string($0.expectedDType.description), "found_shape": dims($0.foundShape),
                             "found_dtype": .string($0.foundDType)])
                }),
            ])
        }
    }
}
