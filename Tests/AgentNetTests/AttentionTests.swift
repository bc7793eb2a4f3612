import AgentNet
import Glibc
import AgentNetTestSupport
import Testing

/// AttentionLayer, DotAttentionLayer, multiheadAttention and selfAttention (Sources/AgentNet/Memory) against
/// float64 references, with finite-difference gradients, hard attention and the construction errors.
@Suite struct AttentionTests {
    static let (B, S, UV, UK, UQ) = (3, 5, 4, 3, 2)
    let values = Check.distinct([B, S, UV]), keys = Check.distinct([B, S, UK], seed: 2)
    let query = Check.distinct([B, UQ], seed: 3), dotQuery = Check.distinct([B, UK], seed: 4)
    /// Row 0 sees 3 steps, row 1 all 5, row 2 only the first.
    let mask = Check.floats([1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0], [B, S])

    /// `[attn, probs]` of `layer` for `inputs` in every evaluation mode.
    func run(_ layer: Layer, _ inputs: [Tensor], hard: Bool = false) throws -> [Tensor] {
        let options = try LayerOptions(json: .object(["hard_attention": .bool(hard)]))
        return try Check.eval(inputs) { try layer.outputs(for: $0, options: options) }
    }

    /// The float64 reference of masking, softmax and the weighted average, from logits `[B, S]`.
    func attend(_ logits: [Double], _ v: Tensor, masked: Bool) -> (attn: [Float], probs: [Float]) {
        let (b, s, u) = (v.shape[0], v.shape[1], v.shape[2])
        let vv: [Float] = v.scalars, m: [Float] = mask.scalars
        var attn = [Float](), probs = [Float]()
        for i in 0..<b {
            var row = [Double](repeating: 0, count: s)
            for t in 0..<s { row[t] = logits[i * s + t] - (masked ? (1 - Double(m[i * s + t])) * 1000 : 0) }
            let top = row.max() ?? 0
            var e = [Double](repeating: 0, count: s), total = 0.0
            for t in 0..<s { e[t] = exp(row[t] - top); total += e[t] }
            for t in 0..<s { probs.append(Float(e[t] / total)) }
            for k in 0..<u {
                var acc = 0.0
                for t in 0..<s { acc += e[t] / total * Double(vv[(i * s + t) * u + k]) }
                attn.append(Float(acc))
            }
        }
        return (attn, probs)
    }

    func additiveLogits(_ k: Tensor, _ q: Tensor, _ layer: AttentionLayer) -> [Double] {
        let we: [Float] = layer.W_enc.value.scalars, wd: [Float] = layer.W_dec.value.scalars, wo: [Float] = layer.W_out.value.scalars
        let n = layer.numUnits, (b, s, uk, uq) = (k.shape[0], k.shape[1], k.shape[2], q.shape[1])
        let kv: [Float] = k.scalars, qv: [Float] = q.scalars
        var out = [Double]()
        for bs in 0..<(b * s) {
            var logit = 0.0
            for j in 0..<n {
                var pre = 0.0
                for c in 0..<uk { pre += Double(kv[bs * uk + c]) * Double(we[c * n + j]) }
                for c in 0..<uq { pre += Double(qv[(bs / s) * uq + c]) * Double(wd[c * n + j]) }
                logit += tanh(pre) * Double(wo[j])
            }
            out.append(logit)
        }
        return out
    }

    func dotLogits(_ k: Tensor, _ q: Tensor, scale: Bool) -> [Double] {
        let (b, s, u) = (k.shape[0], k.shape[1], k.shape[2])
        let kv: [Float] = k.scalars, qv: [Float] = q.scalars
        var out = [Double]()
        for bs in 0..<(b * s) {
            var acc = 0.0
            for c in 0..<u { acc += Double(qv[(bs / s) * u + c]) * Double(kv[bs * u + c]) }
            out.append(scale ? acc / Double(u).squareRoot() : acc)
        }
        return out
    }

    /// `x · W + b` for the rows of `x` `[rows, width]`, keeping the output columns `cols`.
    func affine(_ x: Tensor, _ w: [Float], _ b: [Float], rows: Int, width: Int, cols: [Int], shape: [Int]) throws -> Tensor {
        let n = b.count, xv: [Float] = x.scalars
        var out = [Float]()
        for r in 0..<rows {
            for c in cols {
                var acc = Double(b[c])
                for i in 0..<width { acc += Double(xv[r * width + i]) * Double(w[i * n + c]) }
                out.append(Float(acc))
            }
        }
        return try Tensor(out, shape: shape)
    }

    func additive(units: Int = 6, name: String? = nil) throws -> AttentionLayer {
        let normal = ParamSpec.initializer(.normal(std: 0.5, mean: 0))
        return try AttentionLayer(inputShapes: [[nil, Self.S, Self.UV], [nil, Self.S, Self.UK], [nil, Self.UQ], [nil, Self.S]],
                                  numUnits: units, W_enc: normal, W_dec: normal, W_out: normal, name: name)
    }

