@testable import AgentNet
import Testing

// Seeding (NumPy's SeedSequence → PCG64 → uniform, against the reference note's test vectors), the batch driver
// (autoreset modes, time limit, per-sub-env streams), BooleanReasoning's rules, and input validation.

@Test func seedSequenceAndPCG64MatchNumPy() {
    let zero = PCG64(SeedSequence(seed: 0))
    #expect(zero.state == (UInt128(0x1aa1_b534_5996_452d) << 64 | 0x0958_5eb7_a695_61e3))
    #expect(zero.inc == (UInt128(0x418d_dadb_3af7_1a82) << 64 | 0x5881_33bc_4478_73a9))
    var stream = zero
    #expect([stream.next64(), stream.next64(), stream.next64()] == [0xa30f_ebcf_d9c2_825f, 0x4510_bdf8_82d9_d721, 0x0a7d_3da9_4ecd_e8b8])
    var other = PCG64(SeedSequence(seed: 123))
    #expect(other.state == (UInt128(0x786d_f8ae_32b3_fe64) << 64 | 0x5bee_00f1_ac1e_7b4d))
    #expect(other.inc == (UInt128(0x0d4e_48fe_e886_333a) << 64 | 0x26db_cfc7_823f_9c3b))
    #expect(other.next64() == 0xaeae_9c99_03f3_e9cd)
}

@Test func seedWordsCarryLikePythonIntegers() {
    #expect(SeedSequence.words([], plus: 0) == [0])
    #expect(SeedSequence.words([0xffff_ffff], plus: 1) == [0, 1])
    #expect(SeedSequence.words([7, 1], plus: 3) == [10, 1])
    #expect(SeedSequence(seed: 1 << 32 | 7).pool == SeedSequence(entropy: [7, 1]).pool)
}

@Test func uniformComputesTheRangeFirst() {
    var a = PCG64(SeedSequence(seed: 0)), b = a
    let u = Double(b.next64() >> 11) * 0x1p-53
    #expect(-0.4 - -0.6 == 0.19999999999999996)
    #expect(a.uniform(-0.6, -0.4) == -0.6 + 0.19999999999999996 * u)
}

// MARK: - The batch driver

/// A CartPole batch with its buffers, stepped with one action for every sub-env.
private final class Batch {
    let env: VectorEnvironment<CartPole>
    var obs, finals: [Float]
    var rewards: [Double]
    var terminated, truncated: [Bool]

    init(_ n: Int, _ mode: AutoresetMode, limit: Int? = nil) throws {
        env = try VectorEnvironment<CartPole>(numEnvs: n, autoresetMode: mode, maxEpisodeSteps: limit)
        obs = Array(repeating: 0, count: n * 4)
        finals = obs
        rewards = Array(repeating: 0, count: n)
        terminated = Array(repeating: false, count: n)
        truncated = terminated
        try env.seed([], first: 0, count: n)
        try obs.withUnsafeMutableBufferPointer { try env.reset(mask: nil, options: nil, observations: $0) }
    }

    func step(_ action: Int64) throws {
        var actions = [Int64](repeating: action, count: env.numEnvs)
        try actions.withUnsafeBufferPointer { a in
            try obs.withUnsafeMutableBufferPointer { o in
                try finals.withUnsafeMutableBufferPointer { f in
                    try rewards.withUnsafeMutableBufferPointer { r in
                        try terminated.withUnsafeMutableBufferPointer { t in
                            try truncated.withUnsafeMutableBufferPointer { u in
                                try env.step(.discrete(a), into: StepOutput(observations: o, rewards: r, terminated: t,
                                                                            truncated: u, finalObservations: f))
                            }
                        }
                    }
                }
            }
        }
    }
}

