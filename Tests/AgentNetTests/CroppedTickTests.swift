@testable import AgentNet
import AgentNetTestSupport
import Testing

/// The work of ticks an objective drops is not done: slices of a concatenation that take whole parts are those
/// parts (SliceOp.partsOfConcatenation), replay of a memoryless agent comes in per-tick parts, and Q-learning with
/// cropLast reads the online values without the last tick and the target's without the first.
@Suite struct CroppedTickTests {
    @Test func slicesOfWholePartsAreThoseParts() throws {
        let a = Node.input("a", shape: [nil, 1, 3]), b = Node.input("b", shape: [nil, 2, 3]), c = Node.input("c", shape: [nil, 1, 3])
        let x = try T.concatenate([a, b, c], axis: 1)
        func slice(_ start: Int?, _ stop: Int?) throws -> Node {
            try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: start, stop: stop, step: 1)]), [x])
        }
        #expect(try slice(nil, 1) === a)
        #expect(try slice(1, -1) === b)
        #expect(try slice(-1, nil) === c)
        let bc = try slice(1, nil)
        #expect(bc.op is ConcatOp && bc.inputs == [b, c])
        // Not on part boundaries, with a step, or indexing another axis: an ordinary slice.
        #expect(try slice(0, 2).op is SliceOp)
        #expect(try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: nil, stop: nil, step: 2)]), [x]).op is SliceOp)
        #expect(try Node.make(SliceOp(items: [.range(start: 0, stop: 1, step: 1), .range(start: nil, stop: 1, step: 1)]), [x]).op is SliceOp)
        // The value is the same either way.
        let values = [Check.random([2, 1, 3], seed: 1), Check.random([2, 2, 3], seed: 2), Check.random([2, 1, 3], seed: 3)]
        let f = try Function(inputs: [a, b, c], outputs: [try slice(1, nil), try slice(0, 2)])
        let out = try f(values)
        #expect(out[0].scalars == (0..<2).flatMap { i in Array(values[1].scalars[(6 * i)..<(6 * i + 6)]) + Array(values[2].scalars[(3 * i)..<(3 * i + 3)]) })
        #expect(out[1].scalars == (0..<2).flatMap { i in Array(values[0].scalars[(3 * i)..<(3 * i + 3)]) + Array(values[1].scalars[(6 * i)..<(6 * i + 3)]) })
    }

    @Test func stackedShapesKeepTheirConstantEntries() throws {
        let x = Node.input("x", shape: [nil, 6])
        let batch = try T.index(T.shape(x), 0)
        #expect(try T.reshape(x, T.stackInts([batch, Node.intScalar(2), Node.intScalar(3)])).shape == [nil, 2, 3])
        #expect(try T.alloc(Float(0), T.stackInts([batch, Node.intScalar(1)])).shape == [nil, 1])
    }

    /// A memoryless Q-network agent (4 → 8 relu → 2) replaying `[3, ticks]` recorded sessions, and a second network
    /// of the same shape as its target; the Q-learning loss, its gradients, and the compiled plan's kernel names.
    struct Replayed {
        let loss: Node, reference: Node, grads: [Node]
        let f: Function

        init(ticks: Int, dynamicTicks: Bool = false) throws {
            func agent(_ seed: UInt64) throws -> MDPAgent {
                let obs = InputLayer(shape: [nil, 4], name: "obs")
                let h = try DenseLayer(obs, numUnits: 8, nonlinearity: .relu, name: "h")
                let q = try DenseLayer(h, numUnits: 2, nonlinearity: .linear, name: "q")
                let a = try MDPAgent(observationLayers: [obs], policyEstimators: [q],
                                     actionLayers: [try connected(BaseResolver(policyShape: q.outputShape, name: "greedy"), q)])
                for (k, p) in try a.allParams().enumerated() { try p.value!.set(Check.random(p.value!.shape, seed: seed * 10 + UInt64(k))) }
                return a
            }
            let online = try agent(1), target = try agent(2)
            let params = try online.allParams(tags: ["trainable": true]).map { $0.value! }
            let observations = Node.constant(Check.random([3, ticks, 4], seed: 7))
            let actions = Node.constant(try Tensor((0..<(3 * ticks)).map { Int32(($0 * 7) % 2) }, shape: [3, ticks]))
            let rewards = Node.constant(Check.random([3, ticks], seed: 8))
            let alive = Node.constant(try Tensor((0..<(3 * ticks)).map { Float($0 % 5 == 4 ? 0 : 1) }, shape: [3, ticks]))
            let batch = try SessionBatchEnvironment(observations: [observations], singleObservationShapes: [[4]], actions: [actions])
            var qs = try online.getSessions(.replay(batch), sessionLength: ticks, experienceReplay: true).policy[0]
            var qt = try target.getSessions(.replay(batch), sessionLength: ticks, experienceReplay: true).policy[0]
            if dynamicTicks {  // hides the tick count, so Q-learning takes its unsplit path
                qs = try T.reshape(qs, T.shape(qs))
                qt = try T.reshape(qt, T.shape(qt))
            }
            loss = try T.sum(QLearning.elementwiseObjective(qvalues: qs, actions: actions, rewards: rewards, isAlive: alive,
                                                            qvaluesTarget: qt, gamma: 0.9, lossFunction: { try Objectives.huberLoss($0, $1) }))
            reference = try QLearning.elementwiseObjective(qvalues: qs, actions: actions, rewards: rewards, isAlive: alive,
                                                           qvaluesTarget: qt, gamma: 0.9, returnReference: true)
            grads = try grad(loss, wrt: params.map(\.node))
            f = try Function(inputs: [], outputs: [loss, reference] + grads)
        }

        /// Row counts of the products the plan runs.
        func productRows() throws -> [Int] {
            try f.plan(for: []).kernelNames.filter { $0.hasPrefix("dot") }.compactMap { name in
                name.split(separator: "(").last.flatMap { Int($0.split(separator: ",")[0]) }
            }
        }
    }

    @Test(arguments: [2, 5])
    func qLearningOnReplayComputesOnlyTheTicksItReads(ticks: Int) throws {
        let split = try Replayed(ticks: ticks), whole = try Replayed(ticks: ticks, dynamicTicks: true)
        let a = try split.f([]), b = try whole.f([])
        for (x, y) in zip(a, b) { #expect(Check.same(x.scalars, y.scalars)) }
        // Forward products of the online network on ticks 0..T-2 and of the target on 1..T-1, never both on
        // all T ticks (3 sessions x T rows); the unsplit path runs both networks on all 3·T rows.
        let rows = try split.productRows()
        #expect(!rows.contains(3 * ticks))
        #expect(try whole.productRows().contains(3 * ticks))
    }
}