    // MARK: additive

    @Test func additiveAttentionMatchesFloat64ReferenceWithMaskAndKeys() throws {
        let layer = try additive(name: "a")
        #expect(layer.params.map(\.name) == ["a.enc_to_hid", "a.dec_to_hid", "a.hid_to_logit"])
        #expect(layer.outputShapes == [[nil, Self.UV], [nil, Self.S]] && layer.outputCount == 2)
        let out = try run(layer, [values, keys, query, mask])
        let want = attend(additiveLogits(keys, query, layer), values, masked: true)
        #expect(Check.same(out[0].scalars, want.attn, tol: 1e-5) && Check.same(out[1].scalars, want.probs, tol: 1e-5))
        #expect(out[1].scalars[3] < 1e-6 && out[1].scalars[10] == 1)   // masked steps get no weight
    }

    @Test func additiveAttentionGradientsMatchFiniteDifferences() throws {
        let layer = try additive(units: 4)
        let m = Node.constant(mask)
        let err = try Check.gradientError([values, keys, query]) { i in
            let out = try layer.outputs(for: i + [m], options: LayerOptions())
            return try T.add(Check.probe(out[0]), Check.probe(out[1]))
        }
        #expect(err < 2e-2)
    }

    @Test func hardAttentionTakesTheArgmaxValueWithOneHotProbs() throws {
        let layer = try AttentionLayer(inputShapes: [[nil, Self.S, Self.UV], [nil, Self.S, Self.UV], [nil, Self.UQ], [nil, Self.S]],
                                       numUnits: 6, W_out: .initializer(.normal(std: 1, mean: 0)))
        let soft = try run(layer, [values, values, query, mask])[1].scalars
        let hard = try run(layer, [values, values, query, mask], hard: true)
        for b in 0..<Self.B {
            let row = Array(soft[(b * Self.S)..<((b + 1) * Self.S)])
            let best = row.firstIndex(of: row.max()!)!
            #expect(Array(hard[1].scalars[(b * Self.S)..<((b + 1) * Self.S)]) == (0..<Self.S).map { $0 == best ? 1 : 0 })
            let v = (b * Self.S + best) * Self.UV
            #expect(Array(hard[0].scalars[(b * Self.UV)..<((b + 1) * Self.UV)]) == Array(values.scalars[v..<(v + Self.UV)]))
            #expect(b != 2 || best == 0)   // the masked steps of row 2 are never chosen
        }
        // a nonzero number counts as true, as Python's `if hard_attention` reads it
        let one = try LayerOptions(json: .object(["hard_attention": .number(1)]))
        #expect(try Check.eval([values, values, query, mask]) { try layer.outputs(for: $0, options: one) }[1].scalars == hard[1].scalars)
    }

    @Test func attentionConstructionErrorsNameBothShapes() {
        func error(_ shapes: [[Int?]], _ name: String? = nil) -> String? {
            Check.error { try AttentionLayer(inputShapes: shapes, numUnits: 3, name: name) }?.message
        }
        #expect(error([[nil, 5, 4], [nil, 5, 4], [nil, 2], [nil, 7]], "a") == "AttentionLayer 'a': mask_input shape (None, 7) must be [batch, seq_length] of input_sequence (None, 5, 4)")
        #expect(error([[nil, 5, 4], [nil, 6, 3], [nil, 2]]) == "AttentionLayer: key_sequence shape (None, 6, 3) must be [batch, seq_length, units] with the batch and length of input_sequence (None, 5, 4)")
        #expect(error([[nil, 5, 4], [nil, 5, 4], [nil, 2, 2]]) == "AttentionLayer: query must be [batch, units] (one tick), got shape (None, 2, 2) for an input_sequence of shape (None, 5, 4)")
        #expect(error([[nil, 4], [nil, 4], [nil, 2]])?.contains("input_sequence must be [batch, seq_length, units], got shape (None, 4)") == true)
        #expect(error([[2, 5, 4], [2, 5, 4], [3, 2]])?.contains("different batch sizes") == true)
    }

    // MARK: dot

    @Test(arguments: [false, true])
    func dotAttentionMatchesFloat64ReferenceAndGradients(scale: Bool) throws {
        let layer = try DotAttentionLayer(inputShapes: [[nil, Self.S, Self.UV], [nil, Self.S, Self.UK], [nil, Self.UK], [nil, Self.S]], scale: scale)
        #expect(layer.params.isEmpty && layer.keySize == Self.UK)
        let out = try run(layer, [values, keys, dotQuery, mask])
        let want = attend(dotLogits(keys, dotQuery, scale: scale), values, masked: true)
        #expect(Check.same(out[0].scalars, want.attn, tol: 1e-5) && Check.same(out[1].scalars, want.probs, tol: 1e-5))
        let m = Node.constant(mask)
        let err = try Check.gradientError([values, keys, dotQuery]) { i in
            let out = try layer.outputs(for: i + [m], options: LayerOptions())
            return try T.add(Check.probe(out[0]), Check.probe(out[1]))
        }
        #expect(err < 2e-2)
    }

