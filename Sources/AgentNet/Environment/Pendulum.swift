#if canImport(Glibc)
import Glibc
#endif

/// Gymnasium's `Pendulum-v1` (classic_control/pendulum.py): swing a pendulum up and hold it there.
///
/// State `[θ, θ̇]` in Float64 (θ never wrapped); observation `[cos θ, sin θ, θ̇]` as Float32; action one Float32
/// torque clipped to [−2, 2]. Cost `angle_normalize(θ)² + 0.1·θ̇² + 0.001·u²` on the pre-step state, reward = −cost;
/// `θ̇ += (15·sin θ + 3u)·0.05` clipped to ±8, then `θ += θ̇·0.05`. Never terminates; 200 steps registered.
///
/// Bit-exact with Gymnasium under NumPy 2: `u` stays an `np.float32`, so `0.001·u**2` and `3.0·u` run in Float32
/// (`u**2` is glibc `powf(u, 2)`, not always `u*u`), float64 squares are glibc `pow(x, 2)` (see `libmPow`), and
/// `angle_normalize` uses NumPy's floor-modulo.
public struct Pendulum: EnvironmentDynamics {
    public typealias Action = Float
    public static let id = "Pendulum-v1"
    public static let observationSize = 3
    public static let stateSize = 2
    public static let actionSpace = ActionSpace.box(low: -2, high: 2, width: 1)
    /// `x_init = π`, `y_init = 1`: θ ~ U(−π, π), θ̇ ~ U(−1, 1).
    public static let defaultResetOptions = ResetOptions(Double.pi, 1.0)
    public static let registeredMaxEpisodeSteps = 200
    public static let renderSize = (height: 500, width: 500)

    static let maxSpeed = 8.0, maxTorque: Float = 2.0, dt = 0.05, g = 10.0, m = 1.0, l = 1.0

    var theta, thetaDot: [Double]
    /// The last clipped torque, for the picture (Gymnasium's `last_u`); NaN after reset.
    var lastTorque: [Float]

    public init(count: Int) {
        theta = Array(repeating: 0, count: count)
        thetaDot = theta
        lastTorque = Array(repeating: .nan, count: count)
    }

    /// `uniform(low=-[x, y], high=[x, y])` needs finite, non-negative ranges, as NumPy does.
    public static func validate(_ options: ResetOptions) throws {
        for v in [options.a, options.b] where !((v - -v) >= 0 && (v - -v).isFinite) {
            throw AgentNetError(.invalidArgument, "Pendulum reset options x_init, y_init must be finite and >= 0, got \(v)")
        }
    }

    public mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions) {
        theta[i] = rng.uniform(-options.a, options.a)
        thetaDot[i] = rng.uniform(-options.b, options.b)
        lastTorque[i] = .nan
    }

    /// pendulum.py's `angle_normalize`: `((x + π) % 2π) − π` with NumPy's float64 remainder (fmod, then moved to the
    /// divisor's sign).
    @inline(__always)
    static func angleNormalize(_ x: Double) -> Double {
        let a = x + Double.pi, b = 2 * Double.pi
        var mod = fmod(a, b)
        if mod != 0 {
            if (b < 0) != (mod < 0) { mod += b }
        } else {
            mod = copysign(0, b)
        }
        return mod - Double.pi
    }

    @inline(__always)
    public mutating func step(_ i: Int, action: UnsafePointer<Float>) -> (reward: Double, terminated: Bool) {
        typealias C = Pendulum
        let u = min(max(action.pointee, -C.maxTorque), C.maxTorque)
        let th = theta[i], thdot = thetaDot[i]
        let costs = libmPow(C.angleNormalize(th), 2) + 0.1 * libmPow(thdot, 2) + Double(Float(0.001) * libmPow(u, 2))
        var newthdot = thdot + (3 * C.g / (2 * C.l) * sin(th) + Double(Float(3.0 / (C.m * C.l * C.l)) * u)) * C.dt
        newthdot = min(max(newthdot, -C.maxSpeed), C.maxSpeed)
        theta[i] = th + newthdot * C.dt
        thetaDot[i] = newthdot
        lastTorque[i] = u
        return (-costs, false)
    }

    @inline(__always)
    public func observe(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        out[0] = Float(cos(theta[i]))
        out[1] = Float(sin(theta[i]))
        out[2] = Float(thetaDot[i])
    }

    public func state(_ i: Int, into out: UnsafeMutablePointer<Double>) {
        out[0] = theta[i]
        out[1] = thetaDot[i]
    }

    /// The red rod with rounded ends around a black axle, as in pendulum.py's `render`; the torque arrow image is drawn
    /// as a grey arc whose length grows with |u| (pointing the way the torque turns).
    public func render(_ i: Int, on canvas: inout Canvas) {
        let scale = Double(canvas.width) / (2.2 * 2), offset = Double(canvas.width / 2)
        let rodLength = 1 * scale, rodWidth = 0.2 * scale
        let color = RGB(204, 77, 77)
        canvas.fill(.white)
        let angle = theta[i] + Double.pi / 2
        let (l, r, t, b) = (0.0, rodLength, rodWidth / 2, -rodWidth / 2)
        canvas.fillPolygon([(l, b), (l, t), (r, t), (r, b)].map { rotated(($0.0, $0.1), by: angle, plus: (offset, offset)) }, color)
        let end = rotated((rodLength, 0), by: angle, plus: (offset, offset))
        let radius = (rodWidth / 2).rounded(.towardZero)
        canvas.fillCircle((offset, offset), radius: radius, color)
        canvas.fillCircle((end.x.rounded(.towardZero), end.y.rounded(.towardZero)), radius: radius, color)
        let u = Double(lastTorque[i])
        if u.isFinite && u != 0 {
            let arcRadius = scale * abs(u) / 4, sweep = Double.pi * abs(u) / 2
            let arc: [Point] = (0...32).map {
                let phi = Double.pi / 2 - (u > 0 ? -1 : 1) * sweep * Double($0) / 32
                return (offset + arcRadius * cos(phi), offset + arcRadius * sin(phi))
            }
            canvas.polyline(arc, RGB(64, 64, 64))
        }
        canvas.fillCircle((offset, offset), radius: (0.05 * scale).rounded(.towardZero), .black)
    }
}
