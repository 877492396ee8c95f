// The two inner loops of Transformer.CachedAttention (one query per row over a cache of keys
// and values), in C so they run 8 lanes wide in one AVX register where the CPU has AVX2: the
// Swift build targets baseline x86-64, where SIMD8<Float> is two SSE halves. The best of the
// AVX-512, AVX2 and baseline builds is picked once, at run time (never at build time).
// Results are bit-identical to the Swift loops they replaced and to each other: dots sum 8
// lanes (lane l takes elements l, l+8, …), then the lanes in order 0…7, then the tail in
// order; contexts add p·v (rounded) to the sum, position by position; no fused multiply-add.
#ifndef NMT_CACHED_ATTENTION_H
#define NMT_CACHED_ATTENTION_H

/// scores[i·heads·t + h·t + j] = scale · (q_i,h · k_j,h) for rows i < group, heads h, positions j < t,
/// where q_i,h = q + i·q_stride + h·dh and k_j,h = keys + j·kv_stride + h·dh (dh floats each).
void nmt_attention_scores(float *scores, long group, long heads, long dh, long t, float scale,
                          const float *q, long q_stride, const float *keys, long kv_stride);

/// ctx_i = Σ_j p_i,h,j · v_j,h for each row i < group and head h, with p = scores laid out as
/// above and v_j,h = values + j·kv_stride + h·dh; zero probabilities are skipped. Each context
/// row (heads·dh floats at ctx + i·ctx_stride) is overwritten.
void nmt_attention_context(float *ctx, long ctx_stride, long group, long heads, long dh, long t,
                           const float *scores, const float *values, long kv_stride);

/// Which implementation runs: "avx512", "avx2" or "baseline".
const char *nmt_attention_isa(void);

/// One implementation's kernels (for tests, which check every one this CPU can run).
typedef struct {
    void (*scores)(float *, long, long, long, long, float, const float *, long, const float *, long);
    void (*context)(float *, long, long, long, long, long, const float *, const float *, long);
    const char *name;
} nmt_attention_kernels;

/// The implementation called `name`, or NULL when this CPU cannot run it (or it is unknown).
const nmt_attention_kernels *nmt_attention_variant(const char *name);

#endif
