import AgentNet
import AgentNetTestSupport
import Testing

/// GRUMemoryLayer (Sources/AgentNet/Memory/GRUMemoryLayer.swift): forward against the float64 reference of
/// MemoryCellReference.swift (50 ticks, gate nonlinearities), finite-difference gradients, and the parameter names and
/// defaults python/tests/test_memory_cells.py expects.
@Suite final class GRUMemoryLayerTests: CellSuite {
    // MARK: forward

    @Test func gruMemoryLayerMatchesTheReferenceOver50Ticks() throws {
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x2, prevStateInput: h)
        let P = try CellTest.randomize(layer)
        #expect(layer.gradClipping == 5 && layer.outputShape == [nil, 4])
        let r = try CellTest.rollout(compiled([h, x2], [layer]), initial: [CellRef.zeros(3, 4)], inputs: { [CellTest.tickInputs($0)[1]] }) { s, xs in
            [CellRef.gruMemory(P, prefix: GRUMemoryLayer.defaultName, h: s[0], x: xs[0])]
        }
        #expect(r.diff < 2e-6 && r.scale > 0.3, "diff \(r.diff), scale \(r.scale)")
    }

    @Test func gruMemoryLayerGateNonlinearitiesMatchTheReference() throws {
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x1, prevStateInput: h, resetgate: Gate(nonlinearity: .tanh),
                                       updategate: Gate(nonlinearity: .sigmoid), hiddenUpdate: Gate(nonlinearity: .linear), gradClipping: 0, name: "m")
        let P = try CellTest.randomize(layer)
        let got = try oneTick(layer, [hv, xs[0]])[0]
        #expect(CellRef.maxDiff(got.scalars, CellRef.gruMemory(P, prefix: "m", h: CellRef.mat(hv), x: CellRef.mat(xs[0]), f: [.tanh, .sigmoid, .linear])) < 2e-6)
    }

    // MARK: gradients

    @Test func gruMemoryLayerGradients() throws {
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x2, prevStateInput: h, gradClipping: 0)
        try CellTest.randomize(layer)
        let r = try CellTest.gradientError(layer, [Check.random([2, 4], seed: 7), CellTest.tickInputs(0, batch: 2)[1]])
        #expect(r.error < 5e-4 && r.count == 8 + 12 + 3 * (24 + 16 + 4), "\(r)")
    }

    // MARK: names and defaults

    @Test func gruMemoryLayerNamesAndDefaults() throws {
        let x = InputLayer(shape: [nil, 3])
        let layer = try GRUMemoryLayer(numUnits: 4, observationInput: x, prevStateInput: h)
        let prefix = "YetAnotherGRUMemoryLayer."
        #expect(layer.params.map(\.name) == GRUMemoryLayer.gates.flatMap { g in ["W_in_to_\(g)", "W_hid_to_\(g)", "b_\(g)"].map { prefix + $0 } })
        #expect(try names([layer], ["regularizable": false]) == GRUMemoryLayer.gates.map { prefix + "b_" + $0 })
        #expect(try countParams([layer]) == 3 * (12 + 16 + 4))
        let w = CellTest.params(layer)[prefix + "W_in_to_resetgate"]!.joined().map { $0 * $0 }.reduce(0, +) / 12
        #expect(w.squareRoot() > 0.03 && w.squareRoot() < 0.25)   // Gate's Normal(0.1)
        #expect(Check.error { try GRUMemoryLayer(numUnits: 5, observationInput: x, prevStateInput: h) }?.message.contains("num_units=5") == true)
    }
}
