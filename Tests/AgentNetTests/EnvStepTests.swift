@testable import AgentNet
import Testing

// Native environments stepping inside compiled functions (EnvStepNode.swift): a T-tick rollout against the same env
// stepped directly (whose Gymnasium exactness EnvironmentTests checks), the EnvPool alignment of rewards and flags,
// episodes across calls, a policy graph in the loop, and the errors.

/// A seeded, reset CartPole batch (next-step autoreset).
private func cartPole(_ n: Int, limit: Int?, seed: UInt32 = 5) throws -> VectorEnvironment<CartPole> {
    try seededEnvironment(CartPole.self, n, limit: limit, seed: seed)
}

/// One tick's values as the env nodes give them: the observation before, then after, the reward and the flags.
private typealias Tick = DirectTick

/// A function playing `ticks` ticks of `env` with actions from input `[ticks, numEnvs]` int32 (or from `policy`
/// of each tick's observation when given). Outputs per tick: observation before, after, rewards, alive, truncated.
private func rollout(_ env: any Environment, ticks: Int, policy: ((Node) throws -> Node)? = nil) throws -> (Function, Node) {
    let actions = Node.input("actions", dtype: .int32, shape: [ticks, env.numEnvs])
    var previous: Node = EnvNodes.observations(env)
    var seen = previous
    var outputs: [Node] = []
    for t in 0..<ticks {
        let a = try policy?(seen) ?? T.index(actions, t)
        let s = try EnvNodes.step(env, actions: a, after: previous)
        outputs += [seen, s.observations, s.rewards, s.isAlive, s.isTruncated]
        previous = s.node
        seen = s.observations
    }
    return (try Function(inputs: policy == nil ? [actions] : [], outputs: outputs), actions)
}

private func ticks(_ values: [Tensor]) -> [Tick] {
    stride(from: 0, to: values.count, by: 5).map { k in
        Tick(before: values[k].scalars, after: values[k + 1].scalars, rewards: values[k + 2].scalars,
             alive: (0..<values[k + 3].count).map { values[k + 3].bytes[$0] },
             truncated: (0..<values[k + 4].count).map { values[k + 4].bytes[$0] })
    }
}

private func actionTensor(_ a: [[Int64]]) throws -> Tensor {
    try Tensor(a.flatMap { $0.map { Int32($0) } }, shape: [a.count, a[0].count])
}

@Suite struct EnvStepTests {
    @Test func rolloutMatchesDirectSteppingAcrossAutoresetsTimeLimitsAndCalls() throws {
        let n = 6, t = 9, limit = 11
        let graphEnv = try cartPole(n, limit: limit), directEnv = try cartPole(n, limit: limit)
        let (f, _) = try rollout(graphEnv, ticks: t)
        let direct = try DirectStepper(directEnv)
        var terminations = 0, truncations = 0
        for call in 0..<6 {
            // Mostly pushing right ends episodes by termination; the small limit truncates the others.
            let a = (0..<t).map { k in (0..<n).map { i in Int64((call * 31 + k * 7 + i * 3) % 5 < 4 ? 1 : 0) } }
            let got = ticks(try f([try actionTensor(a)]))
            let want = try a.map { try direct.tick($0.map { Float($0) }) }
            #expect(got == want)
            for tick in want {
                truncations += tick.truncated.reduce(0) { $0 + Int($1) }
            }
            for (k, tick) in want.enumerated().dropLast() {
                for i in 0..<n where want[k + 1].alive[i] == 0 && tick.truncated[i] == 0 { terminations += 1 }
            }
        }
        #expect(terminations > 0)
        #expect(truncations > 0)
    }

    @Test func resetTickFollowsTheEnvPoolConvention() throws {
        let env = try cartPole(1, limit: 3)
        let (f, _) = try rollout(env, ticks: 5)
        let got = ticks(try f([try actionTensor([[0], [1], [0], [1], [1]])]))
        // Ticks 0-2 act (the third hits the limit), tick 3 is the reset tick, tick 4 acts in the new episode.
        #expect(got.map(\.alive) == [[1], [1], [1], [0], [1]])
        #expect(got.map(\.truncated) == [[0], [0], [1], [0], [0]])
        #expect(got.map(\.rewards) == [[1], [1], [1], [0], [1]])
        // On the reset tick the agent sees the final observation and then gets the reset one.
        #expect(got[3].before == got[2].after)
        #expect(got[3].after != got[2].after)
        #expect(got[4].before == got[3].after)
    }

