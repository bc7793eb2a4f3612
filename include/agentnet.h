/* AgentNet C ABI. Every function returns a status (AGN_OK = 0); results come back through out-pointers.
 * agn_last_error() returns the calling thread's message for its last failed call.
 * Objects cross as int64 handles; agn_release() frees one. A stale or released handle is an error, never a crash.
 * Buffers cross as pointer + dtype + shape; the engine never keeps a caller's pointer past the call. */
#ifndef AGENTNET_H
#define AGENTNET_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

enum {
    AGN_OK = 0,
    AGN_E_INVALID_ARGUMENT = 1,
    AGN_E_INVALID_HANDLE = 2,
    AGN_E_SHAPE = 3,
    AGN_E_DTYPE = 4,
    AGN_E_RUNTIME = 5,
    AGN_E_IO = 6,
    AGN_E_OUTPUT_SHAPE = 7,
    AGN_E_INTERNAL = 99
};

enum { AGN_FLOAT32 = 0, AGN_INT32 = 1, AGN_BOOL = 2 };

typedef int64_t agn_handle;

/* Core */
int32_t agn_abi_version(void);
const char *agn_last_error(void);
int32_t agn_release(agn_handle handle);
int32_t agn_live_handles(int64_t *count);

#ifdef __cplusplus
}
#endif
#endif
