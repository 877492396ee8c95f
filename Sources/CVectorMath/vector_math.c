#include "vector_math.h"
#include "isa.h"
#include <math.h>

// One body compiled for baseline x86-64, AVX2 and AVX-512; the arithmetic is VectorMath.exp's
// step for step (Cephes-style: clamp to [-87, 88], n = round(x·log2 e) by the 1.5·2^23 trick,
// r = x − n·ln 2 in two parts, a degree-5 polynomial, 2^n built in the exponent bits).
#pragma clang fp contract(off)
// The baseline build passes 8-float vectors to its static helpers, which clang warns changes the
// ABI without AVX; they are inlined within this file and never cross a library boundary.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float f8 __attribute__((ext_vector_type(8)));
typedef int i8 __attribute__((ext_vector_type(8)));
typedef float f8u __attribute__((ext_vector_type(8), aligned(4)));

#define EXP8(SUFFIX, ATTR)                                                                    \
    ATTR static inline f8 exp8_##SUFFIX(f8 x) {                                               \
        /* Mask-based clamps, as VectorMath's `replace(with:where:)` (NaN stays NaN). */       \
        i8 hi = x > 88.0f, lo = x < -87.0f;                                                    \
        x = (f8)(((i8)x & ~hi) | ((i8)(f8)(88.0f) & hi));                                      \
        x = (f8)(((i8)x & ~lo) | ((i8)(f8)(-87.0f) & lo));                                     \
        const f8 magic = 12582912.0f;                                                          \
        f8 t = x * (f8)(1.44269504088896341f) + magic;                                         \
        f8 n = t - magic;                                                                      \
        i8 n_bits = (i8)t - (i8)magic;                                                         \
        f8 r = x - n * (f8)(0.693359375f);                                                     \
        r = r - n * (f8)(-2.12194440e-4f);                                                     \
        f8 p = 1.9875691500e-4f;                                                               \
        p = p * r + (f8)(1.3981999507e-3f);                                                    \
        p = p * r + (f8)(8.3334519073e-3f);                                                    \
        p = p * r + (f8)(4.1665795894e-2f);                                                    \
        p = p * r + (f8)(1.6666665459e-1f);                                                    \
        p = p * r + (f8)(5.0000001201e-1f);                                                    \
        f8 r2 = r * r;                                                                         \
        f8 y = p * r2 + r + (f8)(1.0f);                                                        \
        f8 scale = (f8)((n_bits + 127) << 23);                                                 \
        return y * scale;                                                                      \
    }

// The scalar tail is VectorMath's scalar twin: libm's exp in Double of the clamped value.
static inline float exp1(float x) {
    float c = x < -87.0f ? -87.0f : x;
    c = c > 88.0f ? 88.0f : c;
    return (float)exp((double)c);
}

#define EXP_SHIFTED(SUFFIX, ATTR)                                                             \
    ATTR static float exp_shifted_##SUFFIX(const float *x, float *out, long n, float shift) {  \
        f8 acc = 0;                                                                            \
        const f8 s = shift;                                                                    \
        long i = 0;                                                                            \
        for (; i + 8 <= n; i += 8) {                                                           \
            f8 e = exp8_##SUFFIX(*(const f8u *)(x + i) - s);                                   \
            *(f8u *)(out + i) = e;                                                             \
            acc = acc + e;                                                                     \
        }                                                                                      \
        float total = acc[0];                                                                  \
        for (int l = 1; l < 8; l++) total += acc[l];                                           \
        for (; i < n; i++) {                                                                   \
            float e = exp1(x[i] - shift);                                                      \
            out[i] = e;                                                                        \
            total += e;                                                                        \
        }                                                                                      \
        return total;                                                                          \
    }

