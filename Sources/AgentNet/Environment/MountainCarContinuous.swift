#if canImport(Glibc)
import Glibc
#endif

/// Gymnasium's `MountainCarContinuous-v0` (classic_control/continuous_mountain_car.py): the mountain car with a
/// continuous engine.
///
/// State `[position, velocity]`; observation the same as Float32; action one Float32 force, clipped to [−1, 1].
/// `v += force·0.0015 − 0.0025·cos(3p)`, v clipped to ±0.07, `p += v`, p clipped to [−1.2, 0.6], left-wall rule.
/// Terminated when p ≥ 0.45 and v ≥ 0; reward `(100 if terminated else 0) − 0.1·action²` with the *unclipped*
/// action; 999 steps registered.
///
/// Bit-exact with Gymnasium under NumPy 2: the reset state is float64 but every step stores float32, and NumPy's
/// NEP 50 promotion then decides whether each operation runs in Float32 or Float64. `NumPyScalar` replays those
/// rules, so this type carries whether each sub-env's state is already float32.
public struct MountainCarContinuous: EnvironmentDynamics {
    public typealias Action = Float
    public static let id = "MountainCarContinuous-v0"
    public static let observationSize = 2
    public static let stateSize = 2
    public static let actionSpace = ActionSpace.box(low: -1, high: 1, width: 1)
    public static let defaultResetOptions = ResetOptions(-0.6, -0.4)
    public static let registeredMaxEpisodeSteps = 999
    public static let renderSize = (height: 400, width: 600)

    static let minAction: Float = -1, maxAction: Float = 1
    static let minPosition = -1.2, maxPosition = 0.6, maxSpeed = 0.07
    static let goalPosition = 0.45, goalVelocity = 0.0, power = 0.0015

    var position, velocity: [Double]
    /// The state is a float32 array (after any step) rather than the float64 one `reset` makes.
    var isFloat32: [Bool]

    public init(count: Int) {
        position = Array(repeating: 0, count: count)
        velocity = position
        isFloat32 = Array(repeating: false, count: count)
    }

    public static func validate(_ options: ResetOptions) throws { try validateBounds(options) }

    /// `np.array([np_random.uniform(low, high), 0])`, a float64 state.
    public mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions) {
        position[i] = rng.uniform(options.a, options.b)
        velocity[i] = 0
        isFloat32[i] = false
    }

    @inline(__always)
    public mutating func step(_ i: Int, action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        typealias C = MountainCarContinuous
        typealias S = NumPyScalar
        let a = action.pointee
        // min(max(action[0], -1.0), 1.0): the np.float32 action when in range, else the Python float bound.
        let force = a < C.minAction ? S.python(-1.0) : a > C.maxAction ? S.python(1.0) : S.float32(a)
        var p = S(position[i], isFloat32: isFloat32[i]), v = S(velocity[i], isFloat32: isFloat32[i])
        let cosine = p.isFloat32 ? cos(Double(Float(3) * Float(p.value))) : cos(3 * p.value)
        v = v + (force * S.python(C.power) - S.python(0.0025 * cosine))
        if v > C.maxSpeed { v = .python(C.maxSpeed) }
        if v < -C.maxSpeed { v = .python(-C.maxSpeed) }
        p = p + v
        if p > C.maxPosition { p = .python(C.maxPosition) }
        if p < C.minPosition { p = .python(C.minPosition) }
        if p == C.minPosition && v < 0 { v = .python(0) }
        let terminated = p >= C.goalPosition && v >= C.goalVelocity
        let reward = (terminated ? 100.0 : 0.0) - libmPow(Double(a), 2) * 0.1
        position[i] = Double(Float(p.value))
        velocity[i] = Double(Float(v.value))
        isFloat32[i] = true
        return (reward, terminated)
    }

    @inline(__always)
    public func observe(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(position[i])
        out[1] = Float(velocity[i])
    }

    public func state(_ i: Int, into out: UnsafeMutablePointer<Double>) {
        out[0] = position[i]
        out[1] = velocity[i]
    }

    public func render(_ i: Int, on canvas: inout Canvas) {
        drawMountainCar(position: position[i], goal: MountainCarContinuous.goalPosition, on: &canvas)
    }
}

/// A float as NumPy 2 sees it inside `Continuous_MountainCarEnv.step`: an `np.float32`, or a double
/// (an `np.float64` from the reset state, or a Python float).
///
/// Under NEP 50 a Python float meeting an `np.float32` is rounded to Float32 and the operation runs in Float32; an
/// `np.float64` meeting an `np.float32` runs in Float64. In this step the right operand is never of a stronger kind
/// than the left one, so the result takes the left operand's kind. Comparisons with a Python float constant round the
/// constant to Float32 when the scalar is float32.
struct NumPyScalar {
    /// The exact value (a Float32 value when `isFloat32`).
    var value: Double
    var isFloat32: Bool

    init(_ value: Double, isFloat32: Bool) {
        self.value = value
        self.isFloat32 = isFloat32
    }
    static func float32(_ x: Float) -> NumPyScalar { NumPyScalar(Double(x), isFloat32: true) }
    static func python(_ x: Double) -> NumPyScalar { NumPyScalar(x, isFloat32: false) }

    @inline(__always)
    static func combine(_ l: NumPyScalar, _ r: NumPyScalar, _ f32: (Float, Float) -> Float,
                        _ f64: (Double, Double) -> Double) -> NumPyScalar {
        l.isFloat32 ? .float32(f32(Float(l.value), Float(r.value))) : .python(f64(l.value, r.value))
    }
    static func + (l: NumPyScalar, r: NumPyScalar) -> NumPyScalar { combine(l, r, +, +) }
    static func - (l: NumPyScalar, r: NumPyScalar) -> NumPyScalar { combine(l, r, -, -) }
    static func * (l: NumPyScalar, r: NumPyScalar) -> NumPyScalar { combine(l, r, *, *) }

    @inline(__always)
    static func compare(_ l: NumPyScalar, _ r: Double, _ f32: (Float, Float) -> Bool, _ f64: (Double, Double) -> Bool) -> Bool {
        l.isFloat32 ? f32(Float(l.value), Float(r)) : f64(l.value, r)
    }
    static func > (l: NumPyScalar, r: Double) -> Bool { compare(l, r, >, >) }
    static func < (l: NumPyScalar, r: Double) -> Bool { compare(l, r, <, <) }
    static func >= (l: NumPyScalar, r: Double) -> Bool { compare(l, r, >=, >=) }
    static func == (l: NumPyScalar, r: Double) -> Bool { compare(l, r, ==, ==) }
}
