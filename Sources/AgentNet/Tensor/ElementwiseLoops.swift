/// Inlined loops that apply a scalar function over broadcast operands. Each call site passes a closure literal,
/// so the optimiser specialises one tight loop per op and dtype (no per-element dispatch).

@inline(__always)
func map1<A, O>(_ n: Int, _ a: UnsafePointer<A>, _ o: UnsafeMutablePointer<O>, _ f: (A) -> O) {
    for i in 0..<n { o[i] = f(a[i]) }
}

extension BroadcastPlan {
    @inline(__always)
    func withRuns(_ body: (UnsafeMutableBufferPointer<Int>, Int, Int) -> Void) {
        let rank = shape.count
        let n = shape[rank - 1]
        let total = outShape.reduce(1, *)
        if total == 0 { return }
        let outer = total / n
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank + strides.count) { buf in
            let index = UnsafeMutableBufferPointer(rebasing: buf[0..<rank])
            let offsets = UnsafeMutableBufferPointer(rebasing: buf[rank..<(rank + strides.count)])
            for i in 0..<buf.count { buf[i] = 0 }
            for r in 0..<outer {
                body(offsets, r * n, n)
                var d = rank - 2
                while d >= 0 {
                    index[d] += 1
                    for k in 0..<strides.count { offsets[k] += strides[k][d] }
                    if index[d] < shape[d] { break }
                    for k in 0..<strides.count { offsets[k] -= strides[k][d] * shape[d] }
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}

@inline(__always)
func map2<A, B, O>(_ plan: BroadcastPlan, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ o: UnsafeMutablePointer<O>,
                   _ f: (A, B) -> O) {
    if plan.isSimple {
        let n = plan.shape[0]
        for i in 0..<n { o[i] = f(a[i], b[i]) }
        return
    }
    let inner = plan.innerStrides
    let sa = inner[0], sb = inner[1]
    plan.withRuns { off, oo, n in
        let pa = a + off[0], pb = b + off[1], po = o + oo
        if sa == 1 && sb == 1 {
            for i in 0..<n { po[i] = f(pa[i], pb[i]) }
        } else if sa == 0 && sb == 1 {
            let x = pa[0]
            for i in 0..<n { po[i] = f(x, pb[i]) }
        } else if sa == 1 && sb == 0 {
            let y = pb[0]
            for i in 0..<n { po[i] = f(pa[i], y) }
        } else {
            let v = f(pa[0], pb[0])
            for i in 0..<n { po[i] = v }
        }
    }
}

@inline(__always)
func map3<A, B, C, O>(_ plan: BroadcastPlan, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>, _ c: UnsafePointer<C>,
                      _ o: UnsafeMutablePointer<O>, _ f: (A, B, C) -> O) {
    let inner = plan.innerStrides
    let sa = inner[0], sb = inner[1], sc = inner[2]
    plan.withRuns { off, oo, n in
        let pa = a + off[0], pb = b + off[1], pc = c + off[2], po = o + oo
        for i in 0..<n { po[i] = f(pa[i * sa], pb[i * sb], pc[i * sc]) }
    }
}
