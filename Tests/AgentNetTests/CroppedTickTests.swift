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
        let tail = try slice(1, nil)
        #expect(tail.op is ConcatOp && tail.inputs == [b, c])
        // Not on part boundaries, with a step, or indexing another axis: an ordinary slice.
        #expect(try slice(0, 2).op is SliceOp)
        #expect(try Node.make(SliceOp(items: [.range(start: nil, stop: nil, step: 1), .range(start: nil, stop: nil, step: 2)]), [x]).op is SliceOp)
        #expect(try Node.make(SliceOp(items: [.range(start: 0, stop: 1, step: 1), .range(start: nil, stop: 1, step: 1)]), [x]).op is SliceOp)
        // The value is the same either way.
        let values = [Check.random([2, 1, 3], seed: 1), Check.random([2, 2, 3], seed: 2), Check.random([2, 1, 3], seed: 3)]
        let f = try Function(inputs: [a, b, c], outputs: [try slice(1, nil), try slice(0, 2)])
        let out = try f(values)
        /// Row `i` of value `k`, elements `from..<to`.
        func row(_ k: Int, _ i: Int, _ from: Int, _ to: Int) -> [Float] {
            let width = values[k].shape[1] * 3
            return Array(values[k].scalars[(width * i + from)..<(width * i + to)])
        }
        let bc: [Float] = row(1, 0, 0, 6) + row(2, 0, 0, 3) + row(1, 1, 0, 6) + row(2, 1, 0, 3)
        let ab: [Float] = row(0, 0, 0, 3) + row(1, 0, 0, 3) + row(0, 1, 0, 3) + row(1, 1, 0, 3)
        #expect(out[0].scalars == bc)
        #expect(out[1].scalars == ab)
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
        /// The loss and its gradients; the reference (which reads the last tick's Q(s, a)) apart.
        let f: Function, referenceFunction: Function

        init(ticks: Int, dynamicTicks: Bool = false) throws {
            func agent(_ seed: UInt64) throws -> MDPAgent {
                let obs = InputLayer(shape: [nil, 4], name: "obs")
                let h = try DenseLayer(obs, numUnits: 8, nonlinearity: .rectify, name: "h")
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
            let loss = try T.sum(QLearning.elementwiseObjective(qvalues: qs, actions: actions, rewards: rewards, isAlive: alive,
                                                            qvaluesTarget: qt, gamma: 0.9, lossFunction: { try Objectives.huberLoss($0, $1) }))
            let reference = try QLearning.elementwiseObjective(qvalues: qs, actions: actions, rewards: rewards, isAlive: alive,
                                                           qvaluesTarget: qt, gamma: 0.9, returnReference: true)
            f = try Function(inputs: [], outputs: [loss] + grad(loss, wrt: params.map(\.node)))
            referenceFunction = try Function(inputs: [], outputs: [reference])
        }

        /// Rows of the forward products (dense layers with their bias) the plan runs, in all.
        func forwardRows() throws -> Int {
            try f.plan(for: []).kernelNames.filter { $0.hasPrefix("dot+bias") }.compactMap { name in
                name.split(separator: "(").last.flatMap { Int($0.split(separator: ",")[0]) }
            }.reduce(0, +)
        }
    }

    @Test(arguments: [2, 5])
    func qLearningOnReplayComputesOnlyTheTicksItReads(ticks: Int) throws {
        let split = try Replayed(ticks: ticks), whole = try Replayed(ticks: ticks, dynamicTicks: true)
        let a = try split.f([]) + split.referenceFunction([]), b = try whole.f([]) + whole.referenceFunction([])
        for (x, y) in zip(a, b) { #expect(Check.same(x.scalars, y.scalars)) }
        // Two layers per network: the online one on ticks 0..T-2 and the target on 1..T-1 (3 sessions each); the
        // unsplit path runs both on all T ticks.
        #expect(try split.forwardRows() == 2 * 2 * 3 * (ticks - 1))
        #expect(try whole.forwardRows() == 2 * 2 * 3 * ticks)
    }
}
