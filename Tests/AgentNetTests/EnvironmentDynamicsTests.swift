@testable import AgentNet
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Each family's physics against Gymnasium 1.4 / NumPy 2.4 golden values (bit patterns of `env.unwrapped.state` and
// of the reward after `reset(seed=42)` and the listed actions, recorded once from the real package), plus the rules
// of the reference note that the golden runs do not reach. No Python involved.

/// Runs one sub-env without autoreset or time limit, like a bare Gymnasium env, returning state bits after reset and
/// after each step, and each step's reward bits.
private func trajectory<D: EnvironmentDynamics>(_: D.Type, seed: UInt64, actions: [[D.Action]]) throws
    -> (states: [[UInt64]], rewards: [UInt64], terminated: [Bool]) {
    let env = try VectorEnvironment<D>(numEnvs: 1, autoresetMode: .disabled)
    try env.seed(SeedSequence.words([], plus: seed), first: 0, count: 1)
    var obs = [Float](repeating: 0, count: D.observationSize)
    var state = [Double](repeating: 0, count: D.stateSize)
    var reward = [0.0], terminated = [false], truncated = [false]
    func stateBits() throws -> [UInt64] {
        try state.withUnsafeMutableBufferPointer { try env.state(into: $0) }
        return state.map(\.bitPattern)
    }
    try obs.withUnsafeMutableBufferPointer { try env.reset(mask: nil, options: nil, observations: $0) }
    var states = [try stateBits()], rewards = [UInt64](), flags = [Bool]()
    for action in actions {
        try obs.withUnsafeMutableBufferPointer { o in
            try reward.withUnsafeMutableBufferPointer { r in
                try terminated.withUnsafeMutableBufferPointer { t in
                    try truncated.withUnsafeMutableBufferPointer { u in
                        try action.withUnsafeBufferPointer { a in
                            let actions: Actions = D.Action.self == Int64.self
                                ? .discrete(UnsafeRawBufferPointer(a).bindMemory(to: Int64.self))
                                : .box(UnsafeRawBufferPointer(a).bindMemory(to: Float.self))
                            try env.step(actions, into: StepOutput(observations: o, rewards: r, terminated: t, truncated: u))
                        }
                    }
                }
            }
        }
        states.append(try stateBits())
        rewards.append(reward[0].bitPattern)
        flags.append(terminated[0])
    }
    return (states, rewards, flags)
}

@Test func cartPoleMatchesGymnasium() throws {
    let run = try trajectory(CartPole.self, seed: 42, actions: [1, 0, 1, 1, 0, 0, 1, 0].map { [$0] })
    #expect(run.states[0] == [0x3f9c_0d97_eba2_bd40, 0xbf79_090f_63c0_b010, 0x3fa2_5c36_f3af_c536, 0x3f94_35e2_6c08_cd04])
    #expect(run.states[1] == [0x3f9b_ed8c_52d1_22c5, 0x3fc8_2009_4227_2176, 0x3fa2_8ff4_189b_60dc, 0xbfd0_bb19_f21f_a80c])
    #expect(run.states[4] == [0x3fa1_bdb5_5c4c_9b7d, 0x3fd8_7587_ec70_730e, 0x3f9b_b858_60db_89de, 0xbfe0_ba21_4943_4d8e])
    #expect(run.states[8] == [0x3fa9_627c_74d0_ef50, 0xbf82_85ce_79be_6bc0, 0x3f83_5e20_6cc9_d737, 0x3fb5_9baa_fd30_4d1c])
    #expect(run.rewards.allSatisfy { $0 == 1.0.bitPattern } && !run.terminated.contains(true))
}

@Test func acrobotMatchesGymnasium() throws {
    let run = try trajectory(Acrobot.self, seed: 42, actions: [2, 0, 1, 2, 2, 0].map { [$0] })
    // The reset draw is rounded to Float32, as Gymnasium's `.astype(np.float32)` does.
    #expect(run.states[0] == [0x3fac_0d97_e000_0000, 0xbf89_090f_6000_0000, 0x3fb2_5c37_0000_0000, 0x3fa4_35e2_6000_0000])
    #expect(run.states[1] == [0x3fa8_cf05_c141_ff6b, 0x3fa2_a75a_e12d_6cf4, 0xbfc0_e4cb_ee7d_7083, 0x3fdb_fab6_6f80_a9f8])
    #expect(run.states[4] == [0xbeaa_59a5_7899_8000, 0x3fbd_3b22_599f_0c28, 0xbfc7_7663_b84a_39cd, 0x3fcf_7df5_433f_a87b])
    #expect(run.states[6] == [0xbfb2_fb46_fbdb_2a19, 0x3fca_5651_759c_ce5c, 0xbf87_7c59_e12b_91c0, 0xbfc9_a6e0_ade2_3da8])
    #expect(run.rewards.allSatisfy { $0 == (-1.0).bitPattern })
}

