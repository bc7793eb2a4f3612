/// Convolution without im2col: products over shifted views of the stride-phase planes (Im2col.swift).
///
/// With unit dilation and a kernel whose size the stride divides (`kh % sh == 0`, `kw % sw == 0`: every stride-1
/// convolution, the Atari stack's 8×8/4 and 4×4/2), the `C·sh·sw` planes of one image are an ordinary stride-1
/// image and the kernel a `(kh/sh) × (kw/sw)` one over them. Kernel offset `(Y0, X0)` of that smaller kernel then
/// reads, for every plane row `r`, the run of `planes[r]` starting at `Y0·planeW + X0`: a `[C·sh·sw, N]` matrix
/// with leading dimension `planeSize`, no copy needed. The output is computed at full plane width, column
/// `oy·planeW + ox` for `ox < planeW`, of which the last `planeW − ow` of each row are discarded:
///
///     out_b[F, N] = Σ_(Y0, X0) Wg[Y0, X0][F, C·sh·sw] · planes_b[:, Y0·planeW + X0 ..< … + N]   (ld planeSize)
///
/// with `N = (oh − 1)·planeW + ow` (the last row's discarded tail is not computed, so no read passes the planes'
/// end) and `Wg` the filters regrouped per offset (flip folded in). The gradients are the same products
/// transposed: the input gradient accumulates `Wgᵀ · g_b` into the shifted plane views, the filter gradient
/// `g_b · viewᵀ` into `Wg`, with `g_b` spread to full width over zeros (the discarded columns contribute nothing).
///
/// Compared with im2col + one product per chunk of images: no `K × P` column matrix is written and packed (for the
/// Atari stack that is 13, 5 and 3.6 MB per pass), and the per-image products are small enough for OpenBLAS's
/// unpacked small-matrix kernels. Measured with benchmarks/bench_recurrent.py: the stack's forward+backward went
/// from 26.0 to 23.5 ms at batch 32 (PyTorch: 23.8 ms in the same run). The cost is `(planeW − ow)/planeW` wasted
/// columns (5%, 10% and 22% there).
extension ConvDims {
    /// True when this convolution runs on shifted plane views (`ConvShifted.swift`) rather than im2col.
    var shifted: Bool { dh == 1 && dw == 1 && kh % sh == 0 && kw % sw == 0 && B > 0 }
    /// Rows of one shifted view: planes per image.
    var planeRows: Int { C * sh * sw }
    /// Kernel offsets of the stride-1 kernel over the planes.
    var groups: (Int, Int) { (kh / sh, kw / sw) }
    /// Columns of one full-width output: `(oh − 1)·planeW + ow`.
    var fullColumns: Int { oh == 0 || ow == 0 ? 0 : (oh - 1) * planeW + ow }

    /// Element `(f, r)` of group `g = Y0·(kw/sw) + X0` of `Wg` ↔ filter element `w[f, c, i, j]`: the filter index
    /// for every `Wg` position, in `Wg` order (`[groups, F, planeRows]`).
    func groupedFilterIndex() -> [Int] {
        let (gy, gx) = groups, R = planeRows
        var index = [Int](repeating: 0, count: gy * gx * F * R)
        var k = 0
        for y0 in 0..<gy { for x0 in 0..<gx { for f in 0..<F { for r in 0..<R {
            let c = r / (sh * sw), py = (r / sw) % sh, px = r % sw
            let ty = y0 * sh + py, tx = x0 * sw + px
            let i = flip ? kh - 1 - ty : ty, j = flip ? kw - 1 - tx : tx
            index[k] = ((f * C + c) * kh + i) * kw + j
            k += 1
        } } } }
        return index
    }

    /// `out [F, oh, ow]` ← the full-width `[F, N]` product (row stride `N`).
    @inline(__always)
    func compact(_ full: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let N = fullColumns, PW = planeW
        for f in 0..<F {
            let s = full + f * N, d = out + f * P
            for oy in 0..<oh { copyRun(s + oy * PW, d + oy * ow, ow) }
        }
    }

