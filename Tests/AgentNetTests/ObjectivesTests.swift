@testable import AgentNet
import AgentNetTestSupport
import Testing

/// The objectives against hand-computed values and finite-difference gradients.
@Suite struct ObjectivesTests {
    static func value(_ node: Node) throws -> [Float] { try evaluate([node])[0].scalars }
    static func c(_ v: [Float], _ shape: [Int]) -> Node { Node.constant(Check.floats(v, shape)) }

    @Test func squaredErrorAlignsColumnPredictionsWithVectorTargets() throws {
        #expect(try Self.value(Objectives.squaredError(Self.c([1, 2], [2]), Self.c([3, -1], [2]))) == [4, 9])
        let aligned = try Objectives.squaredError(Self.c([1, 2], [2, 1]), Self.c([3, -1], [2]))
        #expect(aligned.shape == [2, 1])
        #expect(try Self.value(aligned) == [4, 9])
    }

    @Test func binaryCrossentropyOfHandValues() throws {
        // −(1·log 0.8) and −(1 − 0)·log(1 − 0.25)
        let out = try Self.value(Objectives.binaryCrossentropy(Self.c([0.8, 0.25], [2]), Self.c([1, 0], [2])))
        #expect(Check.maxDiff(out, [0.22314355, 0.28768207]) < 1e-6)
    }

    @Test func categoricalCrossentropyFromIndicesAndFromDistributions() throws {
        let p = Self.c([0.5, 0.25, 0.25, 0.1, 0.6, 0.3], [2, 3])
        let fromIndex = try Self.value(Objectives.categoricalCrossentropy(p, Node.constant(Check.ints([0, 2]))))
        #expect(Check.maxDiff(fromIndex, [0.6931472, 1.2039728]) < 1e-6)
        let soft = Self.c([0.5, 0.5, 0, 0, 0, 1], [2, 3])
        let fromSoft = try Self.value(Objectives.categoricalCrossentropy(p, soft))
        #expect(Check.maxDiff(fromSoft, [0.5 * (0.6931472 + 1.3862944), 1.2039728]) < 1e-6)
        #expect(throws: AgentNetError.self) { try Objectives.categoricalCrossentropy(p, Self.c([0, 1], [2])) }
        #expect(throws: AgentNetError.self) { try Objectives.categoricalCrossentropy(Self.c([1], [1]), Node.constant(Check.ints([0]))) }
    }

    @Test func huberLossIsQuadraticInsideDeltaAndLinearOutside() throws {
        // d = 0.5 → 0.125; d = −2 → 1·(2 − 0.5); d = 0.2 → 0.02; with delta 0.5: d = −2 → 0.5·(2 − 0.25)
        let p = Self.c([0, 1, 3], [3]), t = Self.c([0.5, -1, 3.2], [3])
        #expect(Check.maxDiff(try Self.value(Objectives.huberLoss(p, t)), [0.125, 1.5, 0.02]) < 1e-6)
        #expect(Check.maxDiff(try Self.value(Objectives.huberLoss(p, t, delta: 0.5)), [0.125, 0.875, 0.02]) < 1e-6)
        #expect(throws: AgentNetError.self) { try Objectives.huberLoss(p, t, delta: 0) }
    }

    @Test func aggregateModes() throws {
        let loss = Self.c([1, 2, 3, 4], [4]), w = Self.c([1, 0, 1, 0], [4])
        #expect(try Self.value(Objectives.aggregate(loss)) == [2.5])
        #expect(try Self.value(Objectives.aggregate(loss, mode: .sum)) == [10])
        #expect(try Self.value(Objectives.aggregate(loss, weights: w)) == [1])
        #expect(try Self.value(Objectives.aggregate(loss, weights: w, mode: .normalizedSum)) == [2])
        #expect(throws: AgentNetError.self) { try Objectives.aggregate(loss, mode: .normalizedSum) }
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let a = Check.random([2, 3], seed: 1), b = Check.random([2, 3], seed: 2)
        let probs = Check.shifted(Check.random([2, 3], seed: 3, positive: true), -0.4)  // in [0.1, 1.1) → clipped below
        let p = try Tensor(probs.scalars.map { Swift.min(Swift.max($0, 0.1), 0.9) }, shape: [2, 3])
        let labels = Check.floats([1, 0, 1, 0, 0, 1], [2, 3])
        let cases: [(String, [Tensor], ([Node]) throws -> Node)] = [
            ("squared_error", [a, b], { try Objectives.aggregate(Objectives.squaredError($0[0], $0[1])) }),
            ("binary_crossentropy", [p, labels], { try Objectives.aggregate(Objectives.binaryCrossentropy($0[0], $0[1]), mode: .sum) }),
            ("categorical_crossentropy", [p], { try Objectives.aggregate(Objectives.categoricalCrossentropy($0[0], Node.constant(Check.ints([2, 0])))) }),
            ("huber_loss", [Check.shifted(a, 0.013), b], { try Objectives.aggregate(Objectives.huberLoss($0[0], $0[1], delta: 0.4)) }),
            ("normalized_sum", [a, Check.shifted(Check.random([2, 3], seed: 5, positive: true), 0.3)], {
                try Objectives.aggregate(T.square($0[0]), weights: $0[1], mode: .normalizedSum) }),
        ]
        for (name, values, cost) in cases {
            let err = try Check.gradientError(values, eps: 1e-3, cost)
            #expect(err < 1e-2, "\(name): \(err)")
        }
    }
}
