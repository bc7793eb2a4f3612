// C exports for an agent playing a native env inside a compiled function (include/agentnet.h, "Agents on native
// environments"). No rollout logic here: look up the handles, call `NativeEnvironment` / `MDPAgent.getSessions`.
import AgentNet

/// The native env `env` (an `agn_env_create` handle, next-step autoreset) as a `BaseEnvironment` handle an agent
/// plays with `get_sessions`. It keeps each agent's memory of the sub-envs, so make one per env.
@_cdecl("agn_native_environment_create")
public func agn_native_environment_create(_ env: Int64, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let o = try AgentNetC.out(out, "out")
        o.pointee = Handles.register(try NativeEnvironment(environment(env)))
    }
}
