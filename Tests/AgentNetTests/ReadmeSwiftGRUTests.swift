import AgentNet
import AgentNetTestSupport
import Testing

private func trimmed(_ s: Substring) -> String { String(s.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()) }

/// README.md's Swift GRU block: it runs as written here and matches the float64 reference, and every line of it is
/// in this file (so the README shows code that is run).
@Suite struct ReadmeSwiftGRUTests {
    /// README.md's Swift GRU block, as written there (`readmeSwiftGRUBlockIsTheCodeRunHere` keeps the two alike),
    /// then its output against the float64 reference.
    @Test func readmeSwiftGRUExampleRuns() throws {
        let sequence = InputLayer(shape: [nil, 25, 3])                       // [batch, tick, features]
        let x = InputLayer(shape: [nil, 3]), prevH = InputLayer(shape: [nil, 10])
        let h = try GRUCell(prevState: prevH, inputs: [x], name: "gru")      // one tick
        let rec = try Recurrence(inputSequences: [x: sequence], stateVariables: [h: prevH])
        let run = try Function(inputs: [sequence.inputVar], outputs: [getOutput(rec[h])])
        let xs = try Tensor((0..<375).map { Float($0 % 11) / 5 - 1 }, shape: [5, 25, 3])
        let hs = try run([xs])[0]                                            // shape [5, 25, 10]

        #expect(hs.shape == [5, 25, 10])
        for weights in ["default", "random"] {
            if weights == "random" { try CellTest.randomize(h, scale: 0.5) }
            let P = CellTest.params(h), got = try run([xs])[0].scalars
            var state = CellRef.zeros(5, 10), worst = 0.0, scale = 0.0
            for t in 0..<25 {
                let xt = (0..<5).map { b in (0..<3).map { Double(xs.scalars[(b * 25 + t) * 3 + $0]) } }
                state = CellRef.gru(P, prefix: "gru", state: "ctrl0", h: state, inputs: [("ctrl1", xt)])
                for b in 0..<5 { for j in 0..<10 { worst = Swift.max(worst, Swift.abs(Double(got[(b * 25 + t) * 10 + j]) - state[b][j])) } }
                scale = Swift.max(scale, CellRef.maxAbs(state))
            }
            #expect(worst < 1e-6 * scale && scale > (weights == "random" ? 0.3 : 1e-4), "\(weights): \(worst), scale \(scale)")
        }
    }

    @Test func readmeSwiftGRUBlockIsTheCodeRunHere() throws {
        let readme = try readText(sourceDirectory() + "/../../README.md").split(separator: "\n", omittingEmptySubsequences: false)
        var blocks: [[Substring]] = [], current: [Substring]? = nil
        for line in readme {
            if current == nil, line == "```swift" { current = [] } else if line == "```", let block = current { blocks.append(block); current = nil } else { current?.append(line) }
        }
        let gru = try #require(blocks.first { $0.contains { $0.contains("GRUCell(") } }, "README.md has no Swift block with GRUCell")
        let source = Set(try readText(#filePath).split(separator: "\n").map(trimmed))
        let lines = gru.map(trimmed).filter { !$0.isEmpty && $0 != "import AgentNet" }
        #expect(lines.count >= 6)
        for line in lines { #expect(source.contains(line), "README line not run by readmeSwiftGRUExampleRuns: \(line)") }
    }
}
