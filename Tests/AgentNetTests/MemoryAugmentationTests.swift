import AgentNet
import AgentNetTestSupport
import Testing

/// WindowAugmentation, StackAugmentation, CounterLayer and SwitchLayer (Sources/AgentNet/Memory): the seed's
/// worked examples, float64 references for random inputs, finite-difference gradients and the construction errors.
@Suite struct MemoryAugmentationTests {
    /// `[B=1, D=3, W=2]`: index 0 is the newest item / the top of the stack.
    let stack3 = Check.floats([1, 1, 2, 2, 3, 3], [1, 3, 2])
    let nine = Check.floats([9, 9], [1, 2])

    /// `n` values of `v` from `start`.
    func part(_ v: [Float], _ start: Int, _ n: Int) -> [Float] { Array(v[start..<(start + n)]) }

    // MARK: window

    @Test func windowPushesTheNewestItemFirst() throws {
        let layer = try WindowAugmentation(newValueShape: [nil, 2], windowShape: [nil, 3, 2])
        #expect(layer.name == "YetAnotherWindowAugmentation" && layer.outputShape == [nil, 3, 2])
        #expect(try runLayer(layer, [nine, stack3]).scalars == [9, 9, 1, 1, 2, 2])
    }

    @Test func windowOfImageItemsMatchesReferenceAndGradients() throws {
        let layer = try WindowAugmentation(newValueShape: [nil, 2, 3], windowShape: [nil, 4, 2, 3])
        let x = Check.distinct([2, 2, 3]), w = Check.distinct([2, 4, 2, 3], seed: 2)
        let y = try runLayer(layer, [x, w])
        #expect(y.shape == [2, 4, 2, 3])
        let (xv, wv) = (x.scalars, w.scalars)
        var want = [Float]()
        for b in 0..<2 { want += part(xv, b * 6, 6) + part(wv, b * 24, 18) }   // x, then W[:, :3]
        #expect(y.scalars == want)
        #expect(try layerGradientError(layer, [x, w]) < 1e-2)
    }

    @Test func windowShapeErrorsNameBothShapes() {
        let e = Check.error { try WindowAugmentation(newValueShape: [nil, 4], windowShape: [nil, 3, 2], name: "w") }
        #expect(e?.message == "WindowAugmentation 'w': the window shape (None, 3, 2) must be [batch, K] + the new value's item shape; the new value has shape (None, 4)")
        #expect(Check.throwsAny { try WindowAugmentation(newValueShape: [nil, 2], windowShape: [nil, 3]) })
        #expect(Check.throwsAny { try WindowAugmentation(newValueShape: [2, 2], windowShape: [3, 3, 2]) })
    }

    // MARK: stack

    @Test(arguments: [
        ([Float](arrayLiteral: 1, 0, 0), [Float](arrayLiteral: 9, 9, 1, 1, 2, 2)),   // push: 9 on top, 3 drops out
        ([0, 1, 0], [2, 2, 3, 3, 0, 0]),                                             // pop: 1 drops out, zeros enter
        ([0, 0, 1], [1, 1, 2, 2, 3, 3]),                                             // no-op
        ([0.5, 0.5, 0], [5.5, 5.5, 2, 2, 1, 1]),
    ])
    func stackWorkedExamples(controls: [Float], expected: [Float]) throws {
        let layer = try StackAugmentation(itemShape: [nil, 2], stackShape: [nil, 3, 2], controlsShape: [nil, 3])
        #expect(layer.name == "YetAnotherStackAugmentation" && layer.outputShape == [nil, 3, 2])
        #expect(try runLayer(layer, [nine, stack3, Check.floats(controls, [1, 3])]).scalars == expected)
    }

    @Test func stackPerRowControlsMatchFloat64ReferenceAndGradients() throws {
        let layer = try StackAugmentation(itemShape: [nil, 2], stackShape: [nil, 3, 2], controlsShape: [nil, 3])
        let x = Check.distinct([4, 2]), s = Check.distinct([4, 3, 2], seed: 2), c = Check.distinct([4, 3], seed: 3, positive: true)
        let (xv, sv, cv) = (x.scalars.map(Double.init), s.scalars.map(Double.init), c.scalars.map(Double.init))
        var want = [Float]()
        for b in 0..<4 { for d in 0..<3 { for u in 0..<2 {
            let pushed = d == 0 ? xv[b * 2 + u] : sv[b * 6 + (d - 1) * 2 + u]
            let popped = d == 2 ? 0 : sv[b * 6 + (d + 1) * 2 + u]
            want.append(Float(cv[b * 3] * pushed + cv[b * 3 + 1] * popped + cv[b * 3 + 2] * sv[b * 6 + d * 2 + u]))
        } } }
        #expect(Check.same(try runLayer(layer, [x, s, c]).scalars, want, tol: 1e-6))
        #expect(try layerGradientError(layer, [x, s, c]) < 1e-2)
    }

    @Test func stackConstructionErrors() {
        let controls = Check.error { try StackAugmentation(itemShape: [nil, 2], stackShape: [nil, 3, 2], controlsShape: [nil, 4]) }
        #expect(controls?.message == "StackAugmentation 'YetAnotherStackAugmentation': the controls must be [batch, 3] (push, pop, no-op), got shape (None, 4) for a stack of shape (None, 3, 2)")
        #expect(Check.error { try StackAugmentation(itemShape: [nil, 5], stackShape: [nil, 3, 2], controlsShape: [nil, 3]) }?.message.contains("(None, 5)") == true)
        #expect(Check.error { try StackAugmentation(itemShape: [nil, 2], stackShape: [nil, 6], controlsShape: [nil, 3]) }?.message.contains("(None, 6)") == true)
    }

