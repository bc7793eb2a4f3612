@testable import AgentNet
import AgentNetTestSupport
import Testing

// An agent playing a native env inside one compiled function (MDPAgent+Native.swift): the sessions against the
// same env stepped directly with the actions the agent took, the EnvPool alive/truncation pattern by hand, memory
// zeroed on reset ticks and continued across calls, seeds, repeated runs, and the errors.

/// One tick as the sessions should record it: what the agent saw, then the reward and flags of its action.
private struct Tick: Equatable {
    var seen: [Float], rewards: [Float], alive: [Float], truncated: [Float]
}

extension Tick {
    /// The tick as the env stepped directly gave it.
    init(_ d: DirectTick) {
        self.init(seen: d.before, rewards: d.rewards, alive: d.alive.map { Float($0) }, truncated: d.truncated.map { Float($0) })
    }
}

/// Row-major `[batch, tick, width]` values: tick `t` of every session, `[batch, width]` flattened.
private func tick(_ x: Tensor, _ t: Int) -> [Float] {
    let b = x.shape[0], ticks = x.shape[1], width = x.count / (b * ticks), v = x.scalars
    var out: [Float] = []
    for i in 0..<b {
        let start = (i * ticks + t) * width
        out += v[start..<(start + width)]
    }
    return out
}

/// A scripted agent for `numEnvs` sub-envs: a tick counter is its memory (zeroed on reset ticks, so it counts the
/// ticks of the current episode), and the action of sub-env `b` is `table[b, counter before the tick]`.
private struct CountingAgent {
    let obs: InputLayer
    let prevTick = try! InputLayer(shape: [nil], inputVar: Node.input("prev_tick", dtype: .int32, shape: [nil]), name: "prev_tick")
    let tick: CounterLayer
    let agent: MDPAgent

    init(observationSize: Int, table: Tensor, period: Int? = nil) throws {
        obs = InputLayer(shape: [nil, observationSize], name: "obs")
        tick = try CounterLayer(prevCounter: prevTick, k: period, name: "tick")
        let q = try DenseLayer(obs, numUnits: 2, nonlinearity: .linear, name: "q")
        agent = try MDPAgent(observationLayers: [obs], agentStates: [tick: prevTick], policyEstimators: [q],
                             actionLayers: [ScriptedActions(counter: prevTick, table: table)])
    }
}

/// The greedy resolver over `q`.
private func greedy(_ q: Layer) throws -> Layer {
    let r = try BaseResolver(policyShape: q.outputShape, name: "greedy")
    try r.setIncoming([q])
    return r
}

/// The compiled play: outputs rewards, alive, truncated, observations, memory, actions; updates continue the memory.
private func play(_ agent: MDPAgent, _ env: NativeEnvironment, ticks: Int) throws -> Function {
    let s = try agent.getSessions(.active(env), sessionLength: ticks)
    return try Function(inputs: [], outputs: s.envStates + s.observations + s.memories + s.actions, updates: s.updates)
}

