/// The plan's freed buffers, for best-fit reuse (Plan.swift): storages bucketed by size, plus the sorted distinct
/// sizes, so a request costs a binary search rather than a scan of every free buffer. The scan made planning
/// quadratic in graph size: an unrolled GRU of 800 ticks has ~50 000 nodes and spent most of its 2 s first call
/// there.
struct FreeStorages {
    /// Distinct byte counts with at least one free storage, ascending.
    private var sizes: [Int] = []
    private var buckets: [Int: [TensorStorage]] = [:]

    /// Index of the first size ≥ `bytes` (`sizes.count` when none).
    private func firstIndex(atLeast bytes: Int) -> Int {
        var lo = 0, hi = sizes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sizes[mid] < bytes { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The smallest free storage of at least `bytes` (the most recently freed of equal ones, whose memory is the
    /// likeliest still in cache), removed from the free set; nil when there is none.
    mutating func take(_ bytes: Int) -> TensorStorage? {
        let k = firstIndex(atLeast: bytes)
        guard k < sizes.count else { return nil }
        let size = sizes[k]
        let s = buckets[size]!.removeLast()
        if buckets[size]!.isEmpty {
            buckets[size] = nil
            sizes.remove(at: k)
        }
        return s
    }

    mutating func put(_ s: TensorStorage) {
        let size = s.byteCount
        if buckets[size] == nil {
            sizes.insert(size, at: firstIndex(atLeast: size))
            buckets[size] = [s]
        } else {
            buckets[size]!.append(s)
        }
    }
}
