import AgentNet
import AgentNetTestSupport
import Testing

/// The registry path Python uses for the memory cells (kind + attributes, Sources/AgentNet/Memory): the cells it
/// makes have the names, tags, slots and options of the cells the Swift initializers make.
@Suite final class MemoryCellRegistryTests: CellSuite {
    @Test func registryMakesTheCellsAsTheInitializersDo() throws {
        func make(_ kind: String, _ attrs: [String: JSON], _ shapes: [[Int?]], name: String? = nil) throws -> Layer {
            try LayerRegistry.make(kind, .object(attrs), inputShapes: shapes, name: name) { _ in throw AgentNetError(.invalidHandle, "none") }
        }
        let inputNames: JSON = .array([.string("h"), .string("x")])
        let gru = try make("GRUCell", ["cell_name": .string("gru"), "input_names": inputNames, "num_units": .null], [[nil, 4], [nil, 5]])
        let direct = try GRUCell(prevState: h, inputs: [InputLayer(shape: [nil, 5], name: "x")], name: "gru")
        #expect(gru.params.map(\.name) == direct.params.map(\.name) && gru.params.map(\.tags) == direct.params.map(\.tags))
        #expect((gru as? LayerWithFacts)?.facts["param_slots"] == .array(direct.paramSlots.map { .array($0) }))
        let lstm = try make("LSTMCell", ["cell_name": .string("l"), "peepholes": .null, "input_names": .array([.string("c"), .string("h"), .string("x")])],
                            [[nil, 4], [nil, 4], [nil, 5]])
        #expect(lstm.params.count == 12 && lstm.outputCount == 2 && !lstm.params.contains { $0.name.contains("peephole") })
        let rnn = try make("RNNCell", ["cell_name": .string("r"), "b": .null, "grad_clipping": .number(-2)], [[nil, 4]])
        #expect(rnn.params.map(\.name) == ["r.hid_to_hid.W"] && (rnn as? RNNCell)?.gradClipping == 2)
        let gate = try make("GateLayer", ["channels": .array([.number(2), .null]), "channel_names": .array([.string("a"), .string("b")])],
                            [[nil, 3], [nil, 4]], name: "g")
        #expect(gate.params.map(\.name) == ["g.b_a", "g.W_ctrl0_a", "g.b_b", "g.W_ctrl0_b"] && gate.outputCount == 2)
        let memory = try make("GRUMemoryLayer", ["num_units": .number(4), "resetgate": .object(["nonlinearity": .null])], [[nil, 4], [nil, 3]], name: "m")
        #expect((memory as? GRUMemoryLayer)?.nonlinearities == [.linear, .sigmoid, .tanh] && memory.params.count == 9)
        #expect(Check.error { try make("GRUCell", ["dropout": .number(1)], [[nil, 4]]) }?.message.contains("dropout must be in [0, 1)") == true)
    }
}