    @Test func dotAttentionProjectsAQueryOfAnotherWidth() throws {
        let v = InputLayer(shape: [nil, Self.S, Self.UV]), q = InputLayer(shape: [nil, Self.UQ])
        let layer = try DotAttentionLayer(inputSequence: v, query: q, name: "da")
        #expect(layer.queryDense?.name == "da_dense" && layer.queryDense?.outputShape == [nil, Self.UV])
        #expect(try DotAttentionLayer(inputSequence: v, query: InputLayer(shape: [nil, Self.UV]), useDenseLayer: true).queryDense?.name == "dotattn_dense")
        #expect(try DotAttentionLayer(inputSequence: v, query: InputLayer(shape: [nil, Self.UV])).queryDense == nil)
        let f = try Function(inputs: [v.inputVar, q.inputVar], outputs: [getOutput(layer["probs"])])
        let probs = try f([values, query])[0]
        let dense = try #require(layer.queryDense)
        let projected = try affine(query, dense.W.value.scalars, try #require(dense.b).value.scalars, rows: Self.B, width: Self.UQ,
                                   cols: Array(0..<Self.UV), shape: [Self.B, Self.UV])
        #expect(Check.same(probs.scalars, attend(dotLogits(values, projected, scale: false), values, masked: false).probs, tol: 1e-5))
        #expect(Check.error { try DotAttentionLayer(inputShapes: [[nil, 5, 4], [nil, 5, 4], [nil, 2]]) }?.message.contains("different widths") == true)
    }

    @Test func registryChecksAQueryToProjectWithTheCallersLabel() throws {
        func make(_ attrs: [String: JSON], _ shapes: [[Int?]]) throws -> Layer {
            try LayerRegistry.make("DotAttentionLayer", .object(attrs), inputShapes: shapes, name: nil) { _ in throw AgentNetError(.invalidHandle, "none") }
        }
        let probe = try make(["query_to_project": .bool(true)], [[nil, 5, 4], [nil, 5, 4], [nil, 2]])
        #expect(probe.inputShapes[2] == [nil, 4] && probe.outputShape == [nil, 4])
        let e = Check.error { try make(["query_to_project": .bool(true), "label": .string("multihead_attention 'mh'")], [[nil, 5, 4], [nil, 5, 4], [nil, 2, 2]]) }
        #expect(e?.message.hasPrefix("multihead_attention 'mh': query must be [batch, units]") == true)
        let additive = try LayerRegistry.make("AttentionLayer", .object(["num_units": .number(3), "nonlinearity": .object(["nonlinearity": .string("rectify")])]),
                                              inputShapes: [[nil, 5, 4], [nil, 5, 4], [nil, 2]], name: "at") { _ in throw AgentNetError(.invalidHandle, "none") }
        #expect((additive as? AttentionLayer)?.nonlinearity == .rectify && additive.params.map(\.value?.shape) == [[4, 3], [2, 3], [3, 1]])
    }

    // MARK: compositions

    @Test func multiheadAttentionHeadsMatchOneHeadReferences() throws {
        Initializer.rng.reseed(5)
        let (H, KS, VS) = (3, 2, 5)
        let v = InputLayer(shape: [nil, Self.S, Self.UV]), q = InputLayer(shape: [nil, Self.UQ]), m = InputLayer(shape: [nil, Self.S])
        let out = try multiheadAttention(inputSequence: v, query: q, maskInput: m, numHeads: H, keySize: KS, valueSize: VS, name: "mh")
        #expect(out.attn.outputShape == [nil, VS * H] && out.probs.outputShape == [nil, H, Self.S])
        let params = Dictionary(uniqueKeysWithValues: try getAllParams([out.attn, out.probs]).map { ($0.name, $0.value!.value) })
        #expect(params.keys.sorted() == ["mh_key_heads.W", "mh_key_heads.b", "mh_query_heads.W", "mh_query_heads.b", "mh_value_heads.W", "mh_value_heads.b"])
        let f = try Function(inputs: [v.inputVar, q.inputVar, m.inputVar], outputs: getOutput([out.attn, out.probs]))
        let got = try f([values, query, mask])
        func project(_ x: Tensor, _ prefix: String, rows: Int, width: Int, head h: Int, shape: [Int]) throws -> Tensor {
            let w: [Float] = params[prefix + ".W"]!.scalars, b: [Float] = params[prefix + ".b"]!.scalars
            return try affine(x, w, b, rows: rows, width: width, cols: Array(stride(from: h, to: b.count, by: H)), shape: shape)
        }
        for h in 0..<H {
            let qh = try project(query, "mh_query_heads", rows: Self.B, width: Self.UQ, head: h, shape: [Self.B, KS])
            let kh = try project(values, "mh_key_heads", rows: Self.B * Self.S, width: Self.UV, head: h, shape: [Self.B, Self.S, KS])
            let vh = try project(values, "mh_value_heads", rows: Self.B * Self.S, width: Self.UV, head: h, shape: [Self.B, Self.S, VS])
            let want = attend(dotLogits(kh, qh, scale: false), vh, masked: true)
            for b in 0..<Self.B {
                let probs = (0..<Self.S).map { got[1].scalars[(b * H + h) * Self.S + $0] }
                #expect(Check.same(probs, Array(want.probs[(b * Self.S)..<((b + 1) * Self.S)]), tol: 1e-4))
                let attn = (0..<VS).map { got[0].scalars[b * VS * H + $0 * H + h] }
                #expect(Check.same(attn, Array(want.attn[(b * VS)..<((b + 1) * VS)]), tol: 1e-4))
            }
        }
    }

