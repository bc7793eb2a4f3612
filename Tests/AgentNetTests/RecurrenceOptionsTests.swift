import AgentNet
import AgentNetTestSupport
import Testing

/// get_output options inside a Recurrence: random layers draw per tick, `deterministic` and `recurrence_flags`
/// reach the one-tick layers; and a Recurrence nested inside another.
@Suite struct RecurrenceOptionsTests {
    init() { Initializer.rng.reseed(5) }

    @Test func dropoutDrawsPerTickAndRecurrenceFlagsReachTheOneTickLayers() throws {
        let prev = InputLayer(shape: [nil, 50], name: "prev")
        let zeroed = try connected(ScaleLayer(inputShape: [nil, 50], scales: .initializer(.constant(0))), [prev])
        let ones = try connected(BiasLayer(inputShape: [nil, 50], b: .initializer(.constant(1))), [zeroed])
        let drop = try connected(DropoutLayer(inputShape: [nil, 50], p: .constant(0.5), seed: 9, name: "drop"), [ones])
        let rec = try Recurrence(stateVariables: [drop: prev], nSteps: 3, batchSize: 2)
        let f = try Function(inputs: [], outputs: [try getOutput(rec[drop])])
        let a = try f([])[0].scalars, b = try f([])[0].scalars
        #expect(a != b)                                      // the generator advances between calls
        #expect(Array(a[0..<50]) != Array(a[50..<100]))      // each tick draws its own mask
        let det = try getOutput(rec[drop], options: LayerOptions(deterministic: true))
        #expect(try run([det], [])[0].scalars.allSatisfy { $0 == 1 })
        let flagged = try getOutput(rec[drop], options: LayerOptions(json: .object(["recurrence_flags": .object(["deterministic": .bool(true)])])))
        #expect(try run([flagged], [])[0].scalars.allSatisfy { $0 == 1 })
        #expect(Check.error { try getOutput(rec[drop], options: LayerOptions(json: .object(["recurrence_flags": .number(1)]))) }?.message.contains("must be a dict") == true)
    }

    /// An inner Recurrence over a per-tick sub-sequence, inside an outer Recurrence over ticks.
    @Test func nestedRecurrence() throws {
        let outerSeq = InputLayer(shape: [nil, 3, 2, 3], name: "outer_seq"), subSeq = InputLayer(shape: [nil, 2, 3], name: "sub_seq")
        let step = try RNNStep()
        let inner = try Recurrence(inputSequences: [step.x: subSeq], stateVariables: [step.h: step.hPrev], name: "inner")
        let last = try connected(SliceLayer(inputShape: [nil, 2, 4], indices: .index(-1), axis: 1, name: "last"), [try inner[step.h]])
        let accPrev = InputLayer(shape: [nil, 4], name: "acc_prev")
        let acc = try sum([accPrev, last], name: "acc")
        let outer = try Recurrence(inputSequences: [subSeq: outerSeq], stateVariables: [acc: accPrev], name: "outer")
        #expect(outer.params.map(\.node) == inner.params.map(\.node))
        let xs = Check.random([2, 3, 2, 3])
        let got = try run([getOutput(outer[acc])], [(outerSeq.inputVar, xs)])[0]
        var total = Array(repeating: Array(repeating: 0.0, count: 4), count: 2), ref: [[[Double]]] = []
        for t in 0..<3 {
            var values: [Float] = []
            for i in 0..<2 {
                let start = (i * 3 + t) * 6
                values += xs.scalars[start..<(start + 6)]
            }
            let sub = try Tensor(values, shape: [2, 2, 3])
            total = StepRef.add(total, step.reference(sub)[1])
            ref.append(total)
        }
        #expect(Check.same(got.scalars, StepRef.stacked(ref), tol: 1e-5))
    }
}