@Suite struct NativeSessionsTests {
    @Test func sessionsMatchTheEnvSteppedDirectlyAcrossAutoresetsTruncationsAndCalls() throws {
        let n = 5, t = 6, period = 5
        // Mostly pushing right ends episodes by termination; the limit of 11 truncates the others.
        let table = try Tensor((0..<(n * period)).map { Int32($0 % 7 < 6 ? 1 : 0) }, shape: [n, period])
        let a = try CountingAgent(observationSize: 4, table: table, period: period)
        let env = try NativeEnvironment(seededEnvironment(CartPole.self, n, limit: 11, seed: 3))
        let reference = try DirectStepper(try seededEnvironment(CartPole.self, n, limit: 11, seed: 3))
        let f = try play(a.agent, env, ticks: t)
        var counter = [Int32](repeating: 0, count: n), terminations = 0, truncations = 0
        for _ in 0..<6 {
            let v = try f([])
            #expect(v.map(\.shape) == [[n, t], [n, t], [n, t], [n, t, 4], [n, t], [n, t]])
            #expect(v[0].dtype == .float32 && v[1].dtype == .bool && v[2].dtype == .bool)
            for k in 0..<t {
                let actions = tick(v[5], k)
                #expect(actions == (0..<n).map { table.scalars[$0 * period + Int(counter[$0])] })
                let want = Tick(try reference.tick(actions))
                #expect(Tick(seen: tick(v[3], k), rewards: tick(v[0], k), alive: tick(v[1], k), truncated: tick(v[2], k)) == want)
                counter = (0..<n).map { want.alive[$0] == 1 ? (counter[$0] + 1) % Int32(period) : 0 }
                #expect(tick(v[4], k) == counter.map { Float($0) })
                truncations += want.truncated.filter { $0 == 1 }.count
                terminations += (0..<n).filter { want.alive[$0] == 1 && want.truncated[$0] == 0 && reference.done[$0] }.count
            }
        }
        #expect(terminations > 0)
        #expect(truncations > 0)
    }

    @Test func aliveAndTruncationFollowTheEnvPoolConventionAroundATimeLimit() throws {
        let a = try CountingAgent(observationSize: 4, table: try Tensor(zeros: [1, 4], dtype: .int32))
        let env = try NativeEnvironment(seededEnvironment(CartPole.self, 1, limit: 3, seed: 8))
        let f = try play(a.agent, env, ticks: 6)
        let first = try f([]), second = try f([])
        // Ticks 0-2 act (the third hits the limit), tick 3 resets (its action ignored), ticks 4-5 play the next
        // episode, whose third step is the first tick of the next call.
        #expect(first[1].scalars == [1, 1, 1, 0, 1, 1])
        #expect(first[2].scalars == [0, 0, 1, 0, 0, 0])
        #expect(first[0].scalars == [1, 1, 1, 0, 1, 1])
        #expect(first[4].scalars == [1, 2, 3, 0, 1, 2])
        #expect(second[1].scalars == [1, 0, 1, 1, 1, 0])
        #expect(second[2].scalars == [1, 0, 0, 0, 1, 0])
        #expect(second[4].scalars == [3, 0, 1, 2, 3, 0])
        // On the reset tick the agent still sees the final observation; the tick after it, the reset one.
        #expect(tick(first[3], 3) != tick(first[3], 2) && tick(first[3], 4) != tick(first[3], 3))
        let reference = try DirectStepper(try seededEnvironment(CartPole.self, 1, limit: 3, seed: 8))
        let seen = try (0..<12).map { _ in try reference.tick([0]).before }
        #expect(seen == (0..<6).map { tick(first[3], $0) } + (0..<6).map { tick(second[3], $0) })
    }

    @Test func memoryIsZeroedOnResetTicksAndContinuesAcrossCalls() throws {
        let obs = InputLayer(shape: [nil, 4], name: "obs"), prevH = InputLayer(shape: [nil, 3], name: "prev_h")
        let h = try RNNCell(prevState: prevH, inputs: [obs], name: "rnn", Whid: .initializer(.uniform(low: -1, high: 1)),
                            Winp: [.initializer(.uniform(low: -1, high: 1))])
        let q = try DenseLayer(h, numUnits: 2, nonlinearity: .linear, name: "q")
        let agent = try MDPAgent(observationLayers: [obs], agentStates: [h: prevH], policyEstimators: [q], actionLayers: [greedy(q)])
        let env = try NativeEnvironment(seededEnvironment(CartPole.self, 3, limit: 4, seed: 1))
        let f = try play(agent, env, ticks: 5)
        let react = try agent.reactFunction()
        var memory = try Tensor(zeros: [3, 3]), resets = 0, nonzero = 0
        for _ in 0..<3 {
            let v = try f([])
            for k in 0..<5 {
                // The cell applied to what the agent saw and its memory, then zeroed where the tick was a reset.
                let seen = try Tensor(tick(v[3], k), shape: [3, 4])
                let next = try react([seen, memory])[1].scalars, alive = tick(v[1], k)
                let want = (0..<9).map { alive[$0 / 3] == 1 ? next[$0] : 0 }
                #expect(Check.same(tick(v[4], k), want, tol: 1e-6))
                resets += alive.filter { $0 == 0 }.count
                memory = try Tensor(tick(v[4], k), shape: [3, 3])
                nonzero += memory.scalars.filter { $0 != 0 }.count
            }
        }
        #expect(resets > 0)
        #expect(nonzero > 0)
    }

