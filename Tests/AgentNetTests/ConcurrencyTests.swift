@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Eight threads at once on compiled functions, shared values, one environment and graph construction
// (Function.swift and SharedValue.swift describe the locking). Results must equal the serial ones.

/// Runs `body(i)` for i in 0..<n on n threads started together (pthreads: no Foundation), waits for all and returns
/// their results in order; rethrows the first error a body threw.
func onThreads<R>(_ n: Int, _ body: @escaping (Int) throws -> R) throws -> [R] {
    let slots = UnsafeMutablePointer<Result<R, any Error>?>.allocate(capacity: n)
    slots.initialize(repeating: nil, count: n)
    defer { slots.deinitialize(count: n); slots.deallocate() }
    // Each thread writes only its own slot.
    let jobs = (0..<n).map { i in ThreadJob { slots[i] = Result { try body(i) } } }
    var threads: [pthread_t] = []
    for job in jobs {
        var t = pthread_t()
        let started = pthread_create(&t, nil, { p in
            Unmanaged<ThreadJob>.fromOpaque(p!).takeUnretainedValue().run()
            return nil
        }, Unmanaged.passUnretained(job).toOpaque())
        precondition(started == 0, "pthread_create failed")
        threads.append(t)
    }
    for t in threads { pthread_join(t, nil) }
    return try (0..<n).map { try slots[$0]!.get() }
}

/// One thread's work for `onThreads`.
final class ThreadJob {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

@Suite struct ConcurrencyTests {
    @Test func independentFunctionsRunOnEightThreads() throws {
        let n = 8, calls = 100
        let x = Node.input("x", shape: [4, 8])
        let starts = (0..<n).map { Check.random([8, 8], seed: UInt64($0 + 1)) }
        let weights = starts.map { SharedValue($0) }
        // f_i(x) = x · W_i, then W_i += 1: output k is x · (W_i0 + k).
        let fs = try weights.map { w in
            try Function(inputs: [x], outputs: [try T.dot(x, w.node)], updates: [(w, try T.add(w.node, 1))])
        }
        let input = Check.random([4, 8], seed: 99)
        let outputs = try onThreads(n) { i in try (0..<calls).map { _ in try fs[i]([input])[0].scalars } }
        for i in 0..<n {
            var w = starts[i].scalars
            for k in 0..<calls {
                #expect(Check.maxDiff(outputs[i][k], Check.matmul(input.scalars, w, 4, 8, 8)) < 1e-3)
                w = w.map { $0 + 1 }  // the update, rounded to float32 as the engine does
            }
            #expect(weights[i].value.scalars == w)
        }
    }

    @Test func functionsWritingTheSameSharedValuesNeverInterleave() throws {
        let size = 4096, calls = 150
        let a = SharedValue(try Tensor(zeros: [size])), b = SharedValue(try Tensor(zeros: [size]))
        // Three writers listing the values in different orders (lock order is by creation, not listing), and a
        // reader that must see a and b each all-equal (never half updated) and b == a where both move together.
        let incA = try Function(inputs: [], outputs: [], updates: [(a, try T.add(a.node, 1))])
        let incBoth = try Function(inputs: [], outputs: [], updates: [(b, try T.add(b.node, 1)), (a, try T.add(a.node, 1))])
        let incBothAgain = try Function(inputs: [], outputs: [], updates: [(a, try T.add(a.node, 1)), (b, try T.add(b.node, 1))])
        let read = try Function(inputs: [], outputs: [a.node, b.node])
        let torn = try onThreads(8) { i in
            var torn = 0
            for _ in 0..<calls {
                switch i % 4 {
                case 0: _ = try incA([])
                case 1: _ = try incBoth([])
                case 2: _ = try incBothAgain([])
                default:
                    let v = try read([]).map(\.scalars)
                    if Set(v[0]).count != 1 || Set(v[1]).count != 1 { torn += 1 }
                }
            }
            return torn
        }
        #expect(torn == Array(repeating: 0, count: 8))
        // Threads 0 and 4 ran incA, 1 and 5 incBoth, 2 and 6 incBothAgain.
        #expect(a.value.scalars == Array(repeating: Float(6 * calls), count: size))
        #expect(b.value.scalars == Array(repeating: Float(4 * calls), count: size))
    }

    @Test func oneFunctionCalledFromEightThreadsCountsEveryCall() throws {
        let counter = SharedValue(Check.floats([0]))
        let x = Node.input("x", shape: [nil])
        let f = try Function(inputs: [x], outputs: [try T.sum(x)], updates: [(counter, try T.add(counter.node, 1))])
        let sums = try onThreads(8) { i in
            let v = Check.floats(Array(repeating: Float(i), count: 100 + i))
            return try (0..<200).reduce(Float(0)) { s, _ in s + (try f([v])[0].scalars[0]) }
        }
        #expect(counter.value.scalars == [1600])
        let expected: [Float] = (0..<8).map { (i: Int) -> Float in Float(200 * i * (100 + i)) }
        #expect(sums == expected)
    }