    @Test func policyGraphInTheLoopMatchesThePolicyComputedDirectly() throws {
        let n = 8, t = 30
        let graphEnv = try cartPole(n, limit: 20, seed: 11), directEnv = try cartPole(n, limit: 20, seed: 11)
        // argmax(obs · W): action 1 exactly when theta_dot > 0.
        let w = try Tensor([0, 0, 0, 0, 0, 0, -1, 1] as [Float], shape: [4, 2])
        let (f, _) = try rollout(graphEnv, ticks: t) { obs in try T.argmax(try T.dot(obs, Node.constant(w)), axis: 1) }
        let direct = try DirectStepper(directEnv)
        for _ in 0..<3 {
            let got = ticks(try f([]))
            var want: [Tick] = []
            for _ in 0..<t {
                let a = (0..<n).map { i in Float(direct.obs[i * 4 + 3] > 0 ? 1 : 0) }
                want.append(try direct.tick(a))
            }
            #expect(got == want)
        }
    }

    @Test func twoSeededRunsAreIdenticalAndOtherSeedsDiffer() throws {
        func run(_ seed: UInt32) throws -> [Tick] {
            let (f, _) = try rollout(try cartPole(4, limit: 8, seed: seed), ticks: 12) { obs in
                try T.argmax(try T.dot(obs, Node.constant(try Tensor([0, 0, 0, 0, 0, 0, -1, 1] as [Float], shape: [4, 2]))), axis: 1)
            }
            return ticks(try f([])) + ticks(try f([]))
        }
        #expect(try run(3) == run(3))
        #expect(try run(3) != run(4))
    }

    @Test func compilingNeverSteps() throws {
        let env = try cartPole(3, limit: nil), twin = try cartPole(3, limit: nil)
        let step = try EnvNodes.step(env, actions: Node.constant(try Tensor([1, 0, 1] as [Int32], shape: [3])),
                                     after: EnvNodes.observations(env))
        let f = try Function(inputs: [], outputs: [step.observations])
        _ = try f.outputShapes(for: [])
        var a = [Double](repeating: 0, count: 12), b = a
        try a.withUnsafeMutableBufferPointer { try env.state(into: $0) }
        try b.withUnsafeMutableBufferPointer { try twin.state(into: $0) }
        #expect(a == b)
        let first = try f([])[0].scalars, second = try f([])[0].scalars
        #expect(first != second)  // every call steps
    }

    @Test func boxActionsStepContinuousEnvs() throws {
        let env = try VectorEnvironment<MountainCarContinuous>(numEnvs: 2, autoresetMode: .nextStep, maxEpisodeSteps: nil)
        let twin = try VectorEnvironment<MountainCarContinuous>(numEnvs: 2, autoresetMode: .nextStep, maxEpisodeSteps: nil)
        var obs = [Float](repeating: 0, count: 4)
        for e in [env, twin] {
            try e.seed([9], first: 0, count: 2)
            try obs.withUnsafeMutableBufferPointer { try e.reset(mask: nil, options: nil, observations: $0) }
        }
        let actions = Node.input("a", dtype: .float32, shape: [2, 1])
        let s = try EnvNodes.step(env, actions: actions, after: EnvNodes.observations(env))
        let f = try Function(inputs: [actions], outputs: [s.observations, s.rewards])
        let out = try f([try Tensor([0.5, -0.25], shape: [2, 1])])
        var o = [Float](repeating: 0, count: 4), r = [Double](repeating: 0, count: 2), te = [false, false], tr = te
        let a: [Float] = [0.5, -0.25]
        try a.withUnsafeBufferPointer { ab in
            try o.withUnsafeMutableBufferPointer { ob in
                try r.withUnsafeMutableBufferPointer { rb in
                    try te.withUnsafeMutableBufferPointer { tb in
                        try tr.withUnsafeMutableBufferPointer { ub in
                            try twin.step(.box(ab), into: StepOutput(observations: ob, rewards: rb, terminated: tb, truncated: ub))
                        }
                    }
                }
            }
        }
        #expect(out[0].scalars == o)
        #expect(out[1].scalars == r.map { Float($0) })
    }

