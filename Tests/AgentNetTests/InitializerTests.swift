import AgentNet
import AgentNetTestSupport
import Testing

/// Mean and standard deviation of a sample, in Double.
private func moments(_ t: Tensor) -> (Double, Double) {
    let v = t.scalars.map(Double.init), n = Double(v.count)
    let mean = v.reduce(0, +) / n
    return (mean, (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot())
}

@Suite(.serialized) struct InitializerTests {
    @Test func glorotAndHeHaveLasagnesStandardDeviations() throws {
        // Glorot: std = gain·sqrt(2/(fan_in+fan_out)); He: std = gain·sqrt(1/fan_in); conv fans times the field.
        let cases: [(Initializer, [Int], Double)] = [
            (.glorotUniform(gain: 1), [300, 500], (2.0 / 800).squareRoot()),
            (.glorotNormal(gain: Float(2).squareRoot()), [300, 500], (4.0 / 800).squareRoot()),
            (.glorotNormal(gain: 1), [32, 16, 3, 3], (2.0 / (48 * 9)).squareRoot()),
            (.c01b(.glorotNormal(gain: 1)), [16, 3, 3, 32], (2.0 / (48 * 9)).squareRoot()),
            (.heNormal(gain: 1), [400, 300], (1.0 / 400).squareRoot()),
            (.heUniform(gain: 1), [64, 16, 3, 3], (1.0 / 144).squareRoot()),
            (.c01b(.heNormal(gain: 1)), [16, 3, 3, 64], (1.0 / 144).squareRoot()),
            (.normal(std: 0.5, mean: 1), [200, 200], 0.5),
        ]
        for (initializer, shape, std) in cases {
            let (_, s) = moments(try initializer.sample(shape))
            #expect(Swift.abs(s - std) < 0.03 * std, "\(initializer) \(shape): std \(s), expected \(std)")
        }
        let u = try Initializer.uniform(low: 1, high: 2).sample([1000])
        #expect(u.scalars.allSatisfy { $0 >= 1 && $0 <= 2 })
        #expect(throws: AgentNetError.self) { try Initializer.glorotUniform(gain: 1).sample([5]) }
        #expect(throws: AgentNetError.self) { try Initializer.c01b(.heNormal(gain: 1)).sample([5, 5]) }
    }

    @Test func sparseKeepsTheGivenFractionPerColumn() throws {
        let w = try Initializer.sparse(sparsity: 0.25, std: 1).sample([40, 7]).scalars
        for k in 0..<7 { #expect((0..<40).filter { w[$0 * 7 + k] != 0 }.count == 10) }
        #expect(throws: AgentNetError.self) { try Initializer.sparse(sparsity: 0.1, std: 1).sample([4, 4, 4]) }
    }

    @Test func orthogonalColumnsWhenTallAndRowsWhenWide() throws {
        let w = try Initializer.orthogonal(gain: 2).sample([8, 2, 3]).scalars  // flat [8, 6]: orthogonal columns
        for i in 0..<6 { for j in 0..<6 {
            let dot = (0..<8).map { w[$0 * 6 + i] * w[$0 * 6 + j] }.reduce(0, +)
            #expect(Swift.abs(dot - (i == j ? 4 : 0)) < 1e-4)
        } }
    }

    @Test func reseedingReproducesAndJSONNamesEveryKind() throws {
        Initializer.rng.reseed(42)
        let a = try Initializer.glorotUniform(gain: 1).sample([3, 4]).scalars
        Initializer.rng.reseed(42)
        #expect(try Initializer.glorotUniform(gain: 1).sample([3, 4]).scalars == a)
        for kind in ["Constant", "Normal", "Uniform", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "Orthogonal", "Sparse"] {
            _ = try Initializer(json: .object(["kind": .string(kind)])).sample([4, 4])
        }
        let c = try Initializer(json: JSON.parse(#"{"kind": "HeNormal", "gain": "relu", "c01b": true}"#))
        guard case .c01b(.heNormal(let gain)) = c else { Issue.record("parsed \(c)"); return }
        #expect(gain == Float(2).squareRoot())
        #expect(throws: AgentNetError.self) { try Initializer(json: JSON.parse(#"{"kind": "Orthogonal", "c01b": true}"#)) }
        #expect(throws: AgentNetError.self) { try Initializer(json: JSON.parse(#"{"kind": "Normal", "std": "wide"}"#)) }
    }
}
