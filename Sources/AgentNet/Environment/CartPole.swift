#if canImport(Glibc)
import Glibc
#endif

/// Gymnasium's `CartPole-v1` (classic_control/cartpole.py): push a cart left or right to keep a pole upright.
///
/// State `[x, x_dot, theta, theta_dot]` in Float64; observation the same four values as Float32. Actions: 0 pushes left,
/// 1 pushes right (force ±10 N). Reward 1 per step including the terminating one; terminated when |x| > 2.4 or
/// |theta| > 12°; 500 steps registered. Explicit Euler with τ = 0.02, every update from the old values.
/// Bit-exact with Gymnasium: the expression order below is NumPy's (`pml·(θ̇·θ̇)·sinθ`, `mp·(cosθ·cosθ)/M`) and
/// `cos`/`sin` are glibc's, which NumPy also calls for float64.
public struct CartPole: EnvironmentDynamics {
    public typealias Action = Int64
    public static let id = "CartPole-v1"
    public static let observationSize = 4
    public static let stateSize = 4
    public static let actionSpace = ActionSpace.discrete(count: 2)
    public static let defaultResetOptions = ResetOptions(-0.05, 0.05)
    public static let registeredMaxEpisodeSteps = 500
    public static let renderSize = (height: 400, width: 600)

    static let gravity = 9.8, masscart = 1.0, masspole = 0.1
    static let totalMass = masspole + masscart
    static let length = 0.5  // half the pole's length
    static let polemassLength = masspole * length
    static let forceMag = 10.0, tau = 0.02
    static let thetaThreshold = 12 * 2 * Double.pi / 360
    static let xThreshold = 2.4

    let x, xDot, theta, thetaDot: Column<Double>
    /// The episode already terminated (Gymnasium's `steps_beyond_terminated is not None`): further steps pay 0.
    let terminatedBefore: Column<Bool>
    /// Scratch for `stepAll`: sin θ and cos θ per sub-env.
    let sines, cosines: Column<Double>

    public init(count: Int) {
        x = Column(count: count, repeating: 0)
        xDot = Column(count: count, repeating: 0)
        theta = Column(count: count, repeating: 0)
        thetaDot = Column(count: count, repeating: 0)
        terminatedBefore = Column(count: count, repeating: false)
        sines = Column(count: count, repeating: 0)
        cosines = Column(count: count, repeating: 0)
    }

    public static func validate(_ options: ResetOptions) throws { try validateBounds(options) }

    /// `np_random.uniform(low, high, size=(4,))`, drawn in order x, x_dot, theta, theta_dot.
    public mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions) {
        x[i] = rng.uniform(options.a, options.b)
        xDot[i] = rng.uniform(options.a, options.b)
        theta[i] = rng.uniform(options.a, options.b)
        thetaDot[i] = rng.uniform(options.a, options.b)
        terminatedBefore[i] = false
    }

    public mutating func step(_ i: Int, action: UnsafePointer<Int64>) -> (reward: Double, terminated: Bool) {
        step(i, action: action.pointee, sintheta: sin(theta[i]), costheta: cos(theta[i]))
    }

    /// All sines and cosines first (one `sincos` per sub-env), then the arithmetic, so that the divisions of
    /// neighbouring sub-envs overlap instead of waiting behind libm calls: about 1.5× faster than stepping one by one.
    public mutating func stepAll(count: Int, actions: UnsafePointer<Int64>, rewards: UnsafeMutablePointer<Double>,
                                 terminated: UnsafeMutablePointer<Bool>) {
        libmSinCos(theta.base, count: count, sin: sines.base, cos: cosines.base)
        for i in 0..<count {
            (rewards[i], terminated[i]) = step(i, action: actions[i], sintheta: sines[i], costheta: cosines[i])
        }
    }

    @inline(__always)
    mutating func step(_ i: Int, action: Int64, sintheta: Double, costheta: Double) -> (reward: Double, terminated: Bool) {
        typealias C = CartPole
        let force = action == 1 ? C.forceMag : -C.forceMag
        let x0 = x[i], v0 = xDot[i], th = theta[i], w = thetaDot[i]
        let temp = (force + C.polemassLength * (w * w) * sintheta) / C.totalMass
        let thetaacc = (C.gravity * sintheta - costheta * temp)
            / (C.length * (4.0 / 3.0 - C.masspole * (costheta * costheta) / C.totalMass))
        let xacc = temp - C.polemassLength * thetaacc * costheta / C.totalMass
        let x1 = x0 + C.tau * v0
        x[i] = x1
        xDot[i] = v0 + C.tau * xacc
        let th1 = th + C.tau * w
        theta[i] = th1
        thetaDot[i] = w + C.tau * thetaacc
        let terminated = x1 < -C.xThreshold || x1 > C.xThreshold || th1 < -C.thetaThreshold || th1 > C.thetaThreshold
        guard terminated else { return (1.0, false) }
        let reward = terminatedBefore[i] ? 0.0 : 1.0
        terminatedBefore[i] = true
        return (reward, true)
    }

    @inline(__always)
    public func observe(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(x[i])
        out[1] = Float(xDot[i])
        out[2] = Float(theta[i])
        out[3] = Float(thetaDot[i])
    }

    public func state(_ i: Int, into out: UnsafeMutablePointer<Double>) {
        out[0] = x[i]
        out[1] = xDot[i]
        out[2] = theta[i]
        out[3] = thetaDot[i]
    }

    /// Cart (black), pole (tan) on an axle (blue-grey), and the track line, as in cartpole.py's `render`.
    public func render(_ i: Int, on canvas: inout Canvas) {
        let scale = Double(canvas.width) / (CartPole.xThreshold * 2)
        let poleWidth = 10.0, poleLength = scale * (2 * CartPole.length)
        let cartWidth = 50.0, cartHeight = 30.0, axleOffset = cartHeight / 4
        let cartX = x[i] * scale + Double(canvas.width) / 2, cartY = 100.0
        canvas.fill(.white)
        let (l, r, t, b) = (-cartWidth / 2, cartWidth / 2, cartHeight / 2, -cartHeight / 2)
        canvas.fillPolygon([(l, b), (l, t), (r, t), (r, b)].map { ($0.0 + cartX, $0.1 + cartY) }, .black)
        let (pl, pr, pt, pb) = (-poleWidth / 2, poleWidth / 2, poleLength - poleWidth / 2, -poleWidth / 2)
        let pole = [(pl, pb), (pl, pt), (pr, pt), (pr, pb)].map {
            rotated(($0.0, $0.1), by: -theta[i], plus: (cartX, cartY + axleOffset))
        }
        canvas.fillPolygon(pole, RGB(202, 152, 101))
        canvas.fillCircle((cartX, cartY + axleOffset), radius: poleWidth / 2, RGB(129, 132, 203))
        canvas.line((0, cartY), (Double(canvas.width), cartY), .black)
    }
}