    @Test func wrongActionKindsAndShapesAreClearErrors() throws {
        let cart = try cartPole(3, limit: nil)
        let floats = Node.input("a", dtype: .float32, shape: [3])
        #expect(throws: AgentNetError.self) { try EnvNodes.step(cart, actions: floats, after: EnvNodes.observations(cart)) }
        let wide = Node.input("a", dtype: .int32, shape: [4])
        #expect(throws: AgentNetError.self) { try EnvNodes.step(cart, actions: wide, after: EnvNodes.observations(cart)) }
        let car = try VectorEnvironment<MountainCarContinuous>(numEnvs: 3, autoresetMode: .nextStep, maxEpisodeSteps: nil)
        let ints = Node.input("a", dtype: .int32, shape: [3])
        do {
            _ = try EnvNodes.step(car, actions: ints, after: EnvNodes.observations(car))
            Issue.record("integer actions on a Box env were accepted")
        } catch let e as AgentNetError {
            #expect(e.message.contains("continuous (Box) action space"))
        }
        // A dynamic batch of the wrong size fails at the call and leaves the env where it was.
        let dynamic = Node.input("a", dtype: .int32, shape: [nil])
        let f = try Function(inputs: [dynamic], outputs: [try EnvNodes.step(cart, actions: dynamic, after: EnvNodes.observations(cart)).rewards])
        var before = [Double](repeating: 0, count: 12), after = before
        try before.withUnsafeMutableBufferPointer { try cart.state(into: $0) }
        #expect(throws: AgentNetError.self) { try f([try Tensor([1, 1] as [Int32], shape: [2])]) }
        // An out-of-range action is rejected before the env changes.
        #expect(throws: AgentNetError.self) { try f([try Tensor([1, 2, 0] as [Int32], shape: [3])]) }
        try after.withUnsafeMutableBufferPointer { try cart.state(into: $0) }
        #expect(before == after)
        // Another env's node cannot be `after`, and a same-step env cannot step in a graph.
        let other = try cartPole(3, limit: nil)
        #expect(throws: AgentNetError.self) {
            try EnvNodes.step(cart, actions: Node.input("a", dtype: .int32, shape: [3]), after: EnvNodes.observations(other))
        }
        let sameStep = try VectorEnvironment<CartPole>(numEnvs: 3, autoresetMode: .sameStep, maxEpisodeSteps: nil)
        #expect(throws: AgentNetError.self) {
            try EnvNodes.step(sameStep, actions: Node.input("a", dtype: .int32, shape: [3]), after: EnvNodes.observations(sameStep))
        }
    }

    @Test func unorderedStepsAndUnresetEnvsAreRejected() throws {
        let env = try cartPole(2, limit: nil)
        let obs = EnvNodes.observations(env)
        let a = Node.input("a", dtype: .int32, shape: [2])
        let s1 = try EnvNodes.step(env, actions: a, after: obs), s2 = try EnvNodes.step(env, actions: a, after: obs)
        #expect(throws: AgentNetError.self) { try Function(inputs: [a], outputs: [s1.rewards, s2.rewards]) }
        let s3 = try EnvNodes.step(env, actions: a, after: EnvNodes.observations(env))
        #expect(throws: AgentNetError.self) { try Function(inputs: [a], outputs: [s1.rewards, s3.rewards]) }
        // Chained through any output of the previous step, the two ticks are fine.
        let s4 = try EnvNodes.step(env, actions: a, after: s1.isAlive)
        _ = try Function(inputs: [a], outputs: [s1.rewards, s4.rewards])
        let fresh = try VectorEnvironment<CartPole>(numEnvs: 2, autoresetMode: .nextStep, maxEpisodeSteps: nil)
        let f = try Function(inputs: [], outputs: [EnvNodes.observations(fresh)])
        do {
            _ = try f([])
            Issue.record("reading an env that was never reset succeeded")
        } catch let e as AgentNetError {
            #expect(e.message.contains("reset"))
        }
    }

    @Test func nothingIsDifferentiableThroughAStep() throws {
        let env = try VectorEnvironment<MountainCarContinuous>(numEnvs: 2, autoresetMode: .nextStep, maxEpisodeSteps: nil)
        let w = SharedValue(try Tensor([0.5], shape: [1]), name: "w")
        let actions = try T.mul(try T.alloc(Float(1), Node.ints([2, 1])), w.node)
        let s = try EnvNodes.step(env, actions: actions, after: EnvNodes.observations(env))
        do {
            _ = try grad(try T.sum(s.rewards), wrt: [w.node])
            Issue.record("a gradient flowed through env_step")
        } catch let e as AgentNetError {
            #expect(e.message.contains("env_step"))
        }
    }
}