    /// The full-width `[F, N]` spread of `g [F, oh, ow]`; `full`'s discarded columns are zero from allocation and
    /// never written.
    @inline(__always)
    func spread(_ g: UnsafePointer<Float>, _ full: UnsafeMutablePointer<Float>) {
        let N = fullColumns, PW = planeW
        for f in 0..<F {
            let s = g + f * P, d = full + f * N
            for oy in 0..<oh { copyRun(s + oy * ow, d + oy * PW, ow) }
        }
    }

    /// Writes `planes` back into image `x` (each pixel is one plane cell): the inverse of `split`.
    func merge(_ planes: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>) {
        for c in 0..<C {
            for iy in 0..<H {
                let yp = iy + ph, dst = x + (c * H + iy) * W
                if pw == 0 && W % sw == 0 && (sw == 2 || sw == 4) {
                    let first = planes + planeRow(c, yp, 0)
                    if sw == 4 { interleave4(first, planeSize, dst, W / 4) } else { interleave2(first, planeSize, dst, W / 2) }
                    continue
                }
                for px in 0..<sw where W - 1 + pw - px >= 0 {
                    let src = planes + planeRow(c, yp, px), d = dst + px - pw
                    for X in planeColumns(px) { d[X &* sw] = src[X] }
                }
            }
        }
    }
}

/// `dst[4X + k] = src[k·ps + X]` for `X < n`: the inverse of `deal4` (Im2col.swift), one 4×4 transpose per step
/// (the scalar loop was ~2% of the Atari step, in the stride-2 input gradient).
@inline(__always)
private func interleave4(_ src: UnsafePointer<Float>, _ ps: Int, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    var X = 0
    while X + 4 <= n {
        let a = s.loadUnaligned(fromByteOffset: 4 * X, as: SIMD4<Float>.self)
        let b = s.loadUnaligned(fromByteOffset: 4 * (ps + X), as: SIMD4<Float>.self)
        let c = s.loadUnaligned(fromByteOffset: 4 * (2 * ps + X), as: SIMD4<Float>.self)
        let e = s.loadUnaligned(fromByteOffset: 4 * (3 * ps + X), as: SIMD4<Float>.self)
        let v = SIMD16<Float>(a[0], b[0], c[0], e[0], a[1], b[1], c[1], e[1], a[2], b[2], c[2], e[2], a[3], b[3], c[3], e[3])
        d.storeBytes(of: v, toByteOffset: 16 * X, as: SIMD16<Float>.self)
        X &+= 4
    }
    while X < n {
        let q = dst + 4 * X
        q[0] = src[X]; q[1] = src[ps + X]; q[2] = src[2 * ps + X]; q[3] = src[3 * ps + X]
        X &+= 1
    }
}

