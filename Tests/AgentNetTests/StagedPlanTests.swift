@testable import AgentNet
import AgentNetTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Plans in two stages for graphs that read a resizable shared value (StagedPlan.swift): the head is planned once,
/// the tail that reads the growing value is re-planned, and a call still behaves as one plan.
@Suite struct StagedPlanTests {
    /// A pool `[n, 2]` that grows by the input's rows on every call, a counter updated in the head, and outputs
    /// from both stages: `tanh(x)` (head), `sum(pool) + counter` (tail).
    struct Growing {
        let pool = SharedValue(try! Tensor(zeros: [0, 2]), name: "pool", resizable: true)
        let counter = SharedValue(try! Tensor([0] as [Float], shape: []), name: "counter")
        let x = Node.input("x", shape: [nil, 2])
        let f: Function

        init() throws {
            let appended = try T.concatenate([pool.node, T.tanh(x)], axis: 0)
            f = try Function(inputs: [x], outputs: [try T.tanh(x), try T.add(T.sum(pool.node), counter.node)],
                             updates: [(pool, appended), (counter, try T.add(counter.node, Float(1)))])
        }
    }

    @Test func headIsPlannedOnceWhileThePoolGrows() throws {
        let g = try Growing()
        let x = Check.random([3, 2], seed: 1)
        _ = try g.f([x])
        let first = try g.f.plan(for: [[3, 2]]), firstHead = first.head, firstTail = first.tail
        for _ in 0..<4 { _ = try g.f([x]) }
        let later = try g.f.plan(for: [[3, 2]])
        #expect(later.head === firstHead)
        #expect(later.tail != nil && later.tail !== firstTail)
        #expect(g.pool.shape == [15, 2])
    }

    @Test func outputsAndUpdatesSeeTheValuesFromBeforeTheCall() throws {
        let g = try Growing()
        var expectedPool: [Float] = []
        for call in 0..<4 {
            let x = Check.random([2, 2], seed: UInt64(10 + call))
            let out = try g.f([x])
            let squashed = x.scalars.map { Float(tanh(Double($0))) }
            #expect(Check.same(out[0].scalars, squashed))
            // The tail read the pool and the counter before this call's updates (the head updates the counter).
            #expect(Check.same(out[1].scalars, [expectedPool.reduce(0, +) + Float(call)]))
            expectedPool += squashed
        }
        #expect(Check.same(g.pool.value.scalars, expectedPool))
        #expect(g.counter.value.scalars == [4])
    }

    @Test func repeatedRunsReplanTheTailBetweenRuns() throws {
        let g = try Growing()
        let x = Check.random([1, 2], seed: 3)
        _ = try g.f.callAsFunction([x], times: 5)
        #expect(g.pool.shape == [5, 2])
        #expect(g.counter.value.scalars == [5])
    }

    @Test func aFailingTailChangesNothing() throws {
        // Sampling an empty pool fails while planning the tail: neither stage's updates are applied.
        let pool = try SessionPoolEnvironment(observations: [([2], .float32)], actions: [([], .int32)], agentMemories: [])
        let counter = SharedValue(try Tensor([0] as [Float], shape: []), name: "counter")
        let batch = try pool.sampleSessionBatch(maxNSamples: 4, replace: true)
        let f = try Function(inputs: [], outputs: [try T.sum(batch.rewards!)], updates: [(counter, try T.add(counter.node, Float(1)))])
        #expect(throws: AgentNetError.self) { try f([]) }
        #expect(counter.value.scalars == [0])
    }

    @Test func graphsWithoutResizableValuesHaveOneStage() throws {
        let w = SharedValue(try Tensor([1, 2] as [Float], shape: [2]), name: "w")
        let x = Node.input("x", shape: [2])
        let f = try Function(inputs: [x], outputs: [try T.mul(x, w.node)], updates: [(w, try T.add(w.node, x))])
        _ = try f([Check.random([2], seed: 4)])
        #expect(try f.plan(for: [[2]]).tail == nil)
    }
}