    // MARK: counter

    @Test func counterCountsAndWrapsAroundAsInt32() throws {
        let plain = try CounterLayer(inputShape: [nil]), wrapped = try CounterLayer(inputShape: [nil], k: 3)
        #expect(plain.outputDType == .int32 && wrapped.outputShape == [nil])
        var c = Check.ints([0, 5])
        var seen = [[Float]]()
        for _ in 0..<4 {
            c = try runLayer(wrapped, [c])
            #expect(c.dtype == .int32)
            seen.append(c.scalars)
        }
        #expect(seen == [[1, 0], [2, 1], [0, 2], [1, 0]])
        #expect(try runLayer(plain, [Check.ints([7, 0])]).scalars == [8, 1])
        // float counts are cast (truncated toward zero) first
        #expect(try runLayer(wrapped, [Check.floats([3.7, 1, -2.5])]).scalars == [1, 2, 2])   // numpy: int32(-2.5) + 1 = -1, -1 % 3 = 2
        #expect(Check.error { try CounterLayer(inputShape: [nil], k: 0, name: "c") }?.message == "CounterLayer 'c': k must be a positive int or None, got 0")
    }

    // MARK: switch

    @Test(arguments: [[4], [4, 3], [4, 2, 3]])
    func switchSelectsWholeBatchRows(shape: [Int]) throws {
        let branch = [nil] + shape.dropFirst().map { Optional($0) }
        let layer = try SwitchLayer(inputShapes: [[nil], branch, branch])
        let a = Check.distinct(shape), b = Check.distinct(shape, seed: 2), cond = Check.ints([1, 0, 2, 0])
        let rowSize = shape.dropFirst().reduce(1, *)
        let y = try runLayer(layer, [cond, a, b])
        var want = [Float]()
        for i in 0..<4 { want += part(i % 2 == 0 ? a.scalars : b.scalars, i * rowSize, rowSize) }
        #expect(y.scalars == want)
        // the gradient reaches the chosen branch only: d/da sum(out * r) = r where cond != 0
        let r = Check.distinct(shape, seed: 3)
        let g = try Check.eval([cond, a, b]) { i in
            try grad(T.sum(T.mul(layer.output(for: i, options: LayerOptions()), Node.constant(r))), wrt: [i[1], i[2]])
        }
        let rows = (0..<(4 * rowSize)).map { ($0 / rowSize) % 2 == 0 }
        #expect(g[0].scalars == zip(rows, r.scalars).map { $0 ? $1 : 0 })
        #expect(g[1].scalars == zip(rows, r.scalars).map { $0 ? 0 : $1 })
    }

    @Test func switchConstructionErrors() throws {
        #expect(Check.error { try SwitchLayer(inputShapes: [[nil], [nil, 3], [nil, 4]], name: "s") }?.message
                == "SwitchLayer 's': the branches must have equal shapes, got (None, 3) (then) and (None, 4) (else)")
        let counter = try CounterLayer(prevCounter: InputLayer(shape: [nil, 3]))
        #expect(Check.error { try SwitchLayer(condition: InputLayer(shape: [nil]), thenBranch: counter, elseBranch: InputLayer(shape: [nil, 3])) }?.message
                == "SwitchLayer: the branches must have equal dtypes, got int32 (then) and float32 (else)")
        #expect(Check.error { try SwitchLayer(inputShapes: [[nil, 5], [nil, 3], [nil, 3]]) }?.message.contains("condition shape (None, 5)") == true)
        let ints = try SwitchLayer(inputShapes: [[nil], [nil], [nil]], branchDTypes: (.int32, .int32))
        #expect(ints.outputDType == .int32)
    }

    // MARK: registry

    @Test func registryMakesTheKindsFromAttributes() throws {
        func make(_ kind: String, _ attrs: [String: JSON], _ shapes: [[Int?]]) throws -> Layer {
            try LayerRegistry.make(kind, .object(attrs), inputShapes: shapes, name: attrs["name"]?.string) { _ in throw AgentNetError(.invalidHandle, "none") }
        }
        #expect(try make("WindowAugmentation", [:], [[nil, 2], [nil, 3, 2]]).outputShape == [nil, 3, 2])
        #expect(try make("StackAugmentation", [:], [[nil, 2], [nil, 3, 2], [nil, 3]]).outputShape == [nil, 3, 2])
        let counter = try make("CounterLayer", ["k": .number(3)], [[nil]])
        #expect((counter as? CounterLayer)?.k == 3 && counter.outputDType == .int32)
        #expect(try (make("CounterLayer", ["k": .null], [[nil]]) as? CounterLayer)?.k == nil)
        #expect(Check.throwsAny { try make("CounterLayer", ["k": .number(1.5)], [[nil]]) })
        let sw = try make("SwitchLayer", ["dtypes": .array([.string("int32"), .string("int32")])], [[nil], [nil, 2], [nil, 2]])
        #expect(sw.outputDType == .int32)
        #expect(Check.throwsAny { try make("WindowAugmentation", [:], [[nil, 2]]) })
    }
}
