#if canImport(Glibc)
import Glibc
#endif

/// Gymnasium's `MountainCar-v0` (classic_control/mountain_car.py): rock an underpowered car out of a valley.
///
/// State `[position, velocity]` in Float64; observation the same as Float32. Actions 0, 1, 2 accelerate left, not at
/// all, right. `v += (a − 1)·0.001 + cos(3p)·(−0.0025)` (that association), v clipped to ±0.07, `p += v`, p clipped to
/// [−1.2, 0.6], and v = 0 at the left wall when moving left. Reward −1 per step; terminated when p ≥ 0.5 and v ≥ 0;
/// 200 steps registered.
public struct MountainCar: EnvironmentDynamics {
    public typealias Action = Int64
    public static let id = "MountainCar-v0"
    public static let observationSize = 2
    public static let stateSize = 2
    public static let actionSpace = ActionSpace.discrete(count: 3)
    public static let defaultResetOptions = ResetOptions(-0.6, -0.4)
    public static let registeredMaxEpisodeSteps = 200
    public static let renderSize = (height: 400, width: 600)

    static let minPosition = -1.2, maxPosition = 0.6, maxSpeed = 0.07
    static let goalPosition = 0.5, goalVelocity = 0.0
    static let force = 0.001, gravity = 0.0025

    var position, velocity: [Double]

    public init(count: Int) {
        position = Array(repeating: 0, count: count)
        velocity = position
    }

    public static func validate(_ options: ResetOptions) throws { try validateBounds(options) }

    /// `[np_random.uniform(low, high), 0]`.
    public mutating func reset(_ i: Int, rng: inout PCG64, options: ResetOptions) {
        position[i] = rng.uniform(options.a, options.b)
        velocity[i] = 0
    }

    @inline(__always)
    public mutating func step(_ i: Int, action: UnsafePointer<Int64>) -> (reward: Double, terminated: Bool) {
        typealias C = MountainCar
        var p = position[i], v = velocity[i]
        v += Double(action.pointee - 1) * C.force + cos(3 * p) * -C.gravity
        v = min(max(v, -C.maxSpeed), C.maxSpeed)
        p += v
        p = min(max(p, C.minPosition), C.maxPosition)
        if p == C.minPosition && v < 0 { v = 0 }
        position[i] = p
        velocity[i] = v
        return (-1.0, p >= C.goalPosition && v >= C.goalVelocity)
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
        drawMountainCar(position: position[i], goal: MountainCar.goalPosition, on: &canvas)
    }
}

/// The hill, the car (black, tilted with the slope, grey wheels) and the yellow goal flag, as in mountain_car.py's
/// and continuous_mountain_car.py's `render`.
func drawMountainCar(position pos: Double, goal: Double, on canvas: inout Canvas) {
    let minP = MountainCar.minPosition, maxP = MountainCar.maxPosition
    let scale = Double(canvas.width) / (maxP - minP)
    func height(_ x: Double) -> Double { sin(3 * x) * 0.45 + 0.55 }
    canvas.fill(.white)
    let hill: [Point] = (0..<100).map {
        let x = minP + (maxP - minP) * Double($0) / 99
        return ((x - minP) * scale, height(x) * scale)
    }
    canvas.polyline(hill, .black)
    let carWidth = 40.0, carHeight = 20.0, clearance = 10.0
    let base = ((pos - minP) * scale, clearance + height(pos) * scale)
    let tilt = cos(3 * pos)
    let (l, r, t, b) = (-carWidth / 2, carWidth / 2, carHeight, 0.0)
    canvas.fillPolygon([(l, b), (l, t), (r, t), (r, b)].map { rotated(($0.0, $0.1), by: tilt, plus: base) }, .black)
    for wheel in [(carWidth / 4, 0.0), (-carWidth / 4, 0.0)] {
        let c = rotated(wheel, by: tilt, plus: base)
        let center = (c.x.rounded(.towardZero), c.y.rounded(.towardZero))
        canvas.fillCircle(center, radius: (carHeight / 2.5).rounded(.towardZero), RGB(128, 128, 128))
    }
    let flagX = ((goal - minP) * scale).rounded(.towardZero), flagY1 = (height(goal) * scale).rounded(.towardZero)
    let flagY2 = flagY1 + 50
    canvas.line((flagX, flagY1), (flagX, flagY2), .black)
    canvas.fillPolygon([(flagX, flagY2), (flagX, flagY2 - 10), (flagX + 25, flagY2 - 5)], RGB(204, 204, 0))
}
