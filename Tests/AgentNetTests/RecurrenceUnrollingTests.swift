import AgentNet
import AgentNetTestSupport
import Glibc
import Testing

/// Recurrence (Sources/AgentNet/Agent/Recurrence.swift) unrolled over the one-tick graphs of RecurrenceTestSteps.swift (a tanh RNN and a GRU made of engine layers),
/// against float64 reference loops over the same weights: state sequences, state_init, tracked outputs and
/// non-sequences, masks, delayed states, the batch size, and one tick (`oneStep`).
@Suite struct RecurrenceUnrollingTests {
    init() { Initializer.rng.reseed(5) }

    @Test func rnnStateSequenceMatchesTheReferenceLoop() throws {
        let seq = InputLayer(shape: [nil, 25, 3], name: "seq")
        let step = try RNNStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev])
        #expect(try rec[step.h].outputShape == [nil, 25, 4])
        #expect(rec.nSteps == 25 && rec.incoming.count == 1 && rec.incoming[0] === seq)
        let xs = Check.random([5, 25, 3])
        let got = try run([getOutput(rec[step.h])], [(seq.inputVar, xs)])[0]
        #expect(got.shape == [5, 25, 4])
        #expect(Check.same(got.scalars, StepRef.stacked(step.reference(xs)), tol: 1e-5))
    }

    @Test func gruStepMatchesTheReferenceLoopWithStateInit() throws {
        let seq = InputLayer(shape: [nil, 6, 3]), h0 = InputLayer(shape: [nil, 5], name: "h0")
        let step = try GRUStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev], stateInit: [step.h: h0])
        #expect(rec.incoming.map { $0 === h0 } == [true, false])
        let xs = Check.random([3, 6, 3]), init0 = Check.random([3, 5], seed: 2)
        let got = try run([getOutput(rec[step.h])], [(seq.inputVar, xs), (h0.inputVar, init0)])[0]
        #expect(Check.same(got.scalars, StepRef.stacked(step.reference(xs, h0: StepRef.rows(init0, 5))), tol: 1e-5))
        // the same with state_init as a list, in state order
        let listed = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev], stateInit: .list([h0]))
        let again = try run([getOutput(listed[step.h])], [(seq.inputVar, xs), (h0.inputVar, init0)])[0]
        #expect(again.scalars == got.scalars)
    }

    @Test func getOutputIsStatesThenTrackedOutputsAndNonsequencesReachEveryTick() throws {
        let seq = InputLayer(shape: [nil, 7, 3]), biasOuter = InputLayer(shape: [nil, 4], name: "bias_outer")
        let step = try RNNStep()
        let biasT = InputLayer(shape: [nil, 4], name: "bias_t")
        let biased = try sum([step.h, biasT], name: "h_biased")
        let doubled = try sum([biased], [2], name: "doubled")
        let rec = try Recurrence(inputNonsequences: [biasT: biasOuter], inputSequences: [step.x: seq], trackedOutputs: [doubled, biased],
                                 stateVariables: [biased: step.hPrev])
        #expect(rec.keys.map { $0 === biased } == [true, false] && rec.outputCount == 2)
        let xs = Check.random([3, 7, 3]), bv = Check.random([3, 4], seed: 2)
        let outs = try getOutputs([rec], inputs: [])[0]
        let (hs, ds) = try { let r = try run(outs, [(seq.inputVar, xs), (biasOuter.inputVar, bv)]); return (r[0], r[1]) }()
        #expect(Check.same(ds.scalars, hs.scalars.map { 2 * $0 }, tol: 1e-6))
        // h_t = tanh(x_t W + b + h_{t-1} U) + bias
        let W = StepRef.rows(step.toHid.W.value, 4), U = StepRef.rows(step.hidToHid.W.value, 4), b = step.toHid.b!.value.scalars.map(Double.init)
        var h = Array(repeating: Array(repeating: 0.0, count: 4), count: 3), ref: [[[Double]]] = []
        for t in 0..<7 {
            h = StepRef.add(StepRef.map(StepRef.add(StepRef.addRow(StepRef.dot(StepRef.tick(xs, t), W), b), StepRef.dot(h, U)), tanh), StepRef.rows(bv, 4))
            ref.append(h)
        }
        #expect(Check.same(hs.scalars, StepRef.stacked(ref), tol: 1e-5))
        let (states, tracked) = try rec.sequenceLayers()
        #expect(states.map(\.index) == [0] && tracked.map(\.index) == [1, 0])
    }

    /// The seed's mask test: rows [1,1,1,0,0] keep the tick-2 state afterwards, rows [0,0,1,1,1] keep the zero
    /// initial state for ticks 0 and 1; a linear RNN with bias 100 makes every unmasked tick change the state.
    @Test func maskFreezesStatesAndTrackedOutputs() throws {
        let seq = InputLayer(shape: [nil, 5, 2]), mask = InputLayer(shape: [nil, 5], name: "rnn mask [batch,tick]")
        let x = InputLayer(shape: [nil, 2]), prev = InputLayer(shape: [nil, 3])
        let hid = try DenseLayer(prev, numUnits: 3, b: .initializer(.constant(100)), nonlinearity: .linear, name: "rnn.hid_to_hid")
        let rnn = try sum([hid, linear(x, 3, bias: false, name: "rnn.input0_to_hid")], name: "rnn")
        let out = try DenseLayer(rnn, numUnits: 10, nonlinearity: .softmax)
        let rec = try Recurrence(inputSequences: [x: seq], trackedOutputs: [out], stateVariables: [rnn: prev], maskInput: mask)
        var m = [Float](repeating: 0, count: 20)
        for i in 0..<2 { for t in 0..<3 { m[i * 5 + t] = 1 } }
        for i in 2..<4 { for t in 2..<5 { m[i * 5 + t] = 1 } }
        let r = try run(try getOutput([rec[rnn], rec[out]]), [(seq.inputVar, Check.random([4, 5, 2])), (mask.inputVar, try Tensor(m, shape: [4, 5]))])
        let (h, o) = (r[0].scalars, r[1].scalars)
        #expect(r[0].shape == [4, 5, 3] && r[1].shape == [4, 5, 10])
        func changes(_ i: Int, _ t: Int) -> Bool { (0..<3).allSatisfy { h[(i * 5 + t + 1) * 3 + $0] != h[(i * 5 + t) * 3 + $0] } }
        func stays(_ i: Int, _ t: Int) -> Bool { (0..<3).allSatisfy { h[(i * 5 + t + 1) * 3 + $0] == h[(i * 5 + t) * 3 + $0] } }
        for i in 0..<2 { #expect(changes(i, 0) && changes(i, 1) && stays(i, 2) && stays(i, 3)) }
        for i in 2..<4 { #expect(stays(i, 0) && changes(i, 1) && changes(i, 2) && changes(i, 3)) }
        #expect(h[(2 * 5) * 3..<(2 * 5 + 2) * 3].allSatisfy { $0 == 0 })          // zero initial state kept
        #expect(o[(2 * 5) * 10..<(2 * 5 + 2) * 10].allSatisfy { $0 == 0 })        // tracked outputs start at zeros
        #expect(Array(o[(4 + 0) * 10..<(4 + 1) * 10]) == Array(o[(2 + 0) * 10..<(2 + 1) * 10]))  // row 0: tick 4 = tick 2
    }

    @Test func delayedStatesAreShiftedOneTick() throws {
        let seq = InputLayer(shape: [nil, 4, 3])
        let step = try RNNStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev], delayedStates: [step.h])
        let xs = Check.random([2, 4, 3])
        let got = try run([getOutput(rec[step.h])], [(seq.inputVar, xs)])[0].scalars
        let ref = step.reference(xs)
        let shifted = [Array(repeating: Array(repeating: 0.0, count: 4), count: 2)] + ref.dropLast()
        #expect(Check.same(got, StepRef.stacked(shifted), tol: 1e-5))
    }

    @Test func withoutOuterInputsTheBatchSizeIsNeeded() throws {
        let prev = InputLayer(shape: [nil, 1], name: "prev")
        let next = try connected(BiasLayer(inputShape: [nil, 1], b: .initializer(.constant(1)), name: "next"), [prev])
        #expect(Check.error { try Recurrence(stateVariables: [next: prev], nSteps: 3) }?.message.contains("batch_size must be given") == true)
        let rec = try Recurrence(stateVariables: [next: prev], nSteps: 3, batchSize: 2)
        #expect(try rec[next].outputShape == [2, 3, 1])
        #expect(try run([getOutput(rec[next])], [])[0].scalars == [1, 2, 3, 1, 2, 3])
        // a symbolic batch size must be computable from shapes when the function is compiled, e.g. another input's
        let v = Node.input("v", shape: [nil, 2])
        let symbolic = try Recurrence(stateVariables: [next: prev], nSteps: 2, batchSize: .symbolic(T.index(T.shape(v), 0)))
        #expect(symbolic.outputShape == [nil, 2, 1])
        #expect(try run([getOutput(symbolic[next])], [(v, Check.random([3, 2]))])[0].shape == [3, 2, 1])
        #expect(Check.error { try Recurrence(stateVariables: [next: prev], nSteps: 2, batchSize: .symbolic(v)) }?.message.contains("symbolic scalar") == true)
    }

    @Test func oneStepMatchesOneTickOfTheReference() throws {
        let seq = InputLayer(shape: [nil, 3, 3])
        let step = try RNNStep()
        let rec = try Recurrence(inputSequences: [step.x: seq], stateVariables: [step.h: step.hPrev])
        let x = Check.random([2, 1, 3]), h = Check.random([2, 4], seed: 1)
        let xs = try Tensor(x.scalars, shape: [2, 3])
        let expected = StepRef.stacked(step.reference(x, h0: StepRef.rows(h, 4)))
        let (states, outs) = try rec.oneStep(prevStates: [Node.constant(h)], currentInputs: [Node.constant(xs)])
        #expect(outs.isEmpty && states.count == 1)
        #expect(Check.same(try run(states, [])[0].scalars, expected, tol: 1e-5))
        let byLayer = try rec.oneStep(prevStates: [step.h: Node.constant(h)], currentInputs: [step.x: Node.constant(xs)])
        #expect(Check.same(try run(byLayer.newStates, [])[0].scalars, expected, tol: 1e-5))
        #expect(Check.error { try rec.oneStep(prevStates: [:], currentInputs: [step.x: Node.constant(xs)]) }?.message.contains("no previous value for state(s) NonlinearityLayer 'rnn'") == true)
        #expect(Check.error { try rec.oneStep(prevStates: [step.h: Node.constant(h)], currentInputs: [seq: Node.constant(xs)]) }?.message.contains("is not a registered input") == true)
        #expect(Check.error { try rec.oneStep(prevStates: [], currentInputs: []) }?.message.contains("got 0 previous states for 1 states") == true)
    }
}
