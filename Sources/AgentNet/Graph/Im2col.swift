/// im2col and its adjoint through phase planes: the image is first split by stride phase into
/// `C·sh·sw` zero-padded planes of `planeH × planeW` (`plane[c, py, px][Y, X] = padded[c, Y·sh + py, X·sw + px]`),
/// after which every im2col row is `oh` contiguous runs of `ow` floats: no bounds checks and no strided reads.
/// The split reads the image once (`C·H·W`) while the columns are `C·kh·kw·oh·ow`, up to 4× larger for the
/// Atari stack's 8×8/4 convolution; before, gathering every column element with strides and padding tests made
/// im2col cost more than the products (benchmarks/bench_recurrent.py). With stride 1 and no padding the planes
/// are the image itself and the split is skipped.
extension ConvDims {
    var planeH: Int { (H + 2 * ph + sh - 1) / sh }
    var planeW: Int { (W + 2 * pw + sw - 1) / sw }
    var planeSize: Int { planeH * planeW }
    /// True when the planes are the image (stride 1, no padding): nothing to split.
    var planesAreImage: Bool { sh == 1 && sw == 1 && ph == 0 && pw == 0 }
    /// Floats of scratch one image's planes need (0 when they are the image).
    var planesCount: Int { planesAreImage ? 0 : C * sh * sw * planeSize }

    /// Copies image `x` (`C×H×W`) into `planes`. Padding cells are never written, so a scratch buffer zeroed once
    /// keeps them zero across calls.
    func split(_ x: UnsafePointer<Float>, _ planes: UnsafeMutablePointer<Float>) {
        let ps = planeSize
        for c in 0..<C {
            for iy in 0..<H {
                let yp = iy + ph, src = x + (c * H + iy) * W
                let first = planes + planeRow(c, yp, 0)
                if pw == 0 && W % sw == 0 && (sw == 2 || sw == 4) {
                    // Read the row once, contiguously, dealing every sw-th pixel to its plane.
                    let n = W / sw
                    if sw == 4 { deal4(src, first, ps, n) } else { deal2(src, first, ps, n) }
                    continue
                }
                for px in 0..<sw where W - 1 + pw - px >= 0 {
                    let dst = planes + planeRow(c, yp, px), s = src + px - pw
                    for X in planeColumns(px) { dst[X] = s[X &* sw] }
                }
            }
        }
    }

    /// The planes of image `x` (the image itself when there is nothing to split), split into `scratch`.
    @inline(__always)
    func planes(of x: UnsafePointer<Float>, _ scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if planesAreImage { return x }
        split(x, scratch)
        return UnsafePointer(scratch)
    }

    /// Offset in the planes of the row holding padded image row `yp` of channel `c`, column phase `px`.
    @inline(__always)
    func planeRow(_ c: Int, _ yp: Int, _ px: Int) -> Int { ((c * sh + yp % sh) * sw + px) * planeSize + (yp / sh) * planeW }

    /// The plane columns `X` of column phase `px` whose image column `X·sw + px − pw` is inside `[0, W)` (callers
    /// skip phases with `W − 1 + pw − px < 0`, which have none).
    @inline(__always)
    func planeColumns(_ px: Int) -> Range<Int> { Swift.max(0, (pw - px + sw - 1) / sw)..<((W - 1 + pw - px) / sw + 1) }

    /// Deals `4·n` contiguous floats of `src` round-robin to four planes `ps` apart (`dst[k·ps + X] = src[4X + k]`):
    /// 8 outputs per plane per step from two 16-lane loads (shuffles), where scalar dealing was load/store bound
    /// (the split was ~4% of the Atari step).
    @inline(__always)
    private func deal4(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ ps: Int, _ n: Int) {
        let s = UnsafeRawPointer(src), d0 = UnsafeMutableRawPointer(dst)
        var X = 0
        while X + 8 <= n {
            let a = s.loadUnaligned(fromByteOffset: 16 * X, as: SIMD16<Float>.self)
            let b = s.loadUnaligned(fromByteOffset: 16 * X + 64, as: SIMD16<Float>.self)
            for k in 0..<4 {
                let v = SIMD8<Float>(a[k], a[k + 4], a[k + 8], a[k + 12], b[k], b[k + 4], b[k + 8], b[k + 12])
                d0.storeBytes(of: v, toByteOffset: 4 * (k * ps + X), as: SIMD8<Float>.self)
            }
            X &+= 8
        }
        while X < n {
            let p = src + 4 * X
            dst[X] = p[0]; dst[ps + X] = p[1]; dst[2 * ps + X] = p[2]; dst[3 * ps + X] = p[3]
            X &+= 1
        }
    }

