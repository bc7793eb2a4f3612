import AgentNet
import AgentNetC
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A fresh folder under /tmp for one test.
private func tempFolder() -> String {
    var template = Array("/tmp/agentnet-persist-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}

/// Removes a folder made by `tempFolder` and the files in it.
private func removeFolder(_ path: String) {
    guard let d = opendir(path) else { return }
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { unlink(path + "/" + name) }
    }
    closedir(d)
    rmdir(path)
}

private func writeBytes(_ bytes: [UInt8], to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

private func readBytes(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    defer { close(fd) }
    var out: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
        if n <= 0 { return out }
        out += chunk[..<n]
    }
}

/// A raw file: length prefix, header text, buffer.
private func rawFile(_ header: String, _ buffer: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    return (0..<8).map { UInt8((UInt64(h.count) >> (8 * UInt64($0))) & 0xFF) } + h + buffer
}

private func message(_ body: () throws -> Void) -> String? {
    do { try body(); return nil } catch let e as AgentNetError { return e.message } catch { return "\(error)" }
}

@Suite struct PersistenceTests {
    @Test func namesAreMadeUniqueDeterministically() {
        #expect(Persistence.uniqueNames(["W", "b", "W", "b", nil, "W_1", "param4", "__metadata__", nil])
            == ["W", "b", "W_1", "b_1", "param4", "W_1_1", "param4_1", "__metadata___1", "param8"])
        let a = SharedValue(try! Tensor(zeros: [1])), b = SharedValue(try! Tensor(zeros: [1]), name: "x")
        #expect(Persistence.named([a, b, a, b]).map(\.name) == ["param0", "x"])
    }

    @Test func headerIsAlignedAndParsesBack() throws {
        let bytes = SafeTensorsHeader.encode([("w", .f32, [2, 3]), ("n", .i32, [4]), ("m", .bool, [3])], metadata: ["k": "v\"q"])
        #expect(bytes.count % 8 == 0)
        let n = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(n == bytes.count - 8)
        let (entries, metadata) = try SafeTensorsHeader.parse(Array(bytes[8...]), bufferSize: 24 + 16 + 3)
        #expect(metadata == ["k": "v\"q"])
        #expect(entries == [SafeTensorsEntry(name: "w", dtype: .f32, shape: [2, 3], begin: 0, end: 24),
                            SafeTensorsEntry(name: "n", dtype: .i32, shape: [4], begin: 24, end: 40),
                            SafeTensorsEntry(name: "m", dtype: .bool, shape: [3], begin: 40, end: 43)])
    }

    @Test func tensorsRoundTripExactlyWithMetadata() throws {
        let dir = tempFolder()
        defer { removeFolder(dir) }
        let w = Check.random([3, 4], seed: 3)
        let n = try Tensor([Int32]([1, -2, .max, .min]), shape: [4])
        var flags = try Tensor(zeros: [2], dtype: .bool)
        flags.bytes[1] = 1
        flags = flags.copy()
        try SafeTensors.write([("w", w), ("n", n), ("flags", flags)], metadata: ["a": "b"], to: dir + "/t.safetensors")
        let (tensors, metadata) = try SafeTensors.read(dir + "/t.safetensors")
        #expect(metadata == ["a": "b"])
        #expect(tensors.map(\.name) == ["w", "n", "flags"])
        #expect(tensors[0].tensor.scalars == w.scalars && tensors[0].tensor.shape == [3, 4])
        #expect(Array(UnsafeBufferPointer(start: tensors[1].tensor.ints, count: 4)) == [1, -2, .max, .min])
        #expect(tensors[2].tensor.dtype == .bool && tensors[2].tensor.bytes[0] == 0 && tensors[2].tensor.bytes[1] == 1)
        #expect(message { try SafeTensors.write([("a", w), ("a", w)], to: dir + "/d.safetensors") }?.contains("twice") == true)
        #expect(message { try SafeTensors.write([("__metadata__", w)], to: dir + "/d.safetensors") }?.contains("reserved") == true)
    }

    @Test func namedLayersWalksTheNetwork() throws {
        let input = InputLayer(shape: [nil, 3])
        let h = try DenseLayer(input, numUnits: 4, name: "h")
        let q = try DenseLayer(h, numUnits: 2, b: nil, name: "q")
        let names = try Persistence.named(layers: [q]).map(\.name)
        #expect(names == ["h.W", "h.b", "q.W"])
    }

    @Test func saveLoadRoundTripAndMetadata() throws {
        let dir = tempFolder(), path = dir + "/net.safetensors"
        defer { removeFolder(dir) }
        let dense = try DenseLayer(inputShape: [nil, 3], numUnits: 2, nonlinearity: .linear, name: "q")
        let params = try Persistence.named(layers: [dense])
        #expect(params.map(\.name) == ["q.W", "q.b"])
        let before = params.map { $0.value.value.scalars }
        try Persistence.save(params, to: path, metadata: ["network": dense.description])
        for p in params { try p.value.set(try Tensor(zeros: p.value.shape)) }
        let report = try Persistence.load(params, from: path)
        #expect(report.isComplete && report.loaded == ["q.W", "q.b"])
        #expect(params.map { $0.value.value.scalars } == before)
        let file = try SafeTensorsFile(path: path)
        #expect(file.metadata == ["format": "agentnet", "agentnet_version": Persistence.version, "network": dense.description])
    }

    @Test func strictLoadReportsEverythingAndChangesNothing() throws {
        let dir = tempFolder(), path = dir + "/w.safetensors"
        defer { removeFolder(dir) }
        let a = SharedValue(Check.random([2, 3], seed: 1), name: "a"), b = SharedValue(Check.random([3], seed: 2), name: "b")
        try Persistence.save([a, b], to: path)
        let a2 = SharedValue(Check.random([2, 4], seed: 4), name: "a"), c = SharedValue(Check.random([5], seed: 5), name: "c")
        let before = [a2.value.scalars, c.value.scalars]
        let text = message { try Persistence.load([a2, c], from: path) } ?? ""
        #expect(text.contains("1 missing (in the network, not in \(path)): c (5,) float32"))
        #expect(text.contains("1 unexpected (in \(path), not in the network): b (3,) F32"))
        #expect(text.contains("a: (2, 3) F32 given, the network has (2, 4) float32"))
        #expect([a2.value.scalars, c.value.scalars] == before)

        let report = try Persistence.load([a2, c, b], from: path, strict: false)
        #expect(report.missing == ["c"] && report.unexpected == [] && report.loaded == ["b"])
        #expect(report.mismatched.map(\.name) == ["a"])
        #expect(report.json.serialized.contains("\"found_shape\":[2,3]"))
    }

    @Test func setStateDictChecksNamesShapesAndDTypes() throws {
        let w = SharedValue(try Tensor(zeros: [2]), name: "w"), n = SharedValue(try Tensor([Int32]([0]), shape: [1]), name: "n")
        let params = Persistence.named([w, n])
        let fit = try Persistence.setStateDict(params, [("w", try Tensor([Float]([1, 2]), shape: [2])), ("n", try Tensor([Int32]([7]), shape: [1]))])
        #expect(fit.isComplete && w.value.scalars == [1, 2] && n.value.scalars == [7])
        let text = message { _ = try Persistence.setStateDict(params, [("w", try Tensor([Float]([3, 4]), shape: [2])), ("n", try Tensor([Float]([7]), shape: [1]))]) }
        #expect(text?.contains("n: (1,) float32 given, the network has (1,) int32") == true)
        #expect(w.value.scalars == [1, 2])
    }

    @Test func everyTruncationIsRejected() throws {
        let dir = tempFolder(), path = dir + "/t.safetensors", cut = dir + "/cut.safetensors"
        defer { removeFolder(dir) }
        try Persistence.save([SharedValue(Check.random([2, 2]), name: "x"), SharedValue(Check.random([3]), name: "y")], to: path)
        let bytes = readBytes(path)
        for n in 0..<bytes.count {
            writeBytes(Array(bytes[..<n]), to: cut)
            #expect(throws: AgentNetError.self) { _ = try SafeTensorsFile(path: cut) }
        }
        writeBytes(bytes, to: cut)
        #expect(try SafeTensorsFile(path: cut).entries.count == 2)
    }

    @Test func hostileHeadersAreRejected() {
        let cases: [(String, [UInt8], String)] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, Array(repeating: 0, count: 12), "overlaps"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0, 0, 0], "past the end"),
            (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], "non-negative"),
            (#"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], "overflows"),
            (#"{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], "unknown dtype"),
            (#"{"__metadata__":{"k":[]}}"#, [], "not a string"),
            (String(repeating: "{\"a\":", count: 5000) + "1" + String(repeating: "}", count: 5000), [], "nested deeper"),
        ]
        let dir = tempFolder(), path = dir + "/h.safetensors"
        defer { removeFolder(dir) }
        for (header, buffer, expected) in cases {
            writeBytes(rawFile(header, buffer), to: path)
            let text = message { _ = try SafeTensorsFile(path: path) }
            #expect(text?.contains(expected) == true, "\(expected): \(text ?? "accepted")")
        }
        var huge = rawFile("{}")
        for i in 0..<8 { huge[i] = 0xFF }
        writeBytes(huge, to: path)
        #expect(message { _ = try SafeTensorsFile(path: path) }?.contains("does not fit") == true)
    }

    @Test func foreignTypesConvert() throws {
        // F16 [1, -2.5, 2^-24 (subnormal)], BF16 [1.5], I64 [-3].
        let buffer: [UInt8] = [0x00, 0x3C, 0x00, 0xC1, 0x01, 0x00] + [0xC0, 0x3F] + [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        let header = #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"g":{"dtype":"BF16","shape":[1],"data_offsets":[6,8]},"# +
            #""i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}"#
        let dir = tempFolder(), path = dir + "/f.safetensors"
        defer { removeFolder(dir) }
        writeBytes(rawFile(header, buffer), to: path)
        let (tensors, _) = try SafeTensors.read(path)
        #expect(tensors.map(\.name) == ["h", "g", "i"])
        #expect(tensors[0].tensor.scalars == [1, -2.5, 0x1p-24])
        #expect(tensors[1].tensor.scalars == [1.5])
        #expect(tensors[2].tensor.dtype == .int32 && tensors[2].tensor.scalars == [-3])
    }

    @Test func atomicWriteReplacesTheFileAndLeavesNoTemporary() throws {
        let dir = tempFolder(), path = dir + "/w.safetensors"
        defer { removeFolder(dir) }
        let x = SharedValue(try Tensor([Float]([1, 2]), shape: [2]), name: "x")
        try Persistence.save([x], to: path)
        try x.set(try Tensor([Float]([3, 4]), shape: [2]))
        try Persistence.save([x], to: path)
        #expect(try SafeTensors.read(path).tensors[0].tensor.scalars == [3, 4])
        let d = try #require(opendir(dir))
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(d)
        #expect(names == ["w.safetensors"])
        #expect(message { try Persistence.save([x], to: dir + "/absent/w.safetensors") }?.contains("temporary file") == true)
    }

    @Test func cEntryPointsValidateTheirArguments() throws {
        #expect(agn_safetensors_open(nil, nil) == AgentNetError.Kind.invalidArgument.rawValue)
        var handle: Int64 = 0
        #expect(agn_safetensors_open("/nonexistent/x.safetensors", &handle) == AgentNetError.Kind.io.rawValue)
        let dir = tempFolder(), path = dir + "/c.safetensors"
        defer { removeFolder(dir) }
        try Persistence.save([SharedValue(try Tensor([Float]([1, 2, 3]), shape: [3]), name: "v")], to: path)
        #expect(agn_safetensors_open(path, &handle) == 0)
        var out = [Float](repeating: 0, count: 3)
        #expect(agn_safetensors_read(handle, 0, &out, 8) == AgentNetError.Kind.invalidArgument.rawValue)
        #expect(agn_safetensors_read(handle, 1, &out, 12) == AgentNetError.Kind.invalidArgument.rawValue)
        #expect(agn_safetensors_read(handle, 0, &out, 12) == 0 && out == [1, 2, 3])
        #expect(agn_release(handle) == 0)
        #expect(agn_state_names("[\"a\", 3]", 2, nil) == AgentNetError.Kind.invalidArgument.rawValue)
        var text: UnsafePointer<CChar>? = nil
        #expect(agn_state_names("[\"a\", null, \"a\"]", 3, &text) == 0)
        #expect(text.map { String(cString: $0) } == "[\"a\",\"param1\",\"a_1\"]")
        #expect(agn_state_names("[\"a\"]", 2, &text) == AgentNetError.Kind.invalidArgument.rawValue)
    }
}