#define EXP_SHIFTED_MASKED(SUFFIX, ATTR)                                                      \
    ATTR static float exp_shifted_masked_##SUFFIX(const float *x, float *out, long n, float shift, \
                                                  const unsigned char *pad) {                  \
        f8 acc = 0;                                                                            \
        const f8 s = shift;                                                                    \
        long i = 0;                                                                            \
        for (; i + 8 <= n; i += 8) {                                                           \
            i8 keep = {pad[i] == 0, pad[i + 1] == 0, pad[i + 2] == 0, pad[i + 3] == 0,         \
                       pad[i + 4] == 0, pad[i + 5] == 0, pad[i + 6] == 0, pad[i + 7] == 0};    \
            f8 e = exp8_##SUFFIX(*(const f8u *)(x + i) - s);                                   \
            e = (f8)((i8)e & -keep);                                                           \
            *(f8u *)(out + i) = e;                                                             \
            acc = acc + e;                                                                     \
        }                                                                                      \
        float total = acc[0];                                                                  \
        for (int l = 1; l < 8; l++) total += acc[l];                                           \
        for (; i < n; i++) {                                                                   \
            if (pad[i] == 0) {                                                                 \
                float e = exp1(x[i] - shift);                                                  \
                out[i] = e;                                                                    \
                total += e;                                                                    \
            } else {                                                                           \
                out[i] = 0;                                                                    \
            }                                                                                  \
        }                                                                                      \
        return total;                                                                          \
    }

// 32 floats per compare: most of a row of log-probabilities is far below the threshold.
#define FIRST_ABOVE(SUFFIX, ATTR)                                                             \
    ATTR static long first_above_##SUFFIX(const float *x, long n, float threshold) {           \
        const f8 t = threshold;                                                                \
        long i = 0;                                                                            \
        for (; i + 32 <= n; i += 32) {                                                         \
            i8 hit = (*(const f8u *)(x + i) > t) | (*(const f8u *)(x + i + 8) > t)             \
                   | (*(const f8u *)(x + i + 16) > t) | (*(const f8u *)(x + i + 24) > t);     \
            if (__builtin_reduce_or(hit)) break;                                               \
        }                                                                                      \
        for (; i < n; i++)                                                                     \
            if (x[i] > threshold) return i;                                                    \
        return n;                                                                              \
    }

#define BODIES(SUFFIX, ATTR) EXP8(SUFFIX, ATTR) EXP_SHIFTED(SUFFIX, ATTR) EXP_SHIFTED_MASKED(SUFFIX, ATTR) FIRST_ABOVE(SUFFIX, ATTR)

BODIES(base, )
#if defined(__x86_64__)
BODIES(avx2, __attribute__((target("avx2"))))
BODIES(avx512, __attribute__((target("avx512f,avx512vl"))))
#endif

typedef nmt_vector_math_kernels kernels;

static const kernels base_kernels = {exp_shifted_base, exp_shifted_masked_base, first_above_base, "baseline"};
#if defined(__x86_64__)
static const kernels avx2_kernels = {exp_shifted_avx2, exp_shifted_masked_avx2, first_above_avx2, "avx2"};
static const kernels avx512_kernels = {exp_shifted_avx512, exp_shifted_masked_avx512, first_above_avx512, "avx512"};
#define TABLES &base_kernels, &avx2_kernels, &avx512_kernels
#else
#define TABLES &base_kernels, 0, 0
#endif

const nmt_vector_math_kernels *nmt_vector_math_variant(const char *name) { return nmt_isa_table(name, TABLES); }

// The best build, found on first use.
static const void *_Atomic chosen;
static inline const kernels *impl(void) { return nmt_isa_best_table(&chosen, TABLES); }

float nmt_exp_shifted(const float *x, float *out, long n, float shift) { return impl()->exp_shifted(x, out, n, shift); }
float nmt_exp_shifted_masked(const float *x, float *out, long n, float shift, const unsigned char *pad) {
    return impl()->exp_shifted_masked(x, out, n, shift, pad);
}
long nmt_first_above(const float *x, long n, float threshold) { return impl()->first_above(x, n, threshold); }
const char *nmt_vector_math_isa(void) { return impl()->name; }
