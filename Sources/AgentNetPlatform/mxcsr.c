// MXCSR through the compiler's builtins (stmxcsr / ldmxcsr): no inline assembly, no intrinsics header; and the
// engine's flush-to-zero switch, a C atomic so any thread may flip it.
#include "AgentNetPlatform.h"

#if defined(__x86_64__)
int agentnet_has_mxcsr(void) { return 1; }
uint32_t agentnet_get_mxcsr(void) { return __builtin_ia32_stmxcsr(); }
void agentnet_set_mxcsr(uint32_t value) { __builtin_ia32_ldmxcsr(value); }
#else
int agentnet_has_mxcsr(void) { return 0; }
uint32_t agentnet_get_mxcsr(void) { return 0; }
void agentnet_set_mxcsr(uint32_t value) { (void)value; }
#endif

static int flush_setting = 1;

int agentnet_flush_setting(void) { return __atomic_load_n(&flush_setting, __ATOMIC_RELAXED); }
void agentnet_set_flush_setting(int enabled) { __atomic_store_n(&flush_setting, enabled ? 1 : 0, __ATOMIC_RELAXED); }
