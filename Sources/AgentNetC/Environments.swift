// C exports for native environments (include/agentnet.h, "Environments"). No environment logic here: decode
// caller buffers, look up the handle, call the `Environment`, map errors to status codes.
import AgentNet

/// Most sub-envs one handle may hold: each keeps a random stream, state and episode counters in engine memory.
let maxEnvironments: Int64 = 1 << 20

func environment(_ handle: Int64) throws -> any Environment {
    try Handles.get(handle, as: (any Environment).self, "environment")
}

// MARK: - Exports

@_cdecl("agn_env_create")
public func agn_env_create(_ id: UnsafePointer<CChar>?, _ numEnvs: Int64, _ autoresetMode: Int32,
                           _ maxEpisodeSteps: Int64, _ handleOut: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let name = try string(id, "environment id")
        guard let mode = AutoresetMode(rawValue: autoresetMode) else {
            throw AgentNetError(.invalidArgument,
                                "autoreset mode must be 0 (next step), 1 (same step) or 2 (disabled), got \(autoresetMode)")
        }
        guard numEnvs >= 1, numEnvs <= maxEnvironments else {
            throw AgentNetError(.invalidArgument, "num_envs must be in 1...\(maxEnvironments), got \(numEnvs)")
        }
        let result = try out(handleOut, "environment")
        let env = try makeEnvironment(name, numEnvs: Int(numEnvs), autoresetMode: mode,
                                      maxEpisodeSteps: maxEpisodeSteps > 0 ? Int(clamping: maxEpisodeSteps) : nil)
        result.pointee = Handles.register(env)
    }
}

@_cdecl("agn_env_describe")
public func agn_env_describe(_ handle: Int64, _ out: UnsafeMutablePointer<Int64>?, _ n: Int64) -> Int32 {
    guarded {
        let env = try environment(handle)
        let buffer = try outputBuffer(out, n, "description")
        let (kind, count): (Int64, Int64)
        switch env.actionSpace {
        case .discrete(let c): (kind, count) = (0, Int64(c))
        case .box(_, _, let width): (kind, count) = (1, Int64(width))
        }
        let values: [Int64] = [
            Int64(env.numEnvs), Int64(env.observationSize), Int64(env.stateSize), kind, count,
            Int64(env.renderSize.height), Int64(env.renderSize.width), Int64(env.autoresetMode.rawValue),
            Int64(env.maxEpisodeSteps ?? 0),
        ]
        guard buffer.count == values.count else {
            throw AgentNetError(.shape, "description buffer has \(buffer.count) elements, expected \(values.count)")
        }
        for (k, v) in values.enumerated() { buffer[k] = v }
    }
}

@_cdecl("agn_env_seed")
public func agn_env_seed(_ handle: Int64, _ first: Int64, _ count: Int64, _ words: UnsafePointer<UInt32>?, _ nWords: Int64) -> Int32 {
    guarded {
        let env = try environment(handle)
        _ = try AgentNetC.count(nWords, "seed words", limit: 1 << 16)
        let seed = Array(try inputBuffer(words, nWords, "seed words"))
        try env.seed(seed, first: Int(clamping: first), count: Int(clamping: count))
    }
}

@_cdecl("agn_env_reset")
public func agn_env_reset(_ handle: Int64, _ mask: UnsafePointer<UInt8>?, _ nMask: Int64, _ hasOptions: Int32,
                          _ optionA: Double, _ optionB: Double, _ obs: UnsafeMutablePointer<Float>?, _ nObs: Int64) -> Int32 {
    guarded {
        let env = try environment(handle)
        let maskBytes = try inputBuffer(mask, nMask, "reset mask")
        let flags: [Bool]? = mask == nil ? nil : maskBytes.map { $0 != 0 }
        try env.reset(mask: flags, options: hasOptions != 0 ? ResetOptions(optionA, optionB) : nil,
                      observations: try outputBuffer(obs, nObs, "observations"))
    }
}

