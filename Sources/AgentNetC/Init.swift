// C exports for parameter initializers: samples from the engine's one initializer generator.
import AgentNet

/// Reseeds the generator every initializer draws from (`agentnet.init.set_rng`).
@_cdecl("agn_init_seed")
public func agn_init_seed(_ seed: UInt64) -> Int32 {
    guarded { Initializer.rng.reseed(seed) }
}

/// Fills the caller's float32 buffer (`n` elements, must equal the shape's size) with a sample of the
/// initializer `spec_json` (`{"kind": "GlorotUniform", "gain": 1, "c01b": false}`).
@_cdecl("agn_init_sample")
public func agn_init_sample(_ spec: UnsafePointer<CChar>?, _ ndim: Int32, _ dims: UnsafePointer<Int64>?,
                            _ data: UnsafeMutablePointer<Float>?, _ n: Int64) -> Int32 {
    guarded {
        let initializer = try Initializer(json: JSON.parse(try string(spec, "spec")))
        let s = try shape(dims, ndim)
        let count = try checkedCount(s)
        guard Int64(count) == n else { throw AgentNetError(.invalidArgument, "buffer holds \(n) floats; shape \(formatShape(s)) has \(count)") }
        let t = try initializer.sample(s)
        if count > 0 { try out(data, "data").update(from: t.floats, count: count) }
    }
}
