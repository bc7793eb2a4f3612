@testable import AgentNet
import AgentNetTestSupport
import Testing

/// V = [10..60], r = [1..6], gamma = 0.5 (reference §2.3).
private let values = Check.floats([10, 20, 30, 40, 50, 60], [1, 6])
private let rewards = Check.floats([1, 2, 3, 4, 5, 6], [1, 6])

private func reference(_ steps: NSteps, cropLast: Bool, alive: Tensor? = nil, truncated: Tensor? = nil) throws -> [Float] {
    var ins = [values, rewards]
    if let alive { ins.append(alive) }
    if let truncated { ins.append(truncated) }
    return try Check.eval1(ins) { i in
        try Generic.nStepValueReference(i[0], i[1], isAlive: alive == nil ? nil : i[2], nSteps: steps, gamma: 0.5, cropLast: cropLast,
                                        isTruncated: truncated == nil ? nil : i[ins.count - 1])
    }.scalars
}

@Suite struct ValueReferenceTests {
    @Test func workedExampleTable() throws {
        #expect(try reference(.whole, cropLast: true) == [5.4375, 8.875, 13.75, 21.5, 35, 60])
        #expect(try reference(.whole, cropLast: false) == [3.75, 5.5, 7, 8, 8, 6])
        #expect(try reference(.fixed(1), cropLast: true) == [11, 17, 23, 29, 35, 60])
        #expect(try reference(.fixed(1), cropLast: false) == [11, 17, 23, 29, 35, 6])
        #expect(try reference(.fixed(2), cropLast: true) == [11, 13.5, 23, 21.5, 35, 60])
        #expect(try reference(.fixed(2), cropLast: false) == [9.5, 17, 17.5, 29, 8, 6])
        #expect(try reference(.fixed(3), cropLast: true) == [9.5, 17, 13.75, 21.5, 35, 60])
        #expect(try reference(.fixed(4), cropLast: false) == [9.5, 17, 7, 8, 8, 6])
    }

    @Test func sessionEndsAreRewardOnly() throws {
        let alive = Check.floats([1, 1, 1, 0, 0, 0], [1, 6])
        let whole = try reference(.whole, cropLast: true, alive: alive), one = try reference(.fixed(1), cropLast: true, alive: alive)
        #expect([whole[0], whole[1], whole[2], whole[5]] == [2.75, 3.5, 3, 60])
        #expect([one[0], one[1], one[2], one[5]] == [11, 17, 3, 60])
    }

    @Test func truncationBootstrapsAndWinsOverAnEnd() throws {
        let alive = Check.floats([1, 1, 1, 0, 1, 1], [1, 6]), truncated = Check.floats([0, 0, 1, 0, 0, 0], [1, 6])
        let out = try reference(.whole, cropLast: true, alive: alive, truncated: truncated)
        let expected: [Float] = [7.75, 13.5, 23]  // 1 + 0.5·(2 + 0.5·23), 2 + 0.5·23, 3 + 0.5·V[3]
        #expect(Array(out.prefix(3)) == expected)
    }

