import AgentNet
import AgentNetTestSupport
import Glibc
import Testing

/// GateLayer (Sources/AgentNet/Memory/GateLayer.swift): forward against the float64 reference of
/// MemoryCellReference.swift (unit and layer channels, one channel without bias), finite-difference gradients, and the
/// parameter names and order python/tests/test_memory_gate.py expects.
@Suite final class GateLayerTests: CellSuite {
    // MARK: forward

    @Test func gateLayerIntAndLayerChannelsMatchTheReference() throws {
        let v = InputLayer(shape: [nil, 5], name: "v")
        let gate = try GateLayer(gateControllers: [h, x2], channels: [.units(3), .layer(v)], gateNonlinearities: [.tanh, .linear],
                                 biasInit: [.initializer(.constant(0)), .initializer(.constant(0))], channelNames: ["a", nil], name: "g")
        let P = try CellTest.randomize(gate)
        #expect(gate.keys == ["ga", "gv"] && gate.outputShapes == [[nil, 3], [nil, 5]])
        let vv = Check.random([3, 5], seed: 9)
        let got = try oneTick(gate, [vv, hv, xs[1]])
        let ctrls: [(name: String, x: CellMat)] = [("h", CellRef.mat(hv)), ("x2", CellRef.mat(xs[1]))]
        #expect(CellRef.maxDiff(got[0].scalars, CellRef.gate(P, prefix: "g.", ctrls: ctrls, channel: "a", width: 3, f: .tanh)) < 2e-6)
        #expect(CellRef.maxDiff(got[1].scalars, CellRef.gate(P, prefix: "g.", ctrls: ctrls, channel: "v", width: 5, f: .linear, layer: CellRef.mat(vv))) < 2e-6)
        // the one-output layers by key
        let byKey = try compiled([v, h, x2], [gate["ga"], gate["gv"]])([vv, hv, xs[1]])
        #expect(byKey.map(\.scalars) == got.map(\.scalars))
    }

    @Test func gateLayerSingleChannelWithoutBiasFlattensTheLayerChannel() throws {
        let v = InputLayer(shape: [nil, 2, 2], name: "v")
        let gate = try GateLayer(gateControllers: [h], channels: [.layer(v)], biasInit: [nil])
        #expect(gate.keys == ["v"] && gate.outputShape == [nil, 4] && gate.params.map(\.name) == ["W_h_v"])
        let P = try CellTest.randomize(gate)
        let vv = Check.random([3, 2, 2], seed: 9)
        let got = try oneTick(gate, [vv, hv])[0]
        #expect(got.shape == [3, 4])
        #expect(CellRef.maxDiff(got.scalars, CellRef.gate(P, prefix: "", ctrls: [("h", CellRef.mat(hv))], channel: "v", width: 4, f: .sigmoid, layer: CellRef.mat(vv))) < 1e-6)
    }

    // MARK: gradients

    @Test func gateLayerGradients() throws {
        let v = InputLayer(shape: [nil, 5], name: "v")
        let gate = try GateLayer(gateControllers: [h, x2], channels: [.units(3), .layer(v)], gateNonlinearities: [.tanh, .sigmoid], name: "g")
        try CellTest.randomize(gate)
        let r = try CellTest.gradientError(gate, [Check.random([2, 5], seed: 9), Check.random([2, 4], seed: 7), CellTest.tickInputs(0, batch: 2)[1]])
        #expect(r.error < 5e-4 && r.count == 10 + 8 + 12 + (3 + 12 + 18) + (5 + 20 + 30), "\(r)")
    }

    // MARK: names and order

    @Test func gateLayerNamesAndOrder() throws {
        let v = InputLayer(shape: [nil, 5], name: "v")
        let gate = try GateLayer(gateControllers: [h, InputLayer(shape: [nil, 2, 3])], channels: [.units(3), .layer(v)], channelNames: ["a", nil], name: "g")
        #expect(try names([gate["ga"]]) == ["g.b_a", "g.W_h_a", "g.W_ctrl1_a", "g.b_v", "g.W_h_v", "g.W_ctrl1_v"])
        #expect(try names([gate], ["regularizable": false]) == ["g.b_a", "g.b_v"])
        let auto = try GateLayer(gateControllers: [InputLayer(shape: [nil, 2])], channels: [.units(1), .units(2)],
                                 biasInit: [.initializer(.constant(3)), nil], weightInit: [[.initializer(.constant(1))], [.initializer(.constant(2))]])
        #expect(auto.params.map(\.name) == ["b_gate0", "W_ctrl0_gate0", "W_ctrl0_gate1"] && auto.keys == ["gate0", "gate1"])
        let out = try oneTick(auto, [Check.floats([1, 1], [1, 2])])
        #expect(Check.same(out[0].scalars, [1 / (1 + exp(-5))], tol: 1e-6) && Check.same(out[1].scalars, [1 / (1 + exp(-4)), 1 / (1 + exp(-4))], tol: 1e-6))
    }
}