    @Test func twoSeededRunsAreIdenticalAndOtherSeedsDiffer() throws {
        func run(_ seed: UInt32) throws -> [[Float]] {
            let obs = InputLayer(shape: [nil, 6], name: "obs")
            let q = try DenseLayer(obs, numUnits: 3, W: .initializer(.constant(0.5)), nonlinearity: .linear, name: "q")
            let agent = try MDPAgent(observationLayers: [obs], policyEstimators: [q],
                                     actionLayers: [EpsilonGreedyResolver(q, epsilon: .constant(0.5), seed: 7)])
            let f = try play(agent, try NativeEnvironment(seededEnvironment(Acrobot.self, 3, limit: 5, seed: seed)), ticks: 4)
            return try (try f([]) + f([])).map(\.scalars)
        }
        #expect(try run(4) == run(4))
        #expect(try run(4) != run(5))
    }

    @Test func continuousActionsPlayABoxEnv() throws {
        let obs = InputLayer(shape: [nil, 3], name: "obs")
        let torque = try DenseLayer(obs, numUnits: 1, W: .initializer(.constant(2)), nonlinearity: .linear, name: "torque")
        let agent = try MDPAgent(observationLayers: [obs], actionLayers: [torque])
        let env = try NativeEnvironment(seededEnvironment(Pendulum.self, 2, limit: 4, seed: 6))
        let reference = try DirectStepper(try seededEnvironment(Pendulum.self, 2, limit: 4, seed: 6))
        let f = try play(agent, env, ticks: 5)
        for _ in 0..<2 {
            let v = try f([])
            #expect(v[4].shape == [2, 5, 1] && v[4].dtype == .float32)
            for k in 0..<5 {
                let want = Tick(try reference.tick(tick(v[4], k)))
                #expect(Tick(seen: tick(v[3], k), rewards: tick(v[0], k), alive: tick(v[1], k), truncated: tick(v[2], k)) == want)
            }
        }
    }

    @Test func repeatedRunsInOneCallAreConsecutiveCalls() throws {
        let table = try Tensor((0..<12).map { Int32($0 % 2) }, shape: [3, 4])
        let a = try CountingAgent(observationSize: 4, table: table, period: 4)
        let once = try play(a.agent, try NativeEnvironment(seededEnvironment(CartPole.self, 3, limit: 6, seed: 2)), ticks: 5)
        let twin = try CountingAgent(observationSize: 4, table: table, period: 4)
        let many = try play(twin.agent, try NativeEnvironment(seededEnvironment(CartPole.self, 3, limit: 6, seed: 2)), ticks: 5)
        var separate: [Tensor] = []
        for _ in 0..<4 { separate = try once([]) }
        #expect(try many([], times: 4).map(\.scalars) == separate.map(\.scalars))
        #expect(try many([]).map(\.scalars) == once([]).map(\.scalars))
    }

