// Which of the x86-64 builds of a C kernel library this CPU runs: "baseline" (any x86-64),
// "avx2", or "avx512" (AVX-512 F and VL). CAttention and CVectorMath compile each kernel for
// all three and call the best one, decided at run time, never at build time.
#ifndef NMT_ISA_H
#define NMT_ISA_H

/// Whether this CPU can run the build called `name` (false for an unknown name).
int nmt_isa_supported(const char *name);

/// The widest build this CPU runs.
const char *nmt_isa_best(void);

#endif
