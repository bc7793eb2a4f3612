/// Transposes, broadcasts and slices all reduce to a strided copy.

/// Builds a kernel that copies a strided view of `x` into `out` for any dtype.
func stridedCopyKernel(_ x: Tensor, base: Int, strides: [Int], _ out: Tensor) -> Kernel {
    let shape = out.shape
    let plan = BroadcastPlan(out: shape, strides: [strides, contiguousStrides(shape)])
    let s = plan.innerStrides[0]
    let size = x.dtype.size
    let src = x.storage.raw, dst = out.storage.raw
    switch size {
    case 4:
        let p0 = src.assumingMemoryBound(to: UInt32.self) + base, o = dst.assumingMemoryBound(to: UInt32.self)
        return { plan.withRuns { off, oo, n in
            let p = p0 + off[0], po = o + oo
            if s == 1 { po.update(from: p, count: n) } else { for i in 0..<n { po[i] = p[i * s] } }
        } }
    default:
        let p0 = src.assumingMemoryBound(to: UInt8.self) + base, o = dst.assumingMemoryBound(to: UInt8.self)
        return { plan.withRuns { off, oo, n in
            let p = p0 + off[0], po = o + oo
            if s == 1 { po.update(from: p, count: n) } else { for i in 0..<n { po[i] = p[i * s] } }
        } }
    }
}
