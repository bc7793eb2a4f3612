@testable import AgentNet
@testable import AgentNetC
import AgentNetTestSupport
import Testing

/// The C boundary and the engine checks behind it: JSON depth, overflow-checked shapes, saturating casts in
/// constant folding, shape writing into the caller's 8 slots, descriptors and the memory limit.
@Suite(.serialized) struct BoundaryTests {
    @Test func jsonNestingDeeperThanTheLimitIsAnErrorNotAStackOverflow() throws {
        let deep = String(repeating: "[", count: 100_000)
        let e = Check.error { try JSON.parse(deep) }
        #expect(e?.kind == .invalidArgument)
        #expect(e?.message.contains("nesting deeper than 64") == true)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSON.parse(ok).array?.count == 1)
        let tooDeep = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(Check.error { try JSON.parse(tooDeep) } != nil)
    }

    @Test func jsonHugeNumbersAndBadBytesParseOrFailCleanly() throws {
        #expect(try JSON.parse("1e999999") == .number(.infinity))
        #expect(try JSON.parse(String(repeating: "9", count: 5000)).int == nil)
        #expect(try JSON.parse("1e30").int == nil)
        #expect(Check.error { try JSON.parse("\"\\u12") } != nil)
        let bad = String(decoding: [0x22, 0xC3, 0x28, 0x22] as [UInt8], as: UTF8.self)
        #expect(try JSON.parse(bad).string != nil)
    }

    @Test func castOfAHugeFloatConstantSaturatesAsTheKernelDoes() throws {
        for (v, want) in [(Float(1e20), Int32.max), (-1e20, Int32.min), (.nan, Int32.min), (2.9, 2), (-2.9, -2)] {
            let folded = try T.cast(Node.scalar(v), .int32)
            #expect(folded.constantValue?.ints[0] == want)
            let x = Node.input("x", shape: [])
            let run = try Function(inputs: [x], outputs: [try T.cast(x, .int32)], checkFinite: false)([Tensor(scalar: v)])[0]
            #expect(run.ints[0] == want)
        }
    }

    @Test func ranksOverEightFailWhereTheNodeIsMade() throws {
        let x = Node.input("x", shape: [nil])
        let r = Check.error { try T.reshape(x, Array(repeating: 1, count: 12)) }
        #expect(r?.kind == .shape)
        #expect(r?.message.contains("rank 12") == true)
        let m = Node.constant(try Tensor(zeros: [2, 3]))
        let d = Check.error { try T.dimshuffle(m, Array(repeating: -1, count: 10) + [0, 1]) }
        #expect(d?.kind == .shape)
        #expect(d?.message.contains("exceeds 8") == true)
        #expect(Check.error { try Tensor(zeros: Array(repeating: 1, count: 9)) }?.kind == .shape)
        #expect(Check.error { try T.tile(m, [1, 1, 1, 1, 1]) }?.kind == .shape)
    }

    @Test func repeatAndTileCountsAreCheckedBeforeBecomingInt32() throws {
        let m = Node.constant(try Tensor(zeros: [2, 3]))
        let e = Check.error { try T.repeat_(m, 1_000_000_000_000, axis: 0) }
        #expect(e?.kind == .invalidArgument)
        #expect(e?.message.contains("repeats") == true)
        #expect(Check.error { try T.repeat_(m, -1, axis: 0) } != nil)
        #expect(Check.error { try T.repeat_(m, 1 << 30, axis: 0) } != nil)
        #expect(Check.error { try T.tile(m, [1 << 31, 1]) } != nil)
        #expect(Check.error { try T.reshape(m, [1 << 40, -1]) }?.kind == .shape)
    }

    @Test func shapeProductsThatOverflowAreErrors() throws {
        #expect(Check.error { try checkedCount([1 << 40, 1 << 40]) }?.kind == .shape)
        #expect(Check.error { try checkStaticShape([1 << 40, nil, 1 << 40]) }?.kind == .shape)
        #expect(Check.error { try checkStaticShape([-1]) }?.kind == .shape)
        #expect(Check.error { try byteCount([1 << 62], .float32) }?.kind == .memory)
        let x = Node.input("x", shape: [nil])
        let big = try T.reshape(x, [-1])
        #expect(big.shape == [nil])
    }

    @Test func convolutionFiltersLargerThanTheInputAreRejectedNamingBothShapes() throws {
        let x = Node.input("x", shape: [nil, 4, 8, 8]), w = Node.input("w", shape: [4, 4, 20, 20])
        let e = Check.error { try T.conv2d(x, w) }
        #expect(e?.kind == .shape)
        #expect(e?.message.contains("(4, 4, 20, 20)") == true && e?.message.contains("(?, 4, 8, 8)") == true)
        #expect(try T.conv2d(x, w, pad: .full).shape == [nil, 4, 27, 27])
    }

