// What Swift cannot reach through Glibc: the SSE control/status register (MXCSR), which holds the flush-to-zero
// (bit 15) and denormals-are-zero (bit 6) modes of the calling thread, and dladdr (a GNU extension).
#ifndef AGENTNET_PLATFORM_H
#define AGENTNET_PLATFORM_H

#include <stdint.h>

// Internal to libagentnet: not part of its C ABI (include/agentnet.h), so not exported.
#pragma GCC visibility push(hidden)

/// 1 when this build can read and write MXCSR (x86-64), 0 elsewhere.
int agentnet_has_mxcsr(void);
/// The calling thread's MXCSR (0 where there is none).
uint32_t agentnet_get_mxcsr(void);
/// Writes the calling thread's MXCSR (no effect where there is none).
void agentnet_set_mxcsr(uint32_t value);

/// The engine-wide flush-to-zero switch for compiled calls (1 on, 0 off; on at start), read and written atomically.
int agentnet_flush_setting(void);
void agentnet_set_flush_setting(int enabled);

/// The file of the loaded library that defines `symbol` (as the dynamic loader opened it), NULL if none.
const char *agentnet_library_file(const void *symbol);

#pragma GCC visibility pop

#endif
