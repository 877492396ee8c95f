#include "isa.h"
#include <string.h>

int nmt_isa_supported(const char *name) {
    if (strcmp(name, "baseline") == 0) return 1;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0) return __builtin_cpu_supports("avx2");
    if (strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#endif
    return 0;
}

const char *nmt_isa_best(void) {
    if (nmt_isa_supported("avx512")) return "avx512";
    if (nmt_isa_supported("avx2")) return "avx2";
    return "baseline";
}
