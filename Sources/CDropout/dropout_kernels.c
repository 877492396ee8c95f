#include "dropout_kernels.h"
#include "isa.h"

// One body per operation, compiled three times (baseline x86-64, AVX2, AVX-512) and left to
// the compiler's vectoriser: the hash is integer multiplies and shifts, which SSE2 lacks
// (no 32-bit lane multiply) but AVX2 and AVX-512 do in one instruction. Outputs may alias
// inputs only element for element (out[j] from x[j]), so the loops assume no other overlap.
// No fused multiply-add: a + x·f must round twice, as the Swift kernels it replaced did, so a
// run's numbers do not depend on whether the CPU has FMA.
#pragma clang fp contract(off)

static inline float factor(uint32_t index, nmt_dropout_mask m) {
    uint32_t h = index * 0x9E3779B1u ^ m.key;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return (h >> 8) >= m.threshold ? m.scale : 0.0f;
}

#define BODIES(SUFFIX, ATTR)                                                                                     \
    ATTR static void scale_##SUFFIX(float *out, const float *x, long n, long s, nmt_dropout_mask m) {            \
        _Pragma("clang loop vectorize(assume_safety)") for (long j = 0; j < n; j++) out[j] = x[j] * factor((uint32_t)(s + j), m);                              \
    }                                                                                                            \
    ATTR static void add_##SUFFIX(float *out, const float *a, const float *x, long n, long s, nmt_dropout_mask m) { \
        _Pragma("clang loop vectorize(assume_safety)") for (long j = 0; j < n; j++) out[j] = a[j] + x[j] * factor((uint32_t)(s + j), m);                       \
    }                                                                                                            \
    ATTR static void relu_##SUFFIX(float *h, float *hd, long n, long s, nmt_dropout_mask m) {                    \
        _Pragma("clang loop vectorize(assume_safety)") for (long j = 0; j < n; j++) {                                                                           \
            float v = h[j] > 0.0f ? h[j] : 0.0f;                                                                 \
            h[j] = v;                                                                                            \
            hd[j] = v * factor((uint32_t)(s + j), m);                                                            \
        }                                                                                                        \
    }                                                                                                            \
    ATTR static void relu_back_##SUFFIX(float *dx, const float *dhd, const float *h, long n, long s, nmt_dropout_mask m) { \
        _Pragma("clang loop vectorize(assume_safety)") for (long j = 0; j < n; j++) dx[j] = h[j] > 0.0f ? dhd[j] * factor((uint32_t)(s + j), m) : 0.0f;        \
    }

BODIES(base, )
#if defined(__x86_64__)
BODIES(avx2, __attribute__((target("avx2"))))
BODIES(avx512, __attribute__((target("avx512f,avx512vl"))))
#endif

typedef nmt_dropout_kernels kernels;

static const kernels base_kernels = {scale_base, add_base, relu_base, relu_back_base, "baseline"};
#if defined(__x86_64__)
static const kernels avx2_kernels = {scale_avx2, add_avx2, relu_avx2, relu_back_avx2, "avx2"};
static const kernels avx512_kernels = {scale_avx512, add_avx512, relu_avx512, relu_back_avx512, "avx512"};
#define TABLES &base_kernels, &avx2_kernels, &avx512_kernels
#else
#define TABLES &base_kernels, 0, 0
#endif

const nmt_dropout_kernels *nmt_dropout_variant(const char *name) { return nmt_isa_table(name, TABLES); }

// The best build, found on first use.
static const void *_Atomic chosen;
static inline const kernels *impl(void) { return nmt_isa_best_table(&chosen, TABLES); }

void nmt_dropout_scale(float *out, const float *x, long count, long mask_start, nmt_dropout_mask mask) {
    impl()->scale(out, x, count, mask_start, mask);
}
void nmt_dropout_add(float *out, const float *a, const float *x, long count, long mask_start, nmt_dropout_mask mask) {
    impl()->add(out, a, x, count, mask_start, mask);
}
void nmt_relu_dropout(float *h, float *hd, long count, long mask_start, nmt_dropout_mask mask) {
    impl()->relu(h, hd, count, mask_start, mask);
}
void nmt_relu_dropout_backward(float *dx, const float *dhd, const float *h, long count, long mask_start, nmt_dropout_mask mask) {
    impl()->relu_back(dx, dhd, h, count, mask_start, mask);
}
const char *nmt_dropout_isa(void) { return impl()->name; }