    @Test func writeShapeRejectsRanksThatDoNotFitTheEightSlots() throws {
        var rank: Int32 = -1
        var dims = [Int64](repeating: 7, count: 16)
        try dims.withUnsafeMutableBufferPointer { d in
            try writeShape([2, nil, 3], rank: &rank, dims: d.baseAddress!)
            #expect(Check.error { try writeShape(Array(repeating: 1, count: 9), rank: &rank, dims: d.baseAddress!) }?.kind == .shape)
        }
        #expect(rank == 3)
        #expect(Array(dims[0..<4]) == [2, -1, 3, 7])
    }

    @Test func callDescriptorsAreBoundsCheckedBeforeAnyRead() throws {
        func decode(_ words: [Int64], _ len: Int? = nil) -> AgentNetError? {
            words.withUnsafeBufferPointer { p in Check.error { try CallDescriptor(p.baseAddress, Int64(len ?? words.count)) } }
        }
        #expect(decode([-1, 0]) != nil)
        #expect(decode([1 << 40, 0]) != nil)
        #expect(decode([1, 0, 0, 0, 9]) != nil)            // rank 9
        #expect(decode([1, 0, 0, 0, 2, 3]) != nil)         // truncated dims
        #expect(decode([1, 0, 0, 0, 1, -4]) != nil)        // negative dimension
        #expect(decode([1, 0, 0, 0, 1, 4]) != nil)         // NULL data for 4 elements
        #expect(decode([1, 0, 0, 0, 1, 1 << 62]) != nil)   // byte count overflows
        #expect(decode([0, 0], -5) != nil)
        #expect(decode([0, 0], 1 << 40) != nil)
        #expect(decode([1, 0, 0, 0, 1, 0]) == nil)         // an empty input may be NULL
    }

    @Test func agnFunctionCallRejectsNegativeAndHugeCounts() throws {
        let f = try Function(inputs: [], outputs: [try T.zerosLike(Node.constant(try Tensor(zeros: [2])))])
        let h = Handles.register(f)
        defer { try? Handles.release(h) }
        for words: [Int64] in [[-1, 0], [1 << 40, 0]] {
            let status = words.withUnsafeBufferPointer { agn_function_call(h, $0.baseAddress, 2) }
            #expect(status == AgentNetError.Kind.invalidArgument.rawValue)
        }
    }

    @Test func rngIndexOverflowIsAnErrorMessageNotATrap() throws {
        let env = try makeEnvironment("CartPole-v1", numEnvs: 2, maxEpisodeSteps: nil)
        let e = Check.error { try env.rng(Int.max) }
        #expect(e?.message.contains("out of range") == true)
        #expect(Check.error { try env.render(first: Int.max, count: Int.max, into: UnsafeMutableBufferPointer(start: nil, count: 0)) } != nil)
    }

    /// Other suites run in parallel, so the limit is only ever raised here, never lowered.
    @Test func allocationsOverTheMemoryLimitThrowAndLeaveTheEngineUsable() throws {
        let e = Check.error { try Tensor(zeros: [1 << 38]) }   // 1 TiB of float32
        #expect(e?.kind == .memory)
        #expect(e?.message.contains("(274877906944,) float32") == true && e?.message.contains("limit") == true)
        #expect(try Tensor(zeros: [1000]).count == 1000)
        #expect(Check.error { try MemoryLimit.setLimit(0) }?.kind == .invalidArgument)
        try MemoryLimit.setLimit(1 << 62)
        #expect(MemoryLimit.bytes == 1 << 62)
        try MemoryLimit.setLimit(nil)
        #expect(MemoryLimit.bytes == MemoryLimit.defaultLimit && MemoryLimit.bytes > 0)
    }

    /// Found by the fuzz test: Acrobot reset bounds of 1e20 made the wrap loop spin forever (x − 2π == x).
    @Test func acrobotAngleWrapTerminatesForHugeAndInfiniteAngles() throws {
        #expect(abs(Acrobot.wrap(1e20)) <= Double.pi)
        #expect(abs(Acrobot.wrap(-3e300)) <= Double.pi)
        #expect(Acrobot.wrap(.infinity).isNaN && Acrobot.wrap(.nan).isNaN)
        #expect(Acrobot.wrap(7.0) == 7.0 - 2 * Double.pi)
        #expect(Acrobot.wrap(-10.0) == -10.0 + 2 * Double.pi + 2 * Double.pi)
    }

    /// The counter is process-wide and other suites allocate and free in parallel, so the tensor is large (64 MiB)
    /// against a slack (8 MiB) for what they do meanwhile.
    @Test func memoryInUseGoesBackDownWhenTensorsAreFreed() throws {
        let slack = 8 << 20
        let before = MemoryLimit.inUse
        do {
            let t = try Tensor(zeros: [1 << 24])
            #expect(MemoryLimit.inUse >= before + t.count * 4 - slack)
        }
        #expect(MemoryLimit.inUse <= before + slack)
    }
}