    @Test func sharedValueSetAndReadRaceWithCalls() throws {
        let w = SharedValue(try Tensor(zeros: [1000]))
        let f = try Function(inputs: [], outputs: [try T.sum(w.node)], updates: [(w, try T.add(w.node, 1))])
        let sums = try onThreads(4) { i in
            var sums: [Float] = []
            for k in 0..<100 {
                switch i {
                case 0: sums.append(try f([])[0].scalars[0])
                case 1: try w.set(Check.floats(Array(repeating: Float(k), count: 1000 + 1000 * (k % 2))))
                default:
                    let v = w.value.scalars
                    guard Set(v).count == 1 else { throw AgentNetError.invalid("torn value") }
                }
            }
            return sums
        }
        // Every call saw one whole value: the sum of a constant vector of 1000 or 2000 elements.
        #expect(sums[0].count == 100)
        #expect(sums[0].allSatisfy { $0.truncatingRemainder(dividingBy: 1000) == 0 })
    }

    @Test func oneEnvironmentSteppedFromEightThreads() throws {
        let numEnvs = 4, perThread = 50, threads = 8
        func makeEnv() throws -> VectorEnvironment<CartPole> {
            let env = try VectorEnvironment<CartPole>(numEnvs: numEnvs, maxEpisodeSteps: 20)
            try env.seed([7], first: 0, count: numEnvs)
            var obs = [Float](repeating: 0, count: numEnvs * 4)
            try obs.withUnsafeMutableBufferPointer { try env.reset(mask: nil, options: nil, observations: $0) }
            return env
        }
        /// One step with every action 1 (so the order of steps does not matter); the observation rows as text.
        func step(_ env: VectorEnvironment<CartPole>) throws -> String {
            var obs = [Float](repeating: 0, count: numEnvs * 4), rewards = [Double](repeating: 0, count: numEnvs)
            var terminated = [Bool](repeating: false, count: numEnvs), truncated = terminated
            let actions = [Int64](repeating: 1, count: numEnvs)
            try obs.withUnsafeMutableBufferPointer { o in
                try rewards.withUnsafeMutableBufferPointer { r in
                    try terminated.withUnsafeMutableBufferPointer { t in
                        try truncated.withUnsafeMutableBufferPointer { u in
                            try actions.withUnsafeBufferPointer { a in
                                try env.step(.discrete(a), into: StepOutput(observations: o, rewards: r, terminated: t, truncated: u))
                            }
                        }
                    }
                }
            }
            return "\(obs.map(\.bitPattern)) \(rewards) \(terminated) \(truncated)"
        }
        let serial = try makeEnv()
        let expected = try (0..<threads * perThread).map { _ in try step(serial) }
        let shared = try makeEnv()
        let seen = try onThreads(threads) { _ in try (0..<perThread).map { _ in try step(shared) } }
        // Every step happened exactly once and returned a whole, consistent result.
        #expect(seen.flatMap { $0 }.sorted() == expected.sorted())
        var a = [Double](repeating: 0, count: numEnvs * 4), b = a
        try a.withUnsafeMutableBufferPointer { try serial.state(into: $0) }
        try b.withUnsafeMutableBufferPointer { try shared.state(into: $0) }
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
    }

    @Test func graphsLayersAndGradientsBuiltOnEightThreads() throws {
        let ids = try onThreads(8) { i in
            var ids: [Int] = []
            for k in 0..<20 {
                let x = Node.input("x\(i)", shape: [nil, 3])
                let layer = try DenseLayer(inputShape: [nil, 3], numUnits: 2, nonlinearity: .linear)
                let y = try layer.output(for: [x], options: LayerOptions())
                let cost = try T.sum(T.mul(y, y))
                let g = try grad(cost, wrt: [layer.W.node])
                y.name = "y\(i).\(k)"
                let f = try Function(inputs: [x], outputs: [y, g[0]])
                let input = Check.random([5, 3], seed: UInt64(i * 100 + k + 1))
                let out = try f([input])
                let w = layer.W.value.scalars
                let yRef = Check.matmul(input.scalars, w, 5, 3, 2)
                guard Check.maxDiff(out[0].scalars, yRef) < 1e-4 else { throw AgentNetError.invalid("wrong output") }
                // d/dW sum((xW)^2) = 2 xᵀ (xW).
                var xt = [Float](repeating: 0, count: 15)
                for r in 0..<5 { for c in 0..<3 { xt[c * 5 + r] = input.scalars[r * 3 + c] } }
                let gRef = Check.matmul(xt, yRef.map { 2 * $0 }, 3, 5, 2)
                guard Check.maxDiff(out[1].scalars, gRef) < 1e-3 else { throw AgentNetError.invalid("wrong gradient") }
                guard y.description == "y\(i).\(k)" else { throw AgentNetError.invalid("name") }
                ids += [x.id, y.id, cost.id, layer.W.id]
            }
            return ids
        }
        let all = ids.flatMap { $0 }
        #expect(Set(all).count == all.count)
    }

    @Test func randomDrawsFromOneStateOnEightThreadsAreAllDistinct() throws {
        let rng = RandomState(seed: 5)
        let size = Node.ints([64])
        let draw = try OpRegistry.make("random_uniform", try JSON.parse("{}"), [size, Node.scalar(0), Node.scalar(1)], random: rng)
        let f = try Function(inputs: [], outputs: [draw])
        let values = try onThreads(8) { _ in try (0..<50).flatMap { _ in try f([])[0].scalars } }
        // 8 × 50 × 64 draws of one stream, none repeated: no two threads drew from the same state.
        let serial = RandomState(seed: 5)
        let expected = (0..<(8 * 50 * 64)).map { _ in serial.uniform() }
        #expect(values.flatMap { $0 }.sorted() == expected.sorted())
    }
}