/// Shared body of the two step exports.
func stepEnvironment(_ handle: Int64, _ actions: (any Environment) throws -> Actions,
                     _ obs: UnsafeMutablePointer<Float>?, _ nObs: Int64, _ rewards: UnsafeMutablePointer<Double>?,
                     _ terminated: UnsafeMutablePointer<UInt8>?, _ truncated: UnsafeMutablePointer<UInt8>?, _ nEnvs: Int64,
                     _ finalObs: UnsafeMutablePointer<Float>?, _ nFinal: Int64) -> Int32 {
    guarded {
        let env = try environment(handle)
        let output = StepOutput(
            observations: try outputBuffer(obs, nObs, "observations"),
            rewards: try outputBuffer(rewards, nEnvs, "rewards"),
            terminated: try flagBuffer(terminated, nEnvs, "terminated"),
            truncated: try flagBuffer(truncated, nEnvs, "truncated"),
            finalObservations: finalObs == nil ? nil : try outputBuffer(finalObs, nFinal, "final observations"))
        try env.step(try actions(env), into: output)
    }
}

@_cdecl("agn_env_step_discrete")
public func agn_env_step_discrete(_ handle: Int64, _ actions: UnsafePointer<Int64>?, _ nActions: Int64,
                                  _ obs: UnsafeMutablePointer<Float>?, _ nObs: Int64, _ rewards: UnsafeMutablePointer<Double>?,
                                  _ terminated: UnsafeMutablePointer<UInt8>?, _ truncated: UnsafeMutablePointer<UInt8>?,
                                  _ nEnvs: Int64, _ finalObs: UnsafeMutablePointer<Float>?, _ nFinal: Int64) -> Int32 {
    stepEnvironment(handle, { _ in .discrete(try inputBuffer(actions, nActions, "actions")) },
                    obs, nObs, rewards, terminated, truncated, nEnvs, finalObs, nFinal)
}

@_cdecl("agn_env_step_box")
public func agn_env_step_box(_ handle: Int64, _ actions: UnsafePointer<Float>?, _ nActions: Int64,
                             _ obs: UnsafeMutablePointer<Float>?, _ nObs: Int64, _ rewards: UnsafeMutablePointer<Double>?,
                             _ terminated: UnsafeMutablePointer<UInt8>?, _ truncated: UnsafeMutablePointer<UInt8>?,
                             _ nEnvs: Int64, _ finalObs: UnsafeMutablePointer<Float>?, _ nFinal: Int64) -> Int32 {
    stepEnvironment(handle, { _ in .box(try inputBuffer(actions, nActions, "actions")) },
                    obs, nObs, rewards, terminated, truncated, nEnvs, finalObs, nFinal)
}

@_cdecl("agn_env_state")
public func agn_env_state(_ handle: Int64, _ out: UnsafeMutablePointer<Double>?, _ n: Int64) -> Int32 {
    guarded { try environment(handle).state(into: try outputBuffer(out, n, "state")) }
}

/// Writes sub-env `index`'s PCG64 state as `[state_hi, state_lo, inc_hi, inc_lo]` and `*seeded = 1`, or `*seeded = 0`
/// if it has no stream yet.
@_cdecl("agn_env_get_rng")
public func agn_env_get_rng(_ handle: Int64, _ index: Int64, _ stateOut: UnsafeMutablePointer<UInt64>?,
                            _ seeded: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded {
        let words = try outputBuffer(stateOut, 4, "rng state")
        let flag = try out(seeded, "seeded")
        guard let rng = try environment(handle).rng(Int(clamping: index)) else {
            flag.pointee = 0
            return
        }
        for (k, v) in [rng.state >> 64, rng.state, rng.inc >> 64, rng.inc].enumerated() { words[k] = UInt64(truncatingIfNeeded: v) }
        flag.pointee = 1
    }
}

@_cdecl("agn_env_set_rng")
public func agn_env_set_rng(_ handle: Int64, _ index: Int64, _ words: UnsafePointer<UInt64>?) -> Int32 {
    guarded {
        let w = try inputBuffer(words, 4, "rng state")
        let rng = PCG64(state: UInt128(w[0]) << 64 | UInt128(w[1]), inc: UInt128(w[2]) << 64 | UInt128(w[3]))
        try environment(handle).setRNG(Int(clamping: index), rng)
    }
}

@_cdecl("agn_env_render")
public func agn_env_render(_ handle: Int64, _ first: Int64, _ count: Int64, _ out: UnsafeMutablePointer<UInt8>?, _ n: Int64) -> Int32 {
    guarded {
        try environment(handle).render(first: Int(clamping: first), count: Int(clamping: count), into: try outputBuffer(out, n, "frames"))
    }
}
