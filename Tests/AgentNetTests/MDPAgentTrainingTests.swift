@testable import AgentNet
import AgentNetTestSupport
import Testing

/// The seed's tutorial agent trained from Swift alone: BooleanReasoning, an RNNCell(64) memory, Q-values from a
/// dense layer, epsilon-greedy actions; sessions played inside the compiled training step (active mode), n-step
/// Q-learning, Adam. The best policy earns 3 per session; the seed's convergence bar is a greedy mean above 2.
@Suite struct MDPAgentTrainingTests {
    struct Tutorial {
        let env: BooleanReasoningEnvironment
        let epsilon = SharedValue(try! Tensor([0.25] as [Float], shape: []), name: "epsilon")
        let agent: MDPAgent
        let train: Function
        let evaluate: Function

        /// `initial` replaces the initial weights (other tests draw from the shared initializer generator in
        /// parallel, so only given weights make two runs comparable).
        init(seed: UInt64, nSteps: Int, sessionLength: Int = 10, initial: [Tensor]? = nil) throws {
            env = try BooleanReasoningEnvironment(seed: seed, batchSize: 10)
            let obs = InputLayer(shape: [nil, 8], name: "obs"), prevH = InputLayer(shape: [nil, 64], name: "prev_h")
            let h = try RNNCell(prevState: prevH, inputs: [obs], name: "rnn")
            let q = try DenseLayer(h, numUnits: 6, nonlinearity: .linear, name: "q")
            let act = try EpsilonGreedyResolver(q, epsilon: .shared(epsilon), seed: seed + 1)
            agent = try MDPAgent(observationLayers: [obs], agentStates: [h: prevH], policyEstimators: [q], actionLayers: [act])
            let s = try agent.getSessions(.active(env), sessionLength: sessionLength)
            let rewards = try env.rewardSequences(states: s.envStates[0], actions: s.actions[0])
            let alive = try env.whetherAlive(observations: s.observations[0])
            let loss = try T.mean(QLearning.elementwiseObjective(qvalues: s.policy[0], actions: s.actions[0], rewards: rewards,
                                                                  isAlive: alive, nSteps: .fixed(nSteps), gamma: 0.99))
            let meanReturn = try T.mean(T.sum(rewards, axes: [1]))
            let params = try agent.allParams(tags: ["trainable": true]).map { $0.value! }
            if let initial { for (p, v) in zip(params, initial) { try p.set(v) } }
            train = try Function(inputs: [], outputs: [loss, meanReturn],
                                 updates: try Updates.adam(.loss(loss), params: params, learningRate: 0.01).pairs)
            evaluate = try Function(inputs: [], outputs: [meanReturn])
        }

        /// Mean session reward of the greedy policy on `n` new sessions.
        func greedyReturn(sessions n: Int = 200) throws -> Float {
            let kept = epsilon.value
            try epsilon.set(try Tensor([0] as [Float], shape: []))
            defer { try? epsilon.set(kept) }
            try env.generateNewDataBatch(batchSize: n)
            return try evaluate([])[0].scalars[0]
        }

        /// Trains until the greedy mean exceeds 2 (checked every 100 epochs); the epoch it did, or nil.
        func trainUntilSolved(maxEpochs: Int) throws -> Int? {
            for epoch in 1...maxEpochs {
                try env.generateNewDataBatch(batchSize: 10)
                let out = try train([])
                #expect(out[0].scalars[0].isFinite)
                if epoch % 100 == 0, try greedyReturn() > 2 { return epoch }
            }
            return nil
        }
    }

    @Test(arguments: [1, 3])
    func booleanReasoningAgentLearnsFromSwiftAlone(nSteps: Int) throws {
        let tutorial = try Tutorial(seed: 17, nSteps: nSteps)
        let before = try tutorial.greedyReturn()
        let solvedAt = try tutorial.trainUntilSolved(maxEpochs: 5000)
        #expect(before < 2)
        let final = try tutorial.greedyReturn()
        #expect(solvedAt != nil, "greedy reward stayed at \(final) after 5000 epochs")
        print("BooleanReasoning (Swift, \(nSteps)-step Q-learning): greedy mean > 2 at epoch \(solvedAt ?? -1)")
    }

    @Test func seededTrainingIsReproducible() throws {
        let weights = try Tutorial(seed: 5, nSteps: 1).agent.allParams(tags: ["trainable": true]).map { $0.value!.value }
        func run() throws -> [Float] {
            let t = try Tutorial(seed: 5, nSteps: 1, initial: weights)
            return try (0..<20).map { _ in
                try t.env.generateNewDataBatch(batchSize: 10)
                return try t.train([])[0].scalars[0]
            }
        }
        #expect(try run() == run())
    }
}