    /// `deal4` for two planes: `dst[k·ps + X] = src[2X + k]`.
    @inline(__always)
    private func deal2(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ ps: Int, _ n: Int) {
        let s = UnsafeRawPointer(src), d0 = UnsafeMutableRawPointer(dst)
        var X = 0
        while X + 8 <= n {
            let a = s.loadUnaligned(fromByteOffset: 8 * X, as: SIMD16<Float>.self)
            let even = SIMD8<Float>(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14])
            let odd = SIMD8<Float>(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15])
            d0.storeBytes(of: even, toByteOffset: 4 * X, as: SIMD8<Float>.self)
            d0.storeBytes(of: odd, toByteOffset: 4 * (ps + X), as: SIMD8<Float>.self)
            X &+= 8
        }
        while X < n {
            dst[X] = src[2 * X]; dst[ps + X] = src[2 * X + 1]
            X &+= 1
        }
    }

    /// The plane and offset within it that kernel tap (`i`, `j`) of channel `c` reads for output (0, 0).
    @inline(__always)
    func tap(_ c: Int, _ i: Int, _ j: Int) -> Int {
        let ty = (flip ? kh - 1 - i : i) * dh, tx = (flip ? kw - 1 - j : j) * dw
        return ((c * sh + ty % sh) * sw + tx % sw) * planeSize + (ty / sh) * planeW + tx / sw
    }

    /// Writes image `x` into columns `[off, off + P)` of `col` (`K` rows, leading dimension `ld`); `planes` is
    /// scratch of `planesCount` floats.
    func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ ld: Int, _ off: Int,
                _ planes: UnsafeMutablePointer<Float>) {
        let base = self.planes(of: x, planes)
        let PW = planeW
        for c in 0..<C { for i in 0..<kh { for j in 0..<kw {
            let src = base + tap(c, i, j), row = col + ((c * kh + i) * kw + j) * ld + off
            for oy in 0..<oh { copyRun(src + oy * PW, row + oy * ow, ow) }
        } } }
    }

    /// Copies `n` floats. Runs are short (the Atari stack's 20, 9 and 7 pixels): memcpy calls cost more than the
    /// copy, and a plain loop leaves a scalar tail that was a third of im2col's time. Here the tail is one more
    /// 8- (or 4-) lane copy ending at `n` and overlapping the previous one, which rewrites equal values.
    @inline(__always)
    func copyRun(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        @inline(__always) func copy8(_ k: Int) {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self), toByteOffset: 4 * k, as: SIMD8<Float>.self)
        }
        @inline(__always) func copy4(_ k: Int) {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self), toByteOffset: 4 * k, as: SIMD4<Float>.self)
        }
        if n >= 8 {
            var k = 0
            while k + 8 <= n { copy8(k); k &+= 8 }
            if k < n { copy8(n - 8) }
        } else if n >= 4 {
            copy4(0)
            copy4(n - 4)
        } else {
            var k = 0
            while k < n { dst[k] = src[k]; k &+= 1 }
        }
    }

    /// `dst[0..<n] += src[0..<n]` in 8- and 4-lane steps, at most 3 scalar ones (see `copyRun`).
    @inline(__always)
    func addRun(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
        var k = 0
        while k + 8 <= n {
            let v = d.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) + s.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
            d.storeBytes(of: v, toByteOffset: 4 * k, as: SIMD8<Float>.self)
            k &+= 8
        }
        if k + 4 <= n {
            let v = d.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self) + s.loadUnaligned(fromByteOffset: 4 * k, as: SIMD4<Float>.self)
            d.storeBytes(of: v, toByteOffset: 4 * k, as: SIMD4<Float>.self)
            k &+= 4
        }
        while k < n { dst[k] += src[k]; k &+= 1 }
    }

    /// The adjoint of `im2col`: sums columns `[off, off + P)` of `col` into image `x`, which is overwritten.
    func col2im(_ col: UnsafePointer<Float>, _ ld: Int, _ off: Int, _ x: UnsafeMutablePointer<Float>,
                _ planes: UnsafeMutablePointer<Float>) {
        let base = zeroedAccumulator(for: x, planes)
        let PW = planeW
        for c in 0..<C { for i in 0..<kh { for j in 0..<kw {
            let dst = base + tap(c, i, j), row = col + ((c * kh + i) * kw + j) * ld + off
            for oy in 0..<oh { addRun(row + oy * ow, dst + oy * PW, ow) }
        } } }
        mergeAccumulator(planes, into: x)
    }

    /// Where an adjoint (col2im, the shifted input gradient) sums into image `x`: the image itself when the planes
    /// are the image, else the scratch `planes`; zeroed. `mergeAccumulator` then writes the planes back into `x`.
    @inline(__always)
    func zeroedAccumulator(for x: UnsafeMutablePointer<Float>, _ planes: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let base = planesAreImage ? x : planes
        base.update(repeating: 0, count: planesAreImage ? C * H * W : planesCount)
        return base
    }

    @inline(__always)
    func mergeAccumulator(_ planes: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        if !planesAreImage { merge(planes, x) }
    }
}
