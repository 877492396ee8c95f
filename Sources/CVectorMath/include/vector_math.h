// Tensor.VectorMath's exp over a row, in C so its polynomial runs 8 lanes in one AVX register
// where the CPU has AVX2 (the Swift build targets baseline x86-64, where SIMD8<Float> is two
// SSE halves). The best of the AVX-512, AVX2 and baseline builds is picked once, at run time.
// Bit-identical to VectorMath.exp and expShifted (same constants and operation order, no fused
// multiply-add; the sum in 8 lanes, then the lanes in order, then the tail in order).
#ifndef NMT_VECTOR_MATH_H
#define NMT_VECTOR_MATH_H

/// out[i] = exp(x[i] − shift) for i < n (x may equal out); returns Σ out[i].
float nmt_exp_shifted(const float *x, float *out, long n, float shift);

/// The same with masked entries: out[i] = 0 where pad[i] != 0 (left out of the sum).
float nmt_exp_shifted_masked(const float *x, float *out, long n, float shift, const unsigned char *pad);

/// The first i < n with x[i] > threshold (NaN never is), or n: the beam search's scan for the
/// few logits that can still enter a sentence's best list. Exact compares, so every variant
/// returns the same index.
long nmt_first_above(const float *x, long n, float threshold);

/// Which implementation runs: "avx512", "avx2" or "baseline".
const char *nmt_vector_math_isa(void);

/// One implementation (for tests, which check every one this CPU can run).
typedef struct {
    float (*exp_shifted)(const float *, float *, long, float);
    float (*exp_shifted_masked)(const float *, float *, long, float, const unsigned char *);
    long (*first_above)(const float *, long, float);
    const char *name;
} nmt_vector_math_kernels;

/// The implementation called `name`, or NULL when this CPU cannot run it (or it is unknown).
const nmt_vector_math_kernels *nmt_vector_math_variant(const char *name);

#endif