@Test func nextStepAutoresetResetsOnTheFollowingStep() throws {
    let batch = try Batch(3, .nextStep)
    var steps = 0
    repeat { try batch.step(1); steps += 1 } while !batch.terminated[0]
    #expect(batch.rewards[0] == 1 && abs(batch.obs[2]) > 0.2)  // the terminal observation
    try batch.step(1)
    #expect(batch.rewards[0] == 0 && !batch.terminated[0] && !batch.truncated[0])
    #expect(batch.obs[0..<4].allSatisfy { abs($0) <= 0.05 })  // a fresh reset observation
    #expect(batch.env.episodes.elapsed[0] == 0 && steps > 3)
}

@Test func sameStepAutoresetReturnsTheResetObservationAndKeepsTheFinalOne() throws {
    let batch = try Batch(2, .sameStep)
    repeat { try batch.step(0) } while !batch.terminated[0]
    #expect(batch.rewards[0] == 1 && abs(batch.finals[2]) > 0.2)
    #expect(batch.obs[0..<4].allSatisfy { abs($0) <= 0.05 })
}

@Test func timeLimitTruncatesAfterMaxEpisodeSteps() throws {
    let batch = try Batch(2, .nextStep, limit: 3)
    try batch.step(1)
    try batch.step(0)
    #expect(!batch.truncated.contains(true))
    try batch.step(1)
    #expect(batch.truncated == [true, true] && batch.terminated == [false, false])
}

@Test func subEnvsFollowSeedPlusIndexAndAutoresetFromTheirOwnStreams() throws {
    let batch = try Batch(3, .nextStep)
    let single = try VectorEnvironment<CartPole>(numEnvs: 1, autoresetMode: .nextStep)
    try single.seed([], first: 0, count: 1)
    try single.seed([2], first: 0, count: 1)  // sub-env 2 of a batch seeded with 0
    var obs = [Float](repeating: 0, count: 4)
    try obs.withUnsafeMutableBufferPointer { try single.reset(mask: nil, options: nil, observations: $0) }
    #expect(Array(batch.obs[8..<12]) == obs)
    #expect(try batch.env.rng(2) == single.rng(0))
    // Autoresetting sub-env 0 takes exactly its four reset draws from its own stream and touches no other stream.
    repeat { try batch.step(1) } while !batch.terminated[0]
    var expected = try #require(try batch.env.rng(0))
    for _ in 0..<4 { _ = expected.next64() }
    let others = try (1..<3).map { try batch.env.rng($0) }
    let othersEnded = (1..<3).map { batch.env.episodes.ended[$0] }
    try batch.step(1)
    #expect(try batch.env.rng(0) == expected)
    for k in 1..<3 where !othersEnded[k - 1] {
        #expect(try batch.env.rng(k) == others[k - 1])
    }
}

@Test func disabledAutoresetKeepsSteppingAnEndedSubEnv() throws {
    let batch = try Batch(1, .disabled)
    repeat { try batch.step(1) } while !batch.terminated[0]
    try batch.step(1)
    #expect(batch.terminated[0] && batch.rewards[0] == 0)  // CartPole after termination, as Gymnasium's env
}

// MARK: - BooleanReasoning

@Test func booleanReasoningFollowsTheSeedsRules() {
    var env = BooleanReasoning(count: 1)
    var rng = PCG64(SeedSequence(seed: 0))
    env.reset(0, rng: &rng, options: BooleanReasoning.defaultResetOptions)
    for (k, v) in [Float(0), 1, 1].enumerated() { env.joint[k] = v }  // the note's example: X = [0, 1, 1]
    env.joint[3] = 0
    env.joint[4] = 1
    var rewards = [Double](), ended = [Bool]()
    for var action: Int64 in [2, 3, 1, 2, 1, 4, 5, 0] {
        let (r, t) = env.step(0, action: &action)
        rewards.append(r)
        ended.append(t)
    }
    #expect(rewards == [1, -3, 1, -0.5, -0.5, 3, 0, 0])
    #expect(ended == [false, false, false, false, false, false, true, true])
    var obs = [Float](repeating: -1, count: 8)
    env.observe(0, into: &obs)
    #expect(obs == [0, 1, 1, 0, 0, 0, 0, 0])  // polled X1 = 0 after the end: value, ended, one-hot
}

