// dladdr needs _GNU_SOURCE, which Swift's Glibc module does not define.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include "AgentNetPlatform.h"

const char *agentnet_library_file(const void *symbol) {
    Dl_info info;
    if (symbol == NULL || dladdr(symbol, &info) == 0) return NULL;
    return info.dli_fname;
}