    @Test func symbolicStepsMatchFixedSteps() throws {
        let v = Node.input("v", shape: [1, 6]), r = Node.input("r", shape: [1, 6]), n = Node.input("n", dtype: .int32, shape: [])
        let f = try Function(inputs: [v, r, n], outputs: [Generic.nStepValueReference(v, r, nSteps: .symbolic(n), gamma: 0.5)])
        for k in 1...4 {
            #expect(try f([values, rewards, Check.ints([Int32(k)], [])])[0].scalars == reference(.fixed(k), cropLast: true))
        }
        #expect(Check.error { try f([values, rewards, Check.ints([0], [])]) } != nil)
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let alive = Check.floats([1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [2, 7])
        let truncated = Check.floats([0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0], [2, 7])
        let gamma = Check.random([2, 7], seed: 9, positive: true)
        for (steps, crop) in [(NSteps.whole, true), (.fixed(2), false), (.fixed(3), true), (.fixed(1), false)] {
            let err = try Check.gradientError([Check.random([2, 7], seed: 1), Check.random([2, 7], seed: 2), Check.random([2, 1], seed: 3)]) { x in
                try Check.probe(Generic.nStepValueReference(x[0], x[1], isAlive: .constant(alive), nSteps: steps, gamma: Node.constant(gamma),
                                                            cropLast: crop, stateValuesAfterEnd: x[2], isTruncated: .constant(truncated)))
            }
            #expect(err < 2e-3)
        }
    }

    @Test func wrongRanksThrow() throws {
        let m = Node.input("m", shape: [nil, nil]), v = Node.input("v", shape: [nil])
        #expect(Check.error { try Generic.nStepValueReference(v, m) }?.kind == .shape)
        #expect(Check.error { try Generic.nStepValueReference(m, v) }?.kind == .shape)
        #expect(Check.error { try Generic.nStepValueReference(m, m, nSteps: .fixed(0)) } != nil)
    }
}

/// Q = [[1,2],[3,4],[5,6],[7,8]], a = [0,1,0,1], r = 1, gamma = 0.5 (reference §2.5-2.7).
private let q = Check.floats([1, 2, 3, 4, 5, 6, 7, 8], [1, 4, 2])
private let actions = Check.ints([0, 1, 0, 1], [1, 4])
private let ones = Check.floats([1, 1, 1, 1], [1, 4])

@Suite struct ObjectiveTests {
    @Test func qlearningAndSarsa() throws {
        let out = try Check.eval([q, actions, ones]) { i in
            [try QLearning.elementwiseObjective(qvalues: i[0], actions: i[1], rewards: i[2], gamma: 0.5, returnReference: true),
             try QLearning.elementwiseObjective(qvalues: i[0], actions: i[1], rewards: i[2], nSteps: .fixed(2), gamma: 0.5, returnReference: true),
             try QLearning.elementwiseObjective(qvalues: i[0], actions: i[1], rewards: i[2], nSteps: .whole, gamma: 0.5, returnReference: true),
             try QLearning.elementwiseObjective(qvalues: i[0], actions: i[1], rewards: i[2], gamma: 0.5),
             try SARSA.elementwiseObjective(qvalues: i[0], actions: i[1], rewards: i[2], gamma: 0.5, returnReference: true)]
        }
        let expected: [[Float]] = [[3, 4, 5, 8], [3, 3.5, 5, 8], [2.75, 3.5, 5, 8], [4, 0, 0, 0], [3, 3.5, 5, 8]]
        #expect(out.map(\.scalars) == expected)
    }

    @Test func advantageActorCritic() throws {
        let pi = Check.floats([0.5, 0.5, 0.25, 0.75, 0.9, 0.1, 0.5, 0.5], [1, 4, 2]), v = Check.floats([1, 2, 3, 4], [1, 4])
        let out = try Check.eval([pi, v, actions, ones]) { i in
            let (actor, critic) = try A2C.elementwiseObjectives(policy: i[0], stateValues: i[1], actions: i[2], rewards: i[3], gamma: 0.5)
            let whole = try A2C.elementwiseObjectives(policy: i[0], stateValues: i[1], actions: i[2], rewards: i[3], nSteps: .whole, gamma: 0.5)
            return [actor, critic, whole.actor, whole.critic]
        }
        #expect(Check.same(out[0].scalars, [0.6931, 0.1438, 0, 0], tol: 1e-4))
        #expect(out[1].scalars == [1, 0.25, 0, 0])
        #expect(Check.same(out[2].scalars, [0.8664, 0.1438, 0, 0], tol: 1e-4))
        #expect(out[3].scalars == [1.5625, 0.25, 0, 0])
    }