@Test func booleanReasoningDrawsCategoriesFromTheFirstFactor() {
    var env = BooleanReasoning(count: 64)
    var rng = PCG64(SeedSequence(seed: 9))
    var ones = 0
    for i in 0..<64 {
        env.reset(i, rng: &rng, options: BooleanReasoning.defaultResetOptions)
        let row = i * 6
        #expect(env.joint[row + 3] == env.joint[row] && env.joint[row + 4] == 1 - env.joint[row] && env.joint[row + 5] == 0)
        ones += Int(env.joint[row] + env.joint[row + 1] + env.joint[row + 2])
    }
    #expect(ones > 64 && ones < 128)  // Bernoulli(0.5) × 192
}

// MARK: - Validation

@Test func invalidInputThrowsAndChangesNothing() throws {
    let batch = try Batch(2, .nextStep)
    var state = [Double](repeating: 0, count: 8), after = state
    try state.withUnsafeMutableBufferPointer { try batch.env.state(into: $0) }
    #expect(throws: AgentNetError.self) { try batch.step(2) }
    #expect(throws: AgentNetError.self) { try batch.step(-1) }
    var nan: [Float] = [.nan, 0]  // float actions for a discrete env: rejected whatever their values
    #expect(throws: AgentNetError.self) {
        try nan.withUnsafeBufferPointer { a in
            try batch.obs.withUnsafeMutableBufferPointer { o in
                try batch.rewards.withUnsafeMutableBufferPointer { r in
                    try batch.terminated.withUnsafeMutableBufferPointer { t in
                        try batch.truncated.withUnsafeMutableBufferPointer { u in
                            try batch.env.step(.box(a), into: StepOutput(observations: o, rewards: r, terminated: t, truncated: u))
                        }
                    }
                }
            }
        }
    }
    try after.withUnsafeMutableBufferPointer { try batch.env.state(into: $0) }
    #expect(state.map(\.bitPattern) == after.map(\.bitPattern))
    var short = [Float](repeating: 0, count: 3)
    #expect(throws: AgentNetError.self) {
        try short.withUnsafeMutableBufferPointer { try batch.env.reset(mask: nil, options: nil, observations: $0) }
    }
    #expect(throws: AgentNetError.self) {
        try batch.obs.withUnsafeMutableBufferPointer { try batch.env.reset(mask: nil, options: ResetOptions(1, -1), observations: $0) }
    }
    #expect(throws: AgentNetError.self) { try batch.env.seed([1], first: 1, count: 2) }
    #expect(throws: AgentNetError.self) { _ = try makeEnvironment("Nope-v0", numEnvs: 1, maxEpisodeSteps: nil) }
    #expect(throws: AgentNetError.self) { _ = try VectorEnvironment<Pendulum>(numEnvs: 0) }
}

@Test func steppingBeforeResetThrows() throws {
    let env = try makeEnvironment("MountainCar-v0", numEnvs: 2, maxEpisodeSteps: 200)
    var actions: [Int64] = [0, 1], obs = [Float](repeating: 0, count: 4), rewards = [0.0, 0.0]
    var terminated = [false, false], truncated = [false, false]
    #expect(throws: AgentNetError.self) {
        try actions.withUnsafeBufferPointer { a in
            try obs.withUnsafeMutableBufferPointer { o in
                try rewards.withUnsafeMutableBufferPointer { r in
                    try terminated.withUnsafeMutableBufferPointer { t in
                        try truncated.withUnsafeMutableBufferPointer { u in
                            try env.step(.discrete(a), into: StepOutput(observations: o, rewards: r, terminated: t, truncated: u))
                        }
                    }
                }
            }
        }
    }
    #expect(nativeEnvironmentIDs.count == 6 && registeredMaxEpisodeSteps("MountainCarContinuous-v0") == 999)
}
