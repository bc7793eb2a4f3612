#if canImport(Glibc)
import Glibc
#endif

// A small RGB rasterizer for environment frames: enough polygons, circles and lines to draw Gymnasium's
// classic-control scenes natively, without pygame.

/// An RGB color.
public struct RGB: Sendable, Equatable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }
    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
}

/// A point in scene coordinates: pixels, x to the right, **y upward** (Gymnasium's scenes are drawn y-up and
/// flipped at the end; the canvas does the flip when it writes a pixel).
public typealias Point = (x: Double, y: Double)

/// Draws into a caller's `[height, width, 3]` uint8 buffer, row 0 at the top. Shapes are sampled at pixel centres
/// (no anti-aliasing); anything outside the frame is clipped.
public struct Canvas {
    public let width: Int
    public let height: Int
    let pixels: UnsafeMutableBufferPointer<UInt8>

    /// `pixels` must hold `height * width * 3` bytes.
    public init(width: Int, height: Int, pixels: UnsafeMutableBufferPointer<UInt8>) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Sets pixel column `x`, scene row `y` (counted from the bottom).
    @inline(__always)
    func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let k = ((height - 1 - y) * width + x) * 3
        pixels[k] = c.r
        pixels[k + 1] = c.g
        pixels[k + 2] = c.b
    }

    public func fill(_ c: RGB) {
        for y in 0..<height { for x in 0..<width { set(x, y, c) } }
    }

    /// Fills a polygon (even-odd rule) by scanlines through pixel centres.
    public func fillPolygon(_ points: [Point], _ c: RGB) {
        guard points.count >= 3 else { return }
        let ys = points.map(\.y)
        guard let minY = ys.min(), let maxY = ys.max(), minY.isFinite, maxY.isFinite else { return }
        let rowLow = max(0, Int((minY - 0.5).rounded(.up))), rowHigh = min(height - 1, Int((maxY - 0.5).rounded(.down)))
        guard rowLow <= rowHigh else { return }
        var crossings = [Double]()
        for row in rowLow...rowHigh {
            let y = Double(row) + 0.5
            crossings.removeAll(keepingCapacity: true)
            for k in points.indices {
                let p = points[k], q = points[(k + 1) % points.count]
                if (p.y <= y) != (q.y <= y) {
                    crossings.append(p.x + (y - p.y) / (q.y - p.y) * (q.x - p.x))
                }
            }
            crossings.sort()
            var k = 0
            while k + 1 < crossings.count {
                let from = max(0, Int((crossings[k] - 0.5).rounded(.up)))
                let to = min(width - 1, Int((crossings[k + 1] - 0.5).rounded(.down)))
                if from <= to { for x in from...to { set(x, row, c) } }
                k += 2
            }
        }
    }

    /// Fills the disc of `radius` pixels around `center`.
    public func fillCircle(_ center: Point, radius: Double, _ c: RGB) {
        guard center.x.isFinite, center.y.isFinite, radius > 0 else { return }
        let r2 = radius * radius
        let x0 = max(0, Int((center.x - radius).rounded(.down))), x1 = min(width - 1, Int((center.x + radius).rounded(.up)))
        let y0 = max(0, Int((center.y - radius).rounded(.down))), y1 = min(height - 1, Int((center.y + radius).rounded(.up)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            let dy = Double(y) + 0.5 - center.y
            for x in x0...x1 {
                let dx = Double(x) + 0.5 - center.x
                if dx * dx + dy * dy <= r2 { set(x, y, c) }
            }
        }
    }

    /// A one-pixel line (DDA along the longer axis).
    public func line(_ from: Point, _ to: Point, _ c: RGB) {
        guard from.x.isFinite, from.y.isFinite, to.x.isFinite, to.y.isFinite else { return }
        let dx = to.x - from.x, dy = to.y - from.y
        let steps = Int(min(4096, max(abs(dx), abs(dy)).rounded(.up)))
        for k in 0...max(steps, 0) {
            let t = steps == 0 ? 0 : Double(k) / Double(steps)
            set(Int((from.x + t * dx).rounded(.down)), Int((from.y + t * dy).rounded(.down)), c)
        }
    }

    /// Connected one-pixel segments through `points`.
    public func polyline(_ points: [Point], _ c: RGB) {
        for k in points.indices.dropLast() { line(points[k], points[k + 1], c) }
    }
}

/// `pygame.math.Vector2(p).rotate_rad(angle)` followed by a translation: the rectangle corners of Gymnasium's scenes.
@inline(__always)
func rotated(_ p: Point, by angle: Double, plus offset: Point) -> Point {
    let c = cos(angle), s = sin(angle)
    return (p.x * c - p.y * s + offset.x, p.x * s + p.y * c + offset.y)
}