@Test func mountainCarMatchesGymnasium() throws {
    let run = try trajectory(MountainCar.self, seed: 42, actions: [2, 2, 0, 1, 2, 0].map { [$0] })
    #expect(run.states[0] == [0xbfdc_7e4d_028b_a858, 0])
    #expect(run.states[2] == [0xbfdc_69d4_ac70_ae0c, 0x3f4b_429a_2b5c_1a7c])
    #expect(run.states[6] == [0xbfdc_c441_fc5c_3724, 0xbf64_6950_660f_96b7])
}

@Test func mountainCarContinuousMatchesGymnasium() throws {
    let actions: [Float] = [0.5, -2.0, 1.5, 0.25, -0.75, 1.0]
    let run = try trajectory(MountainCarContinuous.self, seed: 42, actions: actions.map { [$0] })
    #expect(run.states[1] == [0xbfdc_7b8e_8000_0000, 0x3f25_f3ac_8000_0000])  // float64 reset state, first step
    #expect(run.states[2] == [0xbfdc_9af3_e000_0000, 0xbf5f_6563_c000_0000])  // clipped force, float32 state
    #expect(run.states[6] == [0xbfdd_0bf7_6000_0000, 0xbf5e_e4f7_a000_0000])
    // The reward charges the unclipped action: a = −2 costs 0.1 · 4.
    #expect(run.rewards[1] == 0xbfd9_9999_9999_999a && Double(bitPattern: run.rewards[1]) == -0.4)
}

@Test func pendulumMatchesGymnasium() throws {
    let actions: [Float] = [1.25, -3.0, 0.5, 2.0, -0.1, 0.0]
    let run = try trajectory(Pendulum.self, seed: 42, actions: actions.map { [$0] })
    #expect(run.states[0] == [0x3ffb_8a83_4b91_84f0, 0xbfbf_4b53_3cb0_dc10])
    #expect(run.states[2] == [0x3ffd_2e56_ea31_5944, 0x3ff3_e3f9_a147_dc08])
    #expect(run.states[6] == [0x4003_cef9_fc7a_abc4, 0x4011_0fbc_686c_802d])
    #expect(run.rewards == [0xc007_ba57_c7e8_80d0, 0xc009_6151_8d31_feab, 0xc00b_d945_5e2f_808b,
                            0xc010_86a5_0aa2_5c84, 0xc014_fe6a_bda9_95dc, 0xc019_ebd1_24e0_4409])
}

// MARK: - Rules the golden runs do not reach

@Test func cartPoleTerminatesPastTwelveDegreesAndThenPaysNothing() throws {
    var pole = CartPole(count: 1)
    pole.theta[0] = CartPole.thetaThreshold - 1e-4
    pole.thetaDot[0] = 1.0
    var action: Int64 = 1
    #expect(pole.step(0, action: &action) == (1.0, true))  // the terminating step still pays 1
    #expect(pole.step(0, action: &action) == (0.0, true))  // Gymnasium's steps_beyond_terminated
    #expect(CartPole.thetaThreshold == 12 * 2 * Double.pi / 360)
    #expect(CartPole.polemassLength == 0.05 && CartPole.totalMass == 1.1)
}