/// `dst[2X + k] = src[k·ps + X]` for `X < n`: the inverse of `deal2`.
@inline(__always)
private func interleave2(_ src: UnsafePointer<Float>, _ ps: Int, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    var X = 0
    while X + 8 <= n {
        let a = s.loadUnaligned(fromByteOffset: 4 * X, as: SIMD8<Float>.self)
        let b = s.loadUnaligned(fromByteOffset: 4 * (ps + X), as: SIMD8<Float>.self)
        let v = SIMD16<Float>(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
        d.storeBytes(of: v, toByteOffset: 8 * X, as: SIMD16<Float>.self)
        X &+= 8
    }
    while X < n {
        dst[2 * X] = src[X]; dst[2 * X + 1] = src[ps + X]
        X &+= 1
    }
}

/// What every shifted-view kernel prepares once: the filter regrouping, scratch for the regrouped filters, the
/// full-width product and one image's planes, and each group's view offset.
private struct ShiftedSetup {
    let d: ConvDims
    /// Filter index of every `Wg` position, in `Wg` order (`groupedFilterIndex`).
    let index: [Int]
    /// View offset of each group `g = Y0·(kw/sw) + X0` inside the planes.
    let offsets: [Int]
    let R, N, F, ps, image: Int
    let wg, full, planes: ScratchBuffer

    init(_ d: ConvDims) throws {
        self.d = d
        index = d.groupedFilterIndex()
        let (gy, gx) = d.groups
        offsets = (0..<(gy * gx)).map { $0 / gx * d.planeW + $0 % gx }
        (R, N, F, ps, image) = (d.planeRows, d.fullColumns, d.F, d.planeSize, d.C * d.H * d.W)
        wg = try ScratchBuffer(index.count)
        full = try ScratchBuffer(F * N)
        planes = try ScratchBuffer(d.planesCount)
    }

    /// `Wg` ← the filters `w`, regrouped.
    func regroup(_ w: UnsafePointer<Float>) { for (k, i) in index.enumerated() { wg.p[k] = w[i] } }

    /// Group `g`'s `[F, R]` block of `Wg` (or `[R, F]` for the filter gradient).
    func group(_ g: Int) -> UnsafeMutablePointer<Float> { wg.p + g * F * R }
}

/// The three shifted-view kernels; each owns its scratch for the plan's lifetime.
enum ConvShifted {
    /// `out = conv2d(x, w) (+ bias)`.
    static func forward(_ d: ConvDims, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                        bias: UnsafePointer<Float>?) throws -> Kernel {
        let s = try ShiftedSetup(d), (R, N, F) = (s.R, s.N, s.F)
        return {
            s.regroup(w)
            for b in 0..<d.B {
                let src = d.planes(of: x + b * s.image, s.planes.p)
                if let bias { for f in 0..<F { (s.full.p + f * N).update(repeating: bias[f], count: N) } }
                for (g, off) in s.offsets.enumerated() {
                    sgemm(false, false, Int32(F), Int32(N), Int32(R), 1,
                                s.group(g), Int32(R), src + off, Int32(s.ps),
                                bias == nil && g == 0 ? 0 : 1, s.full.p, Int32(N))
                }
                d.compact(s.full.p, out + b * F * d.P)
            }
        }
    }

    /// `dx = conv2d_input_grad(g, w)`: per image, `Wgᵀ · g_b` accumulated into the shifted views of zeroed planes,
    /// which are then merged into `dx`.
    static func inputGrad(_ d: ConvDims, _ g: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>) throws -> Kernel {
        let s = try ShiftedSetup(d), (R, N, F) = (s.R, s.N, s.F)
        return {
            s.regroup(w)
            for b in 0..<d.B {
                let dst = d.zeroedAccumulator(for: dx + b * s.image, s.planes.p)
                d.spread(g + b * F * d.P, s.full.p)
                for (k, off) in s.offsets.enumerated() {
                    sgemm(true, false, Int32(R), Int32(N), Int32(F), 1,
                                s.group(k), Int32(R), s.full.p, Int32(N), 1, dst + off, Int32(s.ps))
                }
                d.mergeAccumulator(s.planes.p, into: dx + b * s.image)
            }
        }
    }

    /// `dw = conv2d_filter_grad(x, g)`: `Σ_b view · g_bᵀ` per group into `Wgᵀ`, then scattered to `[F, C, kh, kw]`.
    /// (`view · gᵀ` rather than `g · viewᵀ`: 6% faster for the Atari stack's 8×8/4 layer, equal for the others.)
    static func filterGrad(_ d: ConvDims, _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dw: UnsafeMutablePointer<Float>) throws -> Kernel {
        let s = try ShiftedSetup(d), (R, N, F) = (s.R, s.N, s.F)
        return {
            for b in 0..<d.B {
                let src = d.planes(of: x + b * s.image, s.planes.p)
                d.spread(g + b * F * d.P, s.full.p)
                for (k, off) in s.offsets.enumerated() {
                    sgemm(false, true, Int32(R), Int32(F), Int32(N), 1,
                                src + off, Int32(s.ps), s.full.p, Int32(N), b == 0 ? 0 : 1, s.group(k), Int32(F))
                }
            }
            // wg holds each group transposed, [R, F]: index k = (g·F + f)·R + r of Wg is (g·R + r)·F + f here.
            var k = 0
            for grp in s.offsets.indices { for f in 0..<F { for r in 0..<R {
                dw[s.index[k]] = s.wg.p[(grp * R + r) * F + f]
                k += 1
            } } }
        }
    }
}
