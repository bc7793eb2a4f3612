import AgentNet
import AgentNetTestSupport
import Testing

/// Building a Recurrence: errors at construction that name the layers and shapes, and the registry path Python
/// uses (kind + attributes).
@Suite struct RecurrenceConstructionTests {
    init() { Initializer.rng.reseed(5) }

    @Test func constructionErrorsNameTheLayersAndShapes() throws {
        let step = try RNNStep()
        let (x, h, hPrev) = (step.x, step.h, step.hPrev)
        let known = InputLayer(shape: [nil, 3, 3]), unknownLength = InputLayer(shape: [nil, nil, 3])
        func message(_ body: () throws -> Recurrence) -> String { Check.error(body)?.message ?? "no error" }
        #expect(message { try Recurrence(inputSequences: [x: known], trackedOutputs: [h]) }.contains("uses InputLayer 'h_prev' (None, 4), which is not registered"))
        let wrongPrev = InputLayer(shape: [nil, 5], name: "wrong_prev")
        #expect(message { try Recurrence(inputSequences: [x: known], stateVariables: [h: wrongPrev]) }
            == "Recurrence 'YetAnotherRecurrence': state NonlinearityLayer 'rnn' has shape (None, 4) but its previous-state input InputLayer 'wrong_prev' has shape (None, 5)")
        #expect(message { try Recurrence(inputSequences: [x: InputLayer(shape: [nil, 3], name: "flat")], stateVariables: [h: hPrev], nSteps: 2) }.contains("must have a time axis"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev]) }.contains("n_steps must be given"))
        let rec = try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], unrollScan: false, nSteps: 5)
        #expect(rec.outputShape == [nil, 5, 4])
        #expect(message { try Recurrence(inputSequences: [x: known], stateVariables: [h: hPrev], nSteps: 4) }.contains("n_steps=4 but the input sequences have length 3"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], stateInit: [h: InputLayer(shape: [nil, 7])], nSteps: 2) }.contains("initial value"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], stateInit: .list([nil, nil]), nSteps: 2) }.contains("2 entries for 1 states"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], stateInit: [x: nil], nSteps: 2) }.contains("not a key of state_variables"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], nSteps: 2, delayedStates: [x]) }.contains("delayed state"))
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev], nSteps: 2, maskInput: InputLayer(shape: [nil, 2, 1])) }.contains("mask_input"))
        let sine = try NonlinearityLayer(h, nonlinearity: .sigmoid)
        #expect(message { try Recurrence(inputSequences: [x: unknownLength], stateVariables: [h: hPrev, sine: hPrev], nSteps: 2) }.contains("used by more than one state"))
        #expect(message { try Recurrence(inputNonsequences: [x: InputLayer(shape: [nil, 9])], stateVariables: [h: hPrev], nSteps: 2) }.contains("non-sequence"))
        #expect(message { try Recurrence(inputSequences: [x: known, x: known], stateVariables: [h: hPrev]) }.contains("input_sequences has InputLayer 'x_t' twice"))
        #expect(message { try Recurrence(inputSequences: [x: known, InputLayer(shape: [nil, 2]): InputLayer(shape: [nil, 4, 2])], stateVariables: [h: hPrev]) }.contains("different lengths [3, 4]"))
        #expect(message { try Recurrence(stateVariables: [h: hPrev], nSteps: 0, batchSize: 1) }.contains("n_steps must be a positive int"))
        #expect(message { try Recurrence(inputSequences: [x: known], stateVariables: [h: hPrev], batchSize: 0) }.contains("batch_size must be a positive int"))
        let two = try DictLayer(["a": h, "b": hPrev], order: ["a", "b"])
        #expect(message { try Recurrence(inputSequences: [x: known], trackedOutputs: [two], stateVariables: [h: hPrev]) }.contains("has 2 outputs"))
        #expect(Check.error { try rec[hPrev] }?.message.contains("has no output for InputLayer 'h_prev'") == true)
        let spare = InputLayer(shape: [nil, 2], name: "spare")
        let warned = try Recurrence(inputNonsequences: [spare: InputLayer(shape: [nil, 2])], inputSequences: [x: known], stateVariables: [h: hPrev])
        #expect(warned.unusedInputs.map { $0 === spare } == [true])
    }

    @Test func registryBuildsARecurrenceFromKindAndAttributes() throws {
        let seq = InputLayer(shape: [nil, 4, 3])
        let step = try RNNStep()
        var objects: [Int64: AnyObject] = [1: step.h, 2: step.hPrev, 3: step.x, 4: seq]
        let n = Node.input("n", dtype: .int32, shape: [])
        objects[5] = n
        let attrs = try JSON.parse(#"{"state_variables": [[1, 2]], "input_sequences": [[3, 4]], "state_init": {"list": [null]}, "name": "r"}"#)
        let layer = try LayerRegistry.make("Recurrence", attrs, inputShapes: [], name: "r") { h in
            guard let o = objects[h] else { throw AgentNetError(.invalidHandle, "no object \(h)") }
            return o
        }
        let rec = try #require(layer as? Recurrence)
        #expect(rec.nSteps == 4 && rec.outputShapes == [[nil, 4, 4]] && rec.description == "Recurrence(n_steps=4, states=1, outputs=0) (?, 4, 4)")
        let xs = Check.random([2, 4, 3])
        #expect(Check.same(try run([getOutput(rec[step.h])], [(seq.inputVar, xs)])[0].scalars, StepRef.stacked(step.reference(xs)), tol: 1e-5))
        for (bad, expected) in [(#"{"state_variables": [[1]]}"#, "pairs"), (#"{"state_variables": [[1, 2]], "n_steps": "2.5", "batch_size": 1}"#, "got 2.5"),
                                (#"{"state_variables": [[1, 9]], "n_steps": 2, "batch_size": 1}"#, "no object 9"),
                                (#"{"state_variables": [[1, 2]], "input_sequences": [[3, 4]], "batch_size_var": 5}"#, ""),
                                (#"{"state_variables": [[1, 2]], "n_steps": 2, "state_init": 7, "batch_size": 1}"#, "state_init must be")] {
            let e = Check.error {
                try LayerRegistry.make("Recurrence", try JSON.parse(bad), inputShapes: [], name: nil) { h in
                    guard let o = objects[h] else { throw AgentNetError(.invalidHandle, "no object \(h)") }
                    return o
                }
            }
            if expected.isEmpty { #expect(e == nil) } else { #expect(e?.message.contains(expected) == true, "\(bad): \(e?.message ?? "no error")") }
        }
    }
}