@Test func cartPoleBatchedStepEqualsOneByOne() throws {
    var batched = CartPole(count: 64), single = CartPole(count: 64)
    var rng = PCG64(SeedSequence(seed: 3))
    for i in 0..<64 {
        batched.reset(i, rng: &rng, options: ResetOptions(-0.2, 0.2))
        single.x[i] = batched.x[i]; single.xDot[i] = batched.xDot[i]
        single.theta[i] = batched.theta[i]; single.thetaDot[i] = batched.thetaDot[i]
    }
    var actions = (0..<64).map { Int64($0 % 3 == 0 ? 1 : 0) }
    var rewards = [Double](repeating: 0, count: 64), terminated = [Bool](repeating: false, count: 64)
    var observations = [Float](repeating: 0, count: 64 * 4), observation = [Float](repeating: 0, count: 4)
    batched.stepAll(count: 64, actions: &actions, observations: &observations, rewards: &rewards, terminated: &terminated)
    for i in 0..<64 {
        var a = actions[i]
        #expect(single.step(i, action: &a) == (rewards[i], terminated[i]))
        #expect(single.theta[i].bitPattern == batched.theta[i].bitPattern && single.x[i].bitPattern == batched.x[i].bitPattern)
        single.observe(i, into: &observation)
        #expect(Array(observations[4 * i..<4 * i + 4]) == observation)
    }
}

@Test func acrobotWrapsAnglesAndClipsSpeeds() {
    #expect(Acrobot.wrap(4.0) == 4.0 - 2 * Double.pi)
    #expect(Acrobot.wrap(-3.5) == -3.5 + 2 * Double.pi)
    var arm = Acrobot(count: 1)
    arm.dtheta1[0] = 30
    arm.dtheta2[0] = 30
    var action: Int64 = 2
    _ = arm.step(0, action: &action)
    #expect(arm.dtheta1[0] == 4 * Double.pi && arm.dtheta2[0] == 9 * Double.pi)  // as Gymnasium: [.., 4π, 9π]
    #expect(abs(arm.theta1[0]) <= Double.pi && abs(arm.theta2[0]) <= Double.pi)
}

@Test func acrobotTerminatesWithTheTipAboveTheBar() {
    var arm = Acrobot(count: 1)
    arm.theta1[0] = Double.pi  // both links straight up: −cos θ1 − cos(θ1 + θ2) = 2 > 1
    var action: Int64 = 1
    #expect(arm.step(0, action: &action) == (0.0, true))
}

@Test func mountainCarStopsAtTheLeftWallAndFinishesAtTheGoal() {
    var car = MountainCar(count: 1)
    car.position[0] = -1.19
    car.velocity[0] = -0.05
    var left: Int64 = 0
    #expect(car.step(0, action: &left) == (-1.0, false))
    #expect(car.position[0] == -1.2 && car.velocity[0] == 0)
    car.position[0] = 0.49
    car.velocity[0] = 0.07
    var right: Int64 = 2
    #expect(car.step(0, action: &right).terminated)
    #expect(car.velocity[0] <= MountainCar.maxSpeed)
}

@Test func mountainCarContinuousPaysOneHundredAtTheGoal() {
    var car = MountainCarContinuous(count: 1)
    car.position[0] = 0.44
    car.velocity[0] = 0.05
    var push: Float = 0.5
    let (reward, terminated) = car.step(0, action: &push)
    #expect(terminated && reward == 100.0 - libmPow(0.5, 2) * 0.1)
    #expect(car.isFloat32[0] && Double(Float(car.position[0])) == car.position[0])
}

@Test func pendulumNormalizesAnglesWithFloorModulo() {
    #expect(Pendulum.angleNormalize(0) == 0)
    #expect(abs(Pendulum.angleNormalize(3 * Double.pi / 2) + Double.pi / 2) < 1e-15)
    #expect(Pendulum.angleNormalize(-3 * Double.pi / 2) > 0)  // Python's %, not C's fmod
    var pendulum = Pendulum(count: 1)
    pendulum.thetaDot[0] = 7.99
    var torque: Float = 5  // clipped to 2
    _ = pendulum.step(0, action: &torque)
    #expect(pendulum.thetaDot[0] == 8 && pendulum.lastTorque[0] == 2)
}

@Test func libmPowIsLibmNotMultiplication() {
    // NumPy's x ** 2 goes through glibc pow, which is not x * x for every x; for this x NumPy gives ...833.
    let x = Double(bitPattern: 0x401b_d401_c784_c132)
    #expect(libmPow(x, 2).bitPattern == 4_632_008_564_981_087_833)
    #expect((x * x).bitPattern == 4_632_008_564_981_087_832)
    #expect(libmPow(Float(-1.2805176), 2) == Float(1.6397253))
}