    @Test func reinforceAndDPG() throws {
        let logpi = Check.floats([-1, -1, -1, -1, -1, -1], [1, 6]), a = Check.ints([0, 0, 0, 0, 0, 0], [1, 6])
        let g = try Check.eval1([logpi, a, rewards]) { i in
            try Reinforce.elementwiseObjective(policy: i[0], actions: i[1], rewards: i[2], gamma: 0.5, treatPolicyAsLogpolicy: true)
        }
        #expect(g.scalars == [3.5625, 5.125, 6.25, 6.5, 5, 0])
        let qa = Check.floats([1, 4, 5, 8], [1, 4]), v = Check.floats([2, 4, 6, 8], [1, 4])
        let loss = try Check.eval1([qa, v, ones]) { i in
            try DPG.elementwiseObjectiveCritic(actionQvalues: i[0], stateValues: i[1], rewards: i[2], gamma: 0.5)
        }
        #expect(loss.scalars == [4, 0, 0, 0])
    }

    @Test func constantReferenceGetsNoGradient() throws {
        let q0 = Check.distinct([2, 5, 3]), a = Check.ints([0, 2, 1, 1, 0, 2, 2, 0, 1, 0], [2, 5]), r = Check.random([2, 5], seed: 4)
        // With a constant reference, the gradient equals that of (ref - Qa)^2 with ref frozen at its value.
        let ref = try Function(inputs: [], outputs: [QLearning.elementwiseObjective(
            qvalues: .constant(q0), actions: .constant(a), rewards: .constant(r), nSteps: .fixed(2), returnReference: true)])([])[0]
        let x = Node.input("q", shape: [2, 5, 3])
        let constant = try T.sum(QLearning.elementwiseObjective(qvalues: x, actions: .constant(a), rewards: .constant(r), nSteps: .fixed(2)))
        let frozen = try T.sum(T.square(T.sub(Node.constant(ref), Generic.valuesForActions(x, .constant(a)))))
        let free = try T.sum(QLearning.elementwiseObjective(qvalues: x, actions: .constant(a), rewards: .constant(r), nSteps: .fixed(2),
                                                            considerReferenceConstant: false))
        let f = try Function(inputs: [x], outputs: [grad(constant, wrt: [x])[0], grad(frozen, wrt: [x])[0], grad(free, wrt: [x])[0]])
        let out = try f([q0])
        #expect(Check.same(out[0].scalars, out[1].scalars))
        #expect(!Check.same(out[0].scalars, out[2].scalars))
        let err = try Check.gradientError([q0]) { i in
            try T.sum(QLearning.elementwiseObjective(qvalues: i[0], actions: .constant(a), rewards: .constant(r), nSteps: .fixed(2),
                                                     considerReferenceConstant: false))
        }
        #expect(err < 2e-3)
    }

    @Test func registryValidatesNamedInputs() throws {
        let m = Node.input("m", shape: [nil, nil]), q3 = Node.input("q", shape: [nil, nil, nil]), a = Node.input("a", dtype: .int32, shape: [nil, nil])
        let ok = try LearningRegistry.objective("qlearning", JSON.parse(#"{"inputs": ["qvalues", "actions", "rewards"], "n_steps": 3}"#), [q3, a, m])
        #expect(ok.count == 1)
        let terms = try LearningRegistry.objective("qlearning", JSON.parse(#"{"inputs": ["qvalues", "actions", "rewards"], "loss_function": null}"#), [q3, a, m])
        #expect(terms.count == 2)
        #expect(Check.error { try LearningRegistry.objective("qlearning", JSON.parse(#"{"inputs": ["qvalues", "actions"]}"#), [q3, a]) } != nil)
        #expect(Check.error { try LearningRegistry.objective("qlearning", JSON.parse(#"{"inputs": ["qvalues", "qvalues", "rewards"]}"#), [q3, q3, m]) } != nil)
        #expect(Check.error { try LearningRegistry.objective("qlearning", JSON.parse(#"{"inputs": ["qvalues", "actions", "bogus"]}"#), [q3, a, m]) } != nil)
        #expect(Check.error { try LearningRegistry.objective("nope", JSON.parse("{}"), []) } != nil)
        #expect(Check.error { try LearningRegistry.objective("qlearning", JSON.parse(#"{"inputs": ["qvalues", "actions", "rewards"], "n_steps": 0}"#), [q3, a, m]) } != nil)
    }
}