    @Test func selfAttentionMatchesPerTickReferenceAndGradients() throws {
        Initializer.rng.reseed(6)
        let x = InputLayer(shape: [nil, Self.S, Self.UV]), m = InputLayer(shape: [nil, Self.S])
        let out = try selfAttention(x, keySize: 3, valueSize: 2, maskInput: m, name: "sa")
        #expect(out.outputShape == [nil, Self.S, 2])
        let got = try Function(inputs: [x.inputVar, m.inputVar], outputs: [getOutput(out)])([values, mask])[0]
        let p = try getAllParams(out)
        #expect(p.map(\.name) == ["sa.qkv.W", "sa.qkv.b"])
        let qkv = try affine(values, p[0].value!.value.scalars, p[1].value!.value.scalars, rows: Self.B * Self.S, width: Self.UV,
                             cols: Array(0..<8), shape: [Self.B, Self.S, 8])
        let all: [Float] = qkv.scalars
        func part(_ lo: Int, _ hi: Int) throws -> Tensor {
            var v = [Float]()
            for r in 0..<(Self.B * Self.S) { v += all[(r * 8 + lo)..<(r * 8 + hi)] }
            return try Tensor(v, shape: [Self.B, Self.S, hi - lo])
        }
        let (q, k, v) = (try part(0, 3), try part(3, 6), try part(6, 8))
        let qv: [Float] = q.scalars, gv: [Float] = got.scalars
        for t in 0..<Self.S {
            var tick = [Float](), row = [Float]()
            for bb in 0..<Self.B {
                tick += qv[((bb * Self.S + t) * 3)..<((bb * Self.S + t) * 3 + 3)]
                row += gv[((bb * Self.S + t) * 2)..<((bb * Self.S + t) * 2 + 2)]
            }
            let want = attend(dotLogits(k, try Tensor(tick, shape: [Self.B, 3]), scale: false), v, masked: true).attn
            #expect(Check.same(row, want, tol: 1e-4))
        }
        let err = try Check.gradientError([Check.distinct([2, Self.S, Self.UV])]) { i in
            try Check.probe(getOutput(out, inputs: [(x, i[0]), (m, Node.constant(Check.floats(Array(repeating: 1, count: 2 * Self.S), [2, Self.S])))]))
        }
        #expect(err < 2e-2)
    }

    @Test func selfAttentionWithMultiheadAndAdditiveAttention() throws {
        let x = InputLayer(shape: [nil, Self.S, Self.UV])
        let multi = try selfAttention(x, keySize: 2, valueSize: 3) { v, q, k, m, name in
            try multiheadAttention(inputSequence: v, query: q, keySequence: k, maskInput: m, numHeads: 2, name: name)
        }
        let additive = try selfAttention(x, name: "add") { v, q, k, m, name in
            let l = try AttentionLayer(inputSequence: v, query: q, numUnits: 4, maskInput: m, keySequence: k, name: name)
            return (try l["attn"], try l["probs"])
        }
        #expect(multi.outputShape == [nil, Self.S, 6] && additive.outputShape == [nil, Self.S, Self.UV])
        let outs = try Function(inputs: [x.inputVar], outputs: getOutput([multi, additive]))([Check.distinct([2, Self.S, Self.UV])])
        #expect(outs[0].shape == [2, Self.S, 6] && outs[1].shape == [2, Self.S, Self.UV])
        #expect(Check.error { try selfAttention(InputLayer(shape: [nil, 4])) }?.message == "self_attention 'attn': incoming must be [batch, time, units], got shape (None, 4)")
    }
}
