// Engine configuration: what `agentnet.show_config()` prints, and the flush-to-zero switch.
import AgentNet

@_cdecl("agn_config_json")
public func agn_config_json(_ json: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    guarded { try out(json, "json").pointee = ThreadString.set(EngineConfig.current.json) }
}

@_cdecl("agn_set_flush_denormal")
public func agn_set_flush_denormal(_ enabled: Int32) -> Int32 {
    guarded {
        guard enabled == 0 || enabled == 1 else {
            throw AgentNetError(.invalidArgument, "enabled must be 0 or 1, got \(enabled)")
        }
        FloatMode.flushDenormals = enabled == 1
    }
}
