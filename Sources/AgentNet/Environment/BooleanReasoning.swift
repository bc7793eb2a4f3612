/// The seed's tutorial environment (`agentnet.experiments.boolean_reasoning`): find a hidden category by polling
/// attributes.
///
/// Hidden factors X1, X2, X3 ~ Bernoulli(0.5) (each `np_random.random() < 0.5`, drawn in order), categories Y1 = X1 and
/// Y2 = 1 − X1. Six actions: poll X1, X2, X3, Y1, Y2, or end the session (5). Observation (8 Float32 values):
/// `[value of the polled variable (0 for end), ended, one_hot(action, 6)]`; zeros after reset.
/// Reward, judged on the state before the action: 0 once the session has ended; −0.5 for repeating an action;
/// 0 for ending; `6v − 3` (±3) for a category; `2v − 1` (±1) for an attribute. `terminated` is the ended flag: true
/// from the end action on, so the seed's `is_alive` (alive on the tick the end action is taken) is
/// `not terminated` of the previous step. An ended session stays ended and pays 0. The best policy (poll X1, answer the
/// matching Y, end) earns 1 + 3 = 4 when X1 = 1 and −1 + 3 = 2 otherwise: 3 on average.
/// State (11 values): `[X1, X2, X3, Y1, Y2, taken_0 ... taken_5]`.
public struct BooleanReasoning: EnvironmentDynamics {
    public typealias Action = Int64
    public static let id = "BooleanReasoning-v0"
    public static let observationSize = 8
    public static let stateSize = 11
    public static let actionCount = 6
    public static let actionSpace = ActionSpace.discrete(count: actionCount)
    public static let defaultResetOptions = ResetOptions(0, 0)
    /// Sessions are cut after 10 steps (the seed's sessions were a few ticks long; 10 leaves room to poll everything).
    public static let registeredMaxEpisodeSteps = 10
    public static let renderSize = (height: 100, width: 600)
    static let endAction = 5

    /// `[sub-env, variable]`: X1, X2, X3, Y1, Y2, and the end action's constant 0.
    var joint: [Float]
    /// `[sub-env, action]`: 1 once the action has been taken.
    var taken: [Float]
    var lastAction: [Int]

    public init(count: Int) {
        joint = Array(repeating: 0, count: count * Self.actionCount)
        taken = joint
        lastAction = Array(repeating: -1, count: count)
    }

    public static func validate(_ options: ResetOptions) throws {}

    public mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions) {
        let row = i * Self.actionCount
        for k in 0..<3 { joint[row + k] = rng.nextDouble() < 0.5 ? 1 : 0 }
        joint[row + 3] = joint[row]
        joint[row + 4] = 1 - joint[row]
        joint[row + 5] = 0
        for k in 0..<Self.actionCount { taken[row + k] = 0 }
        lastAction[i] = -1
    }

    public mutating func step(_ i: Int, action: UnsafePointer<Int64>) -> (reward: Double, terminated: Bool) {
        let row = i * Self.actionCount, a = Int(action.pointee)
        let value = Double(joint[row + a])
        let reward: Double
        if taken[row + Self.endAction] == 1 {
            reward = 0
        } else if taken[row + a] == 1 {
            reward = -0.5
        } else if a == Self.endAction {
            reward = 0
        } else if a >= 3 {
            reward = 6 * value - 3
        } else {
            reward = 2 * value - 1
        }
        if taken[row + Self.endAction] == 0 { taken[row + a] = 1 }
        lastAction[i] = a
        return (reward, taken[row + Self.endAction] == 1)
    }

    public func observe(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        let row = i * Self.actionCount, a = lastAction[i]
        out.update(repeating: 0, count: Self.observationSize)
        guard a >= 0 else { return }
        out[0] = joint[row + a]
        out[1] = taken[row + Self.endAction]
        out[2 + a] = 1
    }

    public func state(_ i: Int, into out: UnsafeMutablePointer<Double>) {
        let row = i * Self.actionCount
        for k in 0..<5 { out[k] = Double(joint[row + k]) }
        for k in 0..<Self.actionCount { out[5 + k] = Double(taken[row + k]) }
    }

    /// Six cells, one per action: grey until taken, then green for a polled 1, red for a polled 0, black for the end.
    public func render(_ i: Int, on canvas: inout Canvas) {
        let row = i * Self.actionCount
        canvas.fill(.white)
        let cell = Double(canvas.width) / Double(Self.actionCount)
        for k in 0..<Self.actionCount {
            let color: RGB
            if taken[row + k] == 0 {
                color = RGB(200, 200, 200)
            } else if k == Self.endAction {
                color = .black
            } else {
                color = joint[row + k] == 1 ? RGB(60, 170, 60) : RGB(200, 60, 60)
            }
            let x0 = Double(k) * cell + 10, x1 = Double(k + 1) * cell - 10
            canvas.fillPolygon([(x0, 10), (x0, 90), (x1, 90), (x1, 10)], color)
        }
    }
}
