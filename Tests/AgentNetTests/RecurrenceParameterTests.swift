import AgentNet
import AgentNetTestSupport
import Testing

/// A Recurrence's parameters: those of its one-tick graph, except those of registered inputs and the layers below them
/// (they belong to the outer graph), and the seed's shape tests with several states.
@Suite struct RecurrenceParameterTests {
    init() { Initializer.rng.reseed(5) }

    /// The seed's substituted-input test: a registered input stands for its subgraph, so the parameters of the
    /// layers below it are not the Recurrence's (they belong to the outer graph).
    @Test func parametersExcludeSubstitutedInputs() throws {
        let sequence = InputLayer(shape: [nil, 25, 3], name: "input sequence")
        let sequenceIntermediate = InputLayer(shape: [nil, 25, 5], name: "intermediate values sequence")
        let initial = InputLayer(shape: [nil, 10], name: "gru zero tick")
        let input = InputLayer(shape: [nil, 3], name: "input"), prev = InputLayer(shape: [nil, 10], name: "prev rnn")
        let intermediate = try DenseLayer(input, numUnits: 5, name: "intermediate")
        let gru = try sum([linear(intermediate, 10, name: "rnn.x"), linear(prev, 10, name: "rnn.h")], name: "rnn")
        let rec = try Recurrence(inputSequences: [input: sequence], stateVariables: [gru: prev], stateInit: [gru: initial])
        #expect(try getAllParams(rec[gru]).contains { $0.value === intermediate.b })
        let rec2 = try Recurrence(inputSequences: [intermediate: sequenceIntermediate], stateVariables: [gru: prev], stateInit: [gru: initial])
        #expect(try !getAllParams(rec2[gru]).contains { $0.value === intermediate.b })
        #expect(rec2.params.map(\.name) == ["rnn.x.W", "rnn.x.b", "rnn.h.W", "rnn.h.b"])
        #expect(rec2.paramSources.map { $0.layer.name ?? "" } == ["rnn.x", "rnn.x", "rnn.h", "rnn.h"])
        let r = try run([getOutput(rec2[gru])], [(sequenceIntermediate.inputVar, Check.random([5, 25, 5])), (initial.inputVar, Check.random([5, 10]))])
        #expect(r[0].shape == [5, 25, 10])
        // an outer layer feeding the sequence is counted through the outer graph, once
        let pre = try DenseLayer(sequence, numUnits: 5, numLeadingAxes: 2, name: "pre")
        let rec3 = try Recurrence(inputSequences: [intermediate: pre], stateVariables: [gru: prev])
        #expect(try getAllParams(rec3[gru]).map(\.name) == ["pre.W", "pre.b", "rnn.x.W", "rnn.x.b", "rnn.h.W", "rnn.h.b"])
        #expect(try getAllParams(rec3[gru], tags: ["regularizable": true]).map(\.name) == ["pre.W", "rnn.x.W", "rnn.h.W"])
    }

    /// The seed's shape tests: a GRU with an initial state, and three states of two widths with dropout on one.
    @Test func seedShapes() throws {
        let sequence = InputLayer(shape: [nil, 25, 3]), initial = InputLayer(shape: [nil, 20], name: "cell zero tick")
        let step = try RNNStep()
        let rnnBig = try NonlinearityLayer(linear(step.h, 10, name: "to10"), nonlinearity: .tanh)
        let prevRnn = InputLayer(shape: [nil, 10]), prevCell = InputLayer(shape: [nil, 20]), prevHid = InputLayer(shape: [nil, 20])
        let rnn = try sum([rnnBig, prevRnn])
        let cell = try sum([prevCell, linear(rnn, 20, name: "cell_in"), linear(prevHid, 20, name: "hid_in")])
        let hid = try DropoutLayer(inputShape: [nil, 20], p: .constant(0.5), seed: 3)
        try hid.setIncoming([try NonlinearityLayer(cell, nonlinearity: .tanh)])
        let rec = try Recurrence(inputSequences: [step.x: sequence], stateVariables: [step.h: step.hPrev, rnn: prevRnn, hid: prevHid, cell: prevCell],
                                 stateInit: [cell: initial])
        #expect(rec.unusedInputs.isEmpty)
        let out = try run(try getOutput([rec[rnn], rec[cell], rec[hid]]), [(sequence.inputVar, Check.random([5, 25, 3])), (initial.inputVar, Check.random([5, 20]))])
        #expect(out.map(\.shape) == [[5, 25, 10], [5, 25, 20], [5, 25, 20]])
        #expect(try getAllParams(rec[rnn]).count == 9)
    }
}
