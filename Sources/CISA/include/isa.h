// Which of the x86-64 builds of a C kernel library this CPU runs: "baseline" (any x86-64),
// "avx2", or "avx512" (AVX-512 F and VL). CDropout, CVectorMath and CAttention compile each
// kernel for all three and call the best one, decided at run time, never at build time. Each
// library hands its three tables of kernels (NULL for a build it did not compile) to these.
#ifndef NMT_ISA_H
#define NMT_ISA_H

/// Whether this CPU can run the build called `name` (false for an unknown name).
int nmt_isa_supported(const char *name);

/// The widest build this CPU runs.
const char *nmt_isa_best(void);

/// The table of build `name`, or NULL when this CPU cannot run it (or it is unknown or not compiled).
const void *nmt_isa_table(const char *name, const void *baseline, const void *avx2, const void *avx512);

/// The table of the widest build this CPU runs, looked up once per `cache` (threads that race to
/// fill it store the same pointer).
const void *nmt_isa_best_table(const void *_Atomic *cache, const void *baseline, const void *avx2, const void *avx512);

#endif
