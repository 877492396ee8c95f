#include "isa.h"
#include <stdatomic.h>
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

const void *nmt_isa_table(const char *name, const void *baseline, const void *avx2, const void *avx512) {
    if (!nmt_isa_supported(name)) return 0;
    if (strcmp(name, "avx512") == 0) return avx512;
    if (strcmp(name, "avx2") == 0) return avx2;
    return baseline;
}

const void *nmt_isa_best_table(const void *_Atomic *cache, const void *baseline, const void *avx2, const void *avx512) {
    const void *table = atomic_load_explicit(cache, memory_order_acquire);
    if (!table) {
        table = nmt_isa_table(nmt_isa_best(), baseline, avx2, avx512);
        atomic_store_explicit(cache, table, memory_order_release);
    }
    return table;
}