    @Test func rewardsAndAliveAreTheEnvStatesAndTheMemoryIsSharedByFunctions() throws {
        let a = try CountingAgent(observationSize: 4, table: try Tensor(zeros: [2, 8], dtype: .int32))
        let env = try NativeEnvironment(seededEnvironment(CartPole.self, 2, limit: 3, seed: 0))
        let s = try a.agent.getSessions(.active(env), sessionLength: 2)
        #expect(try env.rewardSequences(states: s.envStates, actions: s.actions[0]) === s.envStates[0])
        #expect(try env.whetherAlive(states: s.envStates) === s.envStates[1])
        #expect(throws: AgentNetError.self) { try env.rewardSequences(states: [s.envStates[0]], actions: s.actions[0]) }
        #expect(throws: AgentNetError.self) { try env.rewardSequences(states: s.envStates, actions: s.observations[0]) }
        // A second function (say, evaluation) on the same env continues the same memory.
        let other = try a.agent.getSessions(.active(env), sessionLength: 3)
        #expect(other.updates.count == 1 && other.updates[0].0 === s.updates[0].0)
        let f = try Function(inputs: [], outputs: s.memories, updates: s.updates)
        let g = try Function(inputs: [], outputs: other.memories, updates: other.updates)
        #expect(try f([])[0].scalars == [1, 2, 1, 2])
        #expect(try g([])[0].scalars == [3, 0, 1, 3, 0, 1])  // the episode's third tick hits the limit of 3
    }

    @Test func mismatchedAgentsAreClearErrors() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let e as AgentNetError { return e.message } catch { return "\(error)" }
            return "no error"
        }
        let cart = try NativeEnvironment(seededEnvironment(CartPole.self, 2, limit: nil, seed: 0))
        let car = try NativeEnvironment(seededEnvironment(MountainCarContinuous.self, 2, limit: nil, seed: 0))
        let obs2 = InputLayer(shape: [nil, 2], name: "obs"), q2 = try DenseLayer(obs2, numUnits: 1, nonlinearity: .linear)
        let discreteOnBox = try MDPAgent(observationLayers: [obs2], actionLayers: [greedy(q2)])
        #expect(message { _ = try discreteOnBox.getSessions(.active(car), sessionLength: 3) }.contains("continuous (Box) action space"))
        let obs4 = InputLayer(shape: [nil, 4], name: "obs"), q4 = try DenseLayer(obs4, numUnits: 2, nonlinearity: .linear)
        let floats = try MDPAgent(observationLayers: [obs4], actionLayers: [q4])
        #expect(message { _ = try floats.getSessions(.active(cart), sessionLength: 3) }.contains("Discrete(2) action space"))
        let narrow = try MDPAgent(observationLayers: [obs2], actionLayers: [greedy(q2)])
        #expect(message { _ = try narrow.getSessions(.active(cart), sessionLength: 3) }.contains("observation 0 is [batch] + (4,)"))
        let fixed = InputLayer(shape: [5, 4], name: "obs5"), q5 = try DenseLayer(fixed, numUnits: 2, nonlinearity: .linear)
        let five = try MDPAgent(observationLayers: [fixed], actionLayers: [greedy(q5)])
        #expect(message { _ = try five.getSessions(.active(cart), sessionLength: 3) }.contains("plays 2 sub-envs"))
        let good = try MDPAgent(observationLayers: [obs4], actionLayers: [greedy(q4)])
        #expect(message { _ = try good.getSessions(.active(cart), sessionLength: 3, initialObservations: .list([obs4])) }.contains("initial_observations"))
        #expect(message { _ = try good.getSessions(.active(cart), sessionLength: 3, batchSize: 3) }.contains("batch_size 3"))
        #expect(message { _ = try good.getSessions(.active(cart), sessionLength: 0) }.contains("session_length"))
        #expect(message { _ = try good.asRecurrence(cart) }.contains("get_sessions"))
        #expect(message { _ = try good.getSessions(.active(cart), experienceReplay: true) }.contains("records none"))
        let sameStep = try VectorEnvironment<CartPole>(numEnvs: 2, autoresetMode: .sameStep, maxEpisodeSteps: nil)
        #expect(message { _ = try NativeEnvironment(sameStep) }.contains("next-step autoreset"))
        _ = try good.getSessions(.active(cart), sessionLength: 3, batchSize: 2)
    }
}
