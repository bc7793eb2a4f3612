#if canImport(Glibc)
import Glibc
#endif

/// Gymnasium's `Acrobot-v1` (classic_control/acrobot.py, "book" dynamics): swing a two-link pendulum's tip above
/// the bar by torquing the middle joint.
///
/// State `[θ1, θ2, θ̇1, θ̇2]` (Float64 after the first step; the reset draw is rounded to Float32 as Gymnasium does);
/// observation `[cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]` as Float32. Actions 0, 1, 2 apply torque −1, 0, +1.
/// One RK4 step of dt = 0.2, then θ wrapped to [−π, π] and speeds clipped to ±4π, ±9π. Reward −1, or 0 on the
/// terminating step; terminated when `−cos θ1 − cos(θ2 + θ1) > 1`. 500 steps registered.
/// Bit-exact: expressions keep Python's left-to-right order, and NumPy's float64 `x ** 2` is glibc `pow(x, 2)`
/// (not always `x * x`), so `libmPow` is used where the Python code squares a state value.
public struct Acrobot: EnvironmentDynamics {
    public typealias Action = Int64
    public static let id = "Acrobot-v1"
    public static let observationSize = 6
    public static let stateSize = 4
    public static let actionSpace = ActionSpace.discrete(count: 3)
    public static let defaultResetOptions = ResetOptions(-0.1, 0.1)
    public static let registeredMaxEpisodeSteps = 500
    public static let renderSize = (height: 500, width: 500)

    static let dt = 0.2
    static let l1 = 1.0, l2 = 1.0, m1 = 1.0, m2 = 1.0, lc1 = 0.5, lc2 = 0.5, moi = 1.0
    static let maxVel1 = 4 * Double.pi, maxVel2 = 9 * Double.pi
    static let torques: [Double] = [-1.0, 0.0, 1.0]

    var theta1, theta2, dtheta1, dtheta2: [Double]

    public init(count: Int) {
        theta1 = Array(repeating: 0, count: count)
        theta2 = theta1
        dtheta1 = theta1
        dtheta2 = theta1
    }

    public static func validate(_ options: ResetOptions) throws { try validateBounds(options) }

