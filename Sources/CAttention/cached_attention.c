#include "cached_attention.h"
#include "isa.h"
#include <string.h>

// One body per kernel, compiled for baseline x86-64 (where an 8-float vector is two SSE
// halves), AVX2 and AVX-512 (where it is one register). The arithmetic is the same in every
// build, and the same as the Swift loops these replaced: no fused multiply-add (a + p·v rounds
// twice), dots in 8 lanes summed in lane order, contexts summed position by position.
#pragma clang fp contract(off)
// The baseline build passes 8-float vectors to its static helpers, which clang warns changes the
// ABI without AVX; they are inlined within this file and never cross a library boundary.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float f8 __attribute__((ext_vector_type(8)));
typedef float f8u __attribute__((ext_vector_type(8), aligned(4)));   // unaligned loads and stores
#define LOAD(p) (*(const f8u *)(p))

// s[p] = ((a_p[0] + a_p[1]) + a_p[2]) + … + a_p[7] for eight accumulators at once: transpose the
// 8×8 block (row l of the transpose holds lane l of every accumulator) and add the rows in order.
#define LANE_SUMS(SUFFIX, ATTR)                                                                           \
    ATTR static inline f8 lane_sums_##SUFFIX(f8 a0, f8 a1, f8 a2, f8 a3, f8 a4, f8 a5, f8 a6, f8 a7) {    \
        f8 t0 = __builtin_shufflevector(a0, a1, 0, 8, 1, 9, 4, 12, 5, 13);                               \
        f8 t1 = __builtin_shufflevector(a0, a1, 2, 10, 3, 11, 6, 14, 7, 15);                             \
        f8 t2 = __builtin_shufflevector(a2, a3, 0, 8, 1, 9, 4, 12, 5, 13);                               \
        f8 t3 = __builtin_shufflevector(a2, a3, 2, 10, 3, 11, 6, 14, 7, 15);                             \
        f8 t4 = __builtin_shufflevector(a4, a5, 0, 8, 1, 9, 4, 12, 5, 13);                               \
        f8 t5 = __builtin_shufflevector(a4, a5, 2, 10, 3, 11, 6, 14, 7, 15);                             \
        f8 t6 = __builtin_shufflevector(a6, a7, 0, 8, 1, 9, 4, 12, 5, 13);                               \
        f8 t7 = __builtin_shufflevector(a6, a7, 2, 10, 3, 11, 6, 14, 7, 15);                             \
        /* u0: lanes 0 and 4 of a0..a3; u1: lanes 1 and 5; u2: 2 and 6; u3: 3 and 7 (u4..u7: a4..a7) */ \
        f8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);                               \
        f8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);                             \
        f8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);                               \
        f8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);                             \
        f8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);                               \
        f8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);                             \
        f8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);                               \
        f8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);                             \
        f8 l0 = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);                               \
        f8 l4 = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);                             \
        f8 l1 = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);                               \
        f8 l5 = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);                             \
        f8 l2 = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);                               \
        f8 l6 = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);                             \
        f8 l3 = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);                               \
        f8 l7 = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);                             \
        return ((((((l0 + l1) + l2) + l3) + l4) + l5) + l6) + l7;                                         \
    }

// One dot of dh floats: 8 lanes, their sum in lane order, then the tail in order.
#define DOT(SUFFIX, ATTR)                                                                                 \
    ATTR static inline float dot_##SUFFIX(const float *a, const float *b, long n) {                       \
        f8 acc = 0;                                                                                       \
        long i = 0;                                                                                       \
        for (; i + 8 <= n; i += 8) acc += LOAD(a + i) * LOAD(b + i);                                      \
        float s = acc[0];                                                                                 \
        for (int l = 1; l < 8; l++) s += acc[l];                                                          \
        for (; i < n; i++) s += a[i] * b[i];                                                              \
        return s;                                                                                         \
    }

#define SCORES(SUFFIX, ATTR)                                                                              \
    ATTR static void scores_##SUFFIX(float *scores, long group, long heads, long dh, long t, float scale,  \
                                     const float *q, long qs, const float *keys, long ks) {               \
        const long body = dh & ~7L;                                                                       \
        long j = 0;                                                                                       \
        /* Eight positions at a time: eight independent sums per query load, reduced together. */        \
        for (; j + 8 <= t; j += 8) {                                                                      \
            const float *k0 = keys + j * ks;                                                              \
            for (long i = 0; i < group; i++) {                                                            \
                const float *qi = q + i * qs;                                                             \
                float *si = scores + i * heads * t + j;                                                   \
                for (long h = 0; h < heads; h++) {                                                        \
                    const float *qh = qi + h * dh, *kh = k0 + h * dh;                                     \
                    f8 a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;                    \
                    for (long x = 0; x < body; x += 8) {                                                  \
                        f8 qv = LOAD(qh + x);                                                             \
                        a0 += qv * LOAD(kh + x);                                                          \
                        a1 += qv * LOAD(kh + ks + x);                                                     \
                        a2 += qv * LOAD(kh + 2 * ks + x);                                                 \
                        a3 += qv * LOAD(kh + 3 * ks + x);                                                 \
                        a4 += qv * LOAD(kh + 4 * ks + x);                                                 \
                        a5 += qv * LOAD(kh + 5 * ks + x);                                                 \
                        a6 += qv * LOAD(kh + 6 * ks + x);                                                 \
                        a7 += qv * LOAD(kh + 7 * ks + x);                                                 \
                    }                                                                                     \
                    f8 s = lane_sums_##SUFFIX(a0, a1, a2, a3, a4, a5, a6, a7);                            \
                    for (long x = body; x < dh; x++) {                                                    \
                        f8 kx = {kh[x], kh[ks + x], kh[2 * ks + x], kh[3 * ks + x],                       \
                                 kh[4 * ks + x], kh[5 * ks + x], kh[6 * ks + x], kh[7 * ks + x]};         \
                        s += qh[x] * kx;                                                                  \
                    }                                                                                     \
                    s = scale * s;                                                                        \
                    memcpy(si + h * t, &s, sizeof s);                                                     \
                }                                                                                         \
            }                                                                                             \
        }                                                                                                 \
        for (; j < t; j++) {                                                                              \
            const float *kj = keys + j * ks;                                                              \
            for (long i = 0; i < group; i++)                                                              \
                for (long h = 0; h < heads; h++)                                                          \
                    scores[i * heads * t + h * t + j] = scale * dot_##SUFFIX(q + i * qs + h * dh, kj + h * dh, dh); \
        }                                                                                                 \
    }

