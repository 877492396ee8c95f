// Dropout kernels over a contiguous run of elements whose mask indices are consecutive
// (mask_start, mask_start + 1, ...), with the same counter-based mask as Tensor.DropoutMask:
// keep(i) ⇔ murmur3_fmix32((uint32)i · 0x9E3779B1 ^ key) >> 8 ≥ threshold, factor = keep ? scale : 0.
// Plain C so the hash can run 8 or 16 lanes wide: the best of AVX-512, AVX2 and the baseline
// build is picked once, at run time, from what the CPU reports (never at build time).
#ifndef NMT_DROPOUT_KERNELS_H
#define NMT_DROPOUT_KERNELS_H
#include <stdint.h>

typedef struct {
    uint32_t key;
    uint32_t threshold;
    float scale;
} nmt_dropout_mask;

/// out[j] = x[j] · factor(mask_start + j). out may equal x.
void nmt_dropout_scale(float *out, const float *x, long count, long mask_start, nmt_dropout_mask mask);
/// out[j] = a[j] + x[j] · factor(mask_start + j). out may equal a or x.
void nmt_dropout_add(float *out, const float *a, const float *x, long count, long mask_start, nmt_dropout_mask mask);
/// h[j] = max(h[j], 0); hd[j] = h[j] · factor(mask_start + j).
void nmt_relu_dropout(float *h, float *hd, long count, long mask_start, nmt_dropout_mask mask);
/// dx[j] = h[j] > 0 ? dhd[j] · factor(mask_start + j) : 0. dx may equal dhd.
void nmt_relu_dropout_backward(float *dx, const float *dhd, const float *h, long count, long mask_start, nmt_dropout_mask mask);
/// Which implementation runs: "avx512", "avx2" or "baseline".
const char *nmt_dropout_isa(void);

/// One implementation's four kernels (for tests, which check every one this CPU can run).
typedef struct {
    void (*scale)(float *, const float *, long, long, nmt_dropout_mask);
    void (*add)(float *, const float *, const float *, long, long, nmt_dropout_mask);
    void (*relu)(float *, float *, long, long, nmt_dropout_mask);
    void (*relu_back)(float *, const float *, const float *, long, long, nmt_dropout_mask);
    const char *name;
} nmt_dropout_kernels;

/// The implementation called `name`, or NULL when this CPU cannot run it (or it is unknown).
const nmt_dropout_kernels *nmt_dropout_variant(const char *name);

#endif