    /// `np_random.uniform(low, high, size=(4,)).astype(np.float32)`.
    public mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions) {
        theta1[i] = Double(Float(rng.uniform(options.a, options.b)))
        theta2[i] = Double(Float(rng.uniform(options.a, options.b)))
        dtheta1[i] = Double(Float(rng.uniform(options.a, options.b)))
        dtheta2[i] = Double(Float(rng.uniform(options.a, options.b)))
    }

    /// `_dsdt`: the time derivative of `[θ1, θ2, θ̇1, θ̇2]` under torque `a` (the fifth, constant, component is 0).
    @inline(__always)
    static func derivatives(_ s: SIMD4<Double>, _ a: Double) -> SIMD4<Double> {
        let (m1, m2, l1, lc1, lc2, I1, I2, g) = (Self.m1, Self.m2, Self.l1, Self.lc1, Self.lc2, Self.moi, Self.moi, 9.8)
        let (theta1, theta2, dtheta1, dtheta2) = (s[0], s[1], s[2], s[3])
        let d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
        let d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + I2
        let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - Double.pi / 2.0)
        let phi1 = -m2 * l1 * lc2 * libmPow(dtheta2, 2) * sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - Double.pi / 2) + phi2
        let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * libmPow(dtheta1, 2) * sin(theta2) - phi2)
            / (m2 * lc2 * lc2 + I2 - libmPow(d2, 2) / d1)
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return SIMD4(dtheta1, dtheta2, ddtheta1, ddtheta2)
    }

    @inline(__always)
    public mutating func step(_ i: Int, action: UnsafePointer<Int64>) -> (reward: Double, terminated: Bool) {
        let a = Acrobot.torques[Int(action.pointee)]
        let y0 = SIMD4(theta1[i], theta2[i], dtheta1[i], dtheta2[i])
        // rk4(derivs, y0, [0, dt]): elementwise NumPy arithmetic, no fused multiply-add.
        let dt = Acrobot.dt, dt2 = dt / 2.0
        let k1 = Acrobot.derivatives(y0, a)
        let k2 = Acrobot.derivatives(y0 + dt2 * k1, a)
        let k3 = Acrobot.derivatives(y0 + dt2 * k2, a)
        let k4 = Acrobot.derivatives(y0 + dt * k3, a)
        let y = y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        theta1[i] = Acrobot.wrap(y[0])
        theta2[i] = Acrobot.wrap(y[1])
        dtheta1[i] = min(max(y[2], -Acrobot.maxVel1), Acrobot.maxVel1)
        dtheta2[i] = min(max(y[3], -Acrobot.maxVel2), Acrobot.maxVel2)
        let terminated = -cos(theta1[i]) - cos(theta2[i] + theta1[i]) > 1.0
        return (terminated ? 0.0 : -1.0, terminated)
    }

    /// acrobot.py's `wrap(x, -π, π)`: add or subtract 2π until x is in range. Angles a reset option or a step can
    /// reach are within a few turns, where this is exactly Gymnasium's loop; an angle beyond 64 turns (from
    /// reset bounds like 1e20, where `x - 2π == x` and the loop would never end) is first brought near the range
    /// with one floor division, and an infinite one becomes NaN.
    static func wrap(_ value: Double) -> Double {
        let (m, M) = (-Double.pi, Double.pi)
        let diff = M - m
        var x = value
        guard x.isFinite else { return .nan }
        if abs(x) > 64 * diff { x = x - diff * ((x - m) / diff).rounded(.down) }
        while x > M { x = x - diff }
        while x < m { x = x + diff }
        return x
    }

    @inline(__always)
    public func observe(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(cos(theta1[i]))
        out[1] = Float(sin(theta1[i]))
        out[2] = Float(cos(theta2[i]))
        out[3] = Float(sin(theta2[i]))
        out[4] = Float(dtheta1[i])
        out[5] = Float(dtheta2[i])
    }

    public func state(_ i: Int, into out: UnsafeMutablePointer<Double>) {
        out[0] = theta1[i]
        out[1] = theta2[i]
        out[2] = dtheta1[i]
        out[3] = dtheta2[i]
    }

    /// Two cyan links with yellow joints hanging from the centre, and the black goal line, as in acrobot.py's `render`.
    public func render(_ i: Int, on canvas: inout Canvas) {
        let bound = Acrobot.l1 + Acrobot.l2 + 0.2
        let scale = Double(canvas.width) / (bound * 2), offset = Double(canvas.width) / 2
        canvas.fill(.white)
        canvas.line((-2.2 * scale + offset, 1 * scale + offset), (2.2 * scale + offset, 1 * scale + offset), .black)
        let s0 = theta1[i], s1 = theta2[i]
        let joints: [Point] = [(0, 0), (Acrobot.l1 * sin(s0) * scale, -Acrobot.l1 * cos(s0) * scale)]
        let angles = [s0 - Double.pi / 2, s0 + s1 - Double.pi / 2]
        let lengths = [Acrobot.l1 * scale, Acrobot.l2 * scale]
        for k in 0..<2 {
            let origin = (joints[k].x + offset, joints[k].y + offset)
            let (l, r, t, b) = (0.0, lengths[k], 0.1 * scale, -0.1 * scale)
            let link = [(l, b), (l, t), (r, t), (r, b)].map { rotated(($0.0, $0.1), by: angles[k], plus: origin) }
            canvas.fillPolygon(link, RGB(0, 204, 204))
            canvas.fillCircle(origin, radius: (0.1 * scale).rounded(.towardZero), RGB(204, 204, 0))
        }
    }
}