// A context slice of up to 64 floats stays in registers while the positions stream past; each
// element still sums its terms position by position, as the row-at-a-time loop did.
#define CONTEXT(SUFFIX, ATTR)                                                                             \
    ATTR static void context_##SUFFIX(float *ctx, long cs, long group, long heads, long dh, long t,        \
                                      const float *scores, const float *values, long ks) {                \
        for (long i = 0; i < group; i++) {                                                                \
            for (long h = 0; h < heads; h++) {                                                            \
                const float *p = scores + i * heads * t + h * t;                                          \
                const float *vh = values + h * dh;                                                        \
                float *out = ctx + i * cs + h * dh;                                                       \
                long x = 0;                                                                               \
                for (; x + 64 <= dh; x += 64) {                                                           \
                    f8 c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;                    \
                    for (long j = 0; j < t; j++) {                                                       \
                        float pj = p[j];                                                                  \
                        if (pj == 0) continue;                                                            \
                        const float *v = vh + j * ks + x;                                                 \
                        c0 = c0 + pj * LOAD(v);                                                           \
                        c1 = c1 + pj * LOAD(v + 8);                                                       \
                        c2 = c2 + pj * LOAD(v + 16);                                                      \
                        c3 = c3 + pj * LOAD(v + 24);                                                      \
                        c4 = c4 + pj * LOAD(v + 32);                                                      \
                        c5 = c5 + pj * LOAD(v + 40);                                                      \
                        c6 = c6 + pj * LOAD(v + 48);                                                      \
                        c7 = c7 + pj * LOAD(v + 56);                                                      \
                    }                                                                                     \
                    *(f8u *)(out + x) = c0; *(f8u *)(out + x + 8) = c1;                                   \
                    *(f8u *)(out + x + 16) = c2; *(f8u *)(out + x + 24) = c3;                             \
                    *(f8u *)(out + x + 32) = c4; *(f8u *)(out + x + 40) = c5;                             \
                    *(f8u *)(out + x + 48) = c6; *(f8u *)(out + x + 56) = c7;                             \
                }                                                                                         \
                for (; x + 8 <= dh; x += 8) {                                                             \
                    f8 c = 0;                                                                             \
                    for (long j = 0; j < t; j++)                                                          \
                        if (p[j] != 0) c = c + p[j] * LOAD(vh + j * ks + x);                              \
                    *(f8u *)(out + x) = c;                                                                \
                }                                                                                         \
                for (; x < dh; x++) {                                                                     \
                    float c = 0;                                                                          \
                    for (long j = 0; j < t; j++)                                                          \
                        if (p[j] != 0) c += p[j] * vh[j * ks + x];                                        \
                    out[x] = c;                                                                           \
                }                                                                                         \
            }                                                                                             \
        }                                                                                                 \
    }

#define BODIES(SUFFIX, ATTR) LANE_SUMS(SUFFIX, ATTR) DOT(SUFFIX, ATTR) SCORES(SUFFIX, ATTR) CONTEXT(SUFFIX, ATTR)

BODIES(base, )
#if defined(__x86_64__)
BODIES(avx2, __attribute__((target("avx2"))))
BODIES(avx512, __attribute__((target("avx512f,avx512vl"))))
#endif

typedef nmt_attention_kernels kernels;

static const kernels base_kernels = {scores_base, context_base, "baseline"};
#if defined(__x86_64__)
static const kernels avx2_kernels = {scores_avx2, context_avx2, "avx2"};
static const kernels avx512_kernels = {scores_avx512, context_avx512, "avx512"};
#define TABLES &base_kernels, &avx2_kernels, &avx512_kernels
#else
#define TABLES &base_kernels, 0, 0
#endif

const nmt_attention_kernels *nmt_attention_variant(const char *name) { return nmt_isa_table(name, TABLES); }

// The best build, found on first use.
static const void *_Atomic chosen;
static inline const kernels *impl(void) { return nmt_isa_best_table(&chosen, TABLES); }

void nmt_attention_scores(float *scores, long group, long heads, long dh, long t, float scale,
                          const float *q, long q_stride, const float *keys, long kv_stride) {
    impl()->scores(scores, group, heads, dh, t, scale, q, q_stride, keys, kv_stride);
}
void nmt_attention_context(float *ctx, long ctx_stride, long group, long heads, long dh, long t,
                           const float *scores, const float *values, long kv_stride) {
    impl()->context(ctx, ctx_stride, group, heads, dh, t, scores, values, kv_stride);
}
const char *nmt_attention_isa(void) { return impl()->name; }
