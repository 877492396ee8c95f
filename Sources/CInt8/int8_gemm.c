#include "int8_gemm.h"
#include <math.h>
#include <pthread.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Every kernel ends with the same two roundings, (float)dot · (x_scale · w_scale) + bias, so
// no fused multiply-add may merge them (the baseline must equal the vector kernels bit for bit).
#pragma clang fp contract(off)

long nmt_int8_padded_outputs(long n) { return (n + 15) / 16 * 16; }
long nmt_int8_padded_inputs(long k) { return (k + 3) / 4 * 4; }
long nmt_int8_row_bytes(long k, int format) { return nmt_int8_padded_inputs(k) * (format == 2 ? 2 : 1); }

// Round to nearest even by the 1.5·2^23 trick: exact for |v| ≤ 2^22, the same on every
// instruction set, and it vectorises without SSE4.1's roundps.
static inline __attribute__((always_inline)) float round_even(float v) { return (v + 0x1.8p23f) - 0x1.8p23f; }

static inline __attribute__((always_inline)) int quantize(float v, float inverse) {
    float r = round_even(v * inverse);
    r = r > 127.0f ? 127.0f : r;
    r = r < -127.0f ? -127.0f : r;
    return (int)r;
}

static inline __attribute__((always_inline)) float row_max(const float *row, long k) {
    float m = 0.0f;
    for (long j = 0; j < k; j++) {
        float a = fabsf(row[j]);
        m = a > m ? a : m;
    }
    return m;
}

void nmt_int8_pack(const float *w, long n, long k, long ldw, int8_t *packed, float *scales, int32_t *sums) {
    long np = nmt_int8_padded_outputs(n), kp = nmt_int8_padded_inputs(k);
    memset(packed, 0, (size_t)(np * kp));
    for (long j = 0; j < np; j++) {
        scales[j] = 0.0f;
        sums[j] = 0;
        if (j >= n) continue;
        const float *row = w + j * ldw;
        float m = row_max(row, k);
        if (m == 0.0f) continue;
        float inverse = 127.0f / m;
        scales[j] = m / 127.0f;
        int32_t sum = 0;
        // Block j/16 holds 16 outputs × kp inputs: input group i/4 at 64·(i/4), output j%16 at 4·(j%16).
        int8_t *block = packed + (j / 16) * 16 * kp + (j % 16) * 4;
        for (long i = 0; i < k; i++) {
            int q = quantize(row[i], inverse);
            block[(i / 4) * 64 + i % 4] = (int8_t)q;
            sum += q;
        }
        sums[j] = sum;
    }
}

// One body, compiled for each instruction set by inlining into the target-attributed wrappers.
static inline __attribute__((always_inline)) void quantize_rows(const float *x, long m, long k, long ldx, int format, void *qx,
                                                                float *scales) {
    long kp = nmt_int8_padded_inputs(k);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        float mx = row_max(row, k);
        float inverse = mx == 0.0f ? 0.0f : 127.0f / mx;
        scales[i] = mx / 127.0f;
        if (format == 2) {
            int16_t *q = (int16_t *)qx + i * kp;
            for (long j = 0; j < k; j++) q[j] = (int16_t)quantize(row[j], inverse);
            for (long j = k; j < kp; j++) q[j] = 0;
        } else {
            int offset = format == 1 ? 128 : 0;
            uint8_t *q = (uint8_t *)qx + i * kp;
            for (long j = 0; j < k; j++) q[j] = (uint8_t)(quantize(row[j], inverse) + offset);
            for (long j = k; j < kp; j++) q[j] = (uint8_t)offset;   // the offset's zero: sums cover real inputs only
        }
    }
}

static void quantize_baseline(const float *x, long m, long k, long ldx, int format, void *qx, float *scales) {
    quantize_rows(x, m, k, ldx, format, qx, scales);
}
#if defined(__x86_64__)
// The vector quantizers compute exactly what quantize_rows does: the same maximum (max is
// exact in any order), the same product, and vcvtps2dq's round-to-nearest-even equals
// round_even for these magnitudes; the clamp commutes with the conversion.
__attribute__((target("avx2"))) static void quantize_avx2(const float *x, long m, long k, long ldx, int format, void *qx, float *scales) {
    if (format != 2) { quantize_rows(x, m, k, ldx, format, qx, scales); return; }
    long kp = nmt_int8_padded_inputs(k);
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i low = _mm256_set1_epi32(-127), high = _mm256_set1_epi32(127);
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        __m256 vmax = _mm256_setzero_ps();
        long j = 0;
        for (; j + 8 <= k; j += 8) vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(row + j), magnitude));
        float lanes[8], mx = 0.0f;
        _mm256_storeu_ps(lanes, vmax);
        for (int l = 0; l < 8; l++) mx = lanes[l] > mx ? lanes[l] : mx;
        for (long t = j; t < k; t++) { float a = fabsf(row[t]); mx = a > mx ? a : mx; }
        float inverse = mx == 0.0f ? 0.0f : 127.0f / mx;
        scales[i] = mx / 127.0f;
        __m256 vinverse = _mm256_set1_ps(inverse);
        int16_t *q = (int16_t *)qx + i * kp;
        for (j = 0; j + 8 <= k; j += 8) {
            __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + j), vinverse));
            v = _mm256_min_epi32(_mm256_max_epi32(v, low), high);
            __m256i packed16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(v, v), 0x08);
            _mm_storeu_si128((__m128i *)(q + j), _mm256_castsi256_si128(packed16));
        }
        for (; j < k; j++) q[j] = (int16_t)quantize(row[j], inverse);
        for (j = k; j < kp; j++) q[j] = 0;
    }
}
__attribute__((target("avx512f,avx512bw"))) static void quantize_avx512(const float *x, long m, long k, long ldx, int format, void *qx,
                                                                      float *scales) {
    long kp = nmt_int8_padded_inputs(k);
    const __m512i low = _mm512_set1_epi32(-127), high = _mm512_set1_epi32(127);
    const uint8_t offset = format == 1 ? 0x80 : 0;   // q + 128 as a byte is q with its top bit flipped
    for (long i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        __m512 vmax = _mm512_setzero_ps();
        long j = 0;
        for (; j + 16 <= k; j += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(row + j)));
        float mx = _mm512_reduce_max_ps(vmax);
        mx = mx > 0.0f ? mx : 0.0f;
        for (long t = j; t < k; t++) { float a = fabsf(row[t]); mx = a > mx ? a : mx; }
        float inverse = mx == 0.0f ? 0.0f : 127.0f / mx;
        scales[i] = mx / 127.0f;
        __m512 vinverse = _mm512_set1_ps(inverse);
        if (format == 2) {
            int16_t *q = (int16_t *)qx + i * kp;
            for (j = 0; j + 16 <= k; j += 16) {
                __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(row + j), vinverse));
                _mm256_storeu_si256((__m256i *)(q + j), _mm512_cvtepi32_epi16(_mm512_min_epi32(_mm512_max_epi32(v, low), high)));
            }
            for (; j < k; j++) q[j] = (int16_t)quantize(row[j], inverse);
            for (j = k; j < kp; j++) q[j] = 0;
        } else {
            uint8_t *q = (uint8_t *)qx + i * kp;
            const __m128i flip = _mm_set1_epi8((char)offset);
            for (j = 0; j + 16 <= k; j += 16) {
                __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(row + j), vinverse));
                __m128i bytes = _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(v, low), high));
                _mm_storeu_si128((__m128i *)(q + j), _mm_xor_si128(bytes, flip));
            }
            for (; j < k; j++) q[j] = (uint8_t)(quantize(row[j], inverse) + (format == 1 ? 128 : 0));
            for (j = k; j < kp; j++) q[j] = offset;
        }
    }
}
#endif

// Rows are taken in blocks whose quantized x (≤ 16 KB) stays in L1 beside a weight tile, and
// whose outputs span few pages: all of a block's outputs are written before the next block,
// instead of a strip of every row per weight tile (470 rows × 8,000 outputs is 15 MB of
// output, a page per row, and the TLB misses cost 2.7× at that size).
static inline long row_block(long kp) {
    long rows = 16384 / kp / 8 * 8;
    return rows < 8 ? 8 : rows > 64 ? 64 : rows;
}

// The portable kernel: int8 x, plain loops over the packed blocks.
static void gemm_baseline(const void *qx, const float *x_scales, long m, long kp, const int8_t *packed, const float *w_scales,
                          const int32_t *w_sums, const float *bias, long n_begin, long n_end, float *c, long ldc) {
    (void)w_sums;
    const int8_t *x = qx;
    for (long jb = n_begin; jb < n_end; jb += 16) {
        const int8_t *block = packed + jb * kp;
        long width = n_end - jb < 16 ? n_end - jb : 16;
        for (long i = 0; i < m; i++) {
            int32_t acc[16] = {0};
            const int8_t *row = x + i * kp;
            for (long g = 0; g < kp / 4; g++)
                for (int jj = 0; jj < 16; jj++)
                    for (int kk = 0; kk < 4; kk++) acc[jj] += (int32_t)row[g * 4 + kk] * block[g * 64 + jj * 4 + kk];
            for (long jj = 0; jj < width; jj++) {
                float y = (float)acc[jj] * (x_scales[i] * w_scales[jb + jj]);
                c[i * ldc + jb + jj] = bias ? y + bias[jb + jj] : y;
            }
        }
    }
}

#if defined(__x86_64__)
// AVX-512 VNNI: vpdpbusd multiplies 4 unsigned bytes of x (int8 + 128) by 4 signed bytes of a
// weight column and adds them to an int32 lane: one instruction per 16 outputs × 4 inputs.
// A tile is MR rows × NB blocks of 16 outputs; the +128 comes off as 128·Σ_k q[j][k].
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
static inline __attribute__((always_inline)) VNNI void vnni_tile(const uint8_t *x, long kp, const int8_t *block, const int MR,
                                                                const int NB, long i0, const float *x_scales, const float *w_scales,
                                                                const int32_t *w_sums, const float *bias, long j0, long n_end,
                                                                float *c, long ldc) {
    __m512i acc[8][2];
    for (int r = 0; r < MR; r++)
        for (int b = 0; b < NB; b++) acc[r][b] = _mm512_setzero_si512();
    const int8_t *second = block + 16 * kp;
    for (long g = 0; g < kp / 4; g++) {
        __m512i w0 = _mm512_loadu_si512(block + g * 64);
        __m512i w1 = NB > 1 ? _mm512_loadu_si512(second + g * 64) : w0;
        for (int r = 0; r < MR; r++) {
            int32_t four;
            memcpy(&four, x + (i0 + r) * kp + g * 4, 4);
            __m512i a = _mm512_set1_epi32(four);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, w0);
            if (NB > 1) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a, w1);
        }
    }
    for (int b = 0; b < NB; b++) {
        long j = j0 + 16 * b;
        if (j >= n_end) break;
        __mmask16 mask = n_end - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n_end - j)) - 1);
        __m512i offset = _mm512_slli_epi32(_mm512_loadu_si512(w_sums + j), 7);
        __m512 scale = _mm512_loadu_ps(w_scales + j);
        __m512 add = bias ? _mm512_maskz_loadu_ps(mask, bias + j) : _mm512_setzero_ps();
        for (int r = 0; r < MR; r++) {
            __m512 dot = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][b], offset));
            __m512 y = _mm512_mul_ps(dot, _mm512_mul_ps(_mm512_set1_ps(x_scales[i0 + r]), scale));
            if (bias) y = _mm512_add_ps(y, add);
            _mm512_mask_storeu_ps(c + (i0 + r) * ldc + j, mask, y);
        }
    }
}

#define VNNI_TILE(MR, NB) vnni_tile(x, kp, block, MR, NB, i0, x_scales, w_scales, w_sums, bias, j0, n_end, c, ldc)
#define VNNI_ROWS(NB)                                                                                                        \
    do {                                                                                                                     \
        long i0 = r0;                                                                                                        \
        for (; i0 + 8 <= r1; i0 += 8) VNNI_TILE(8, NB);                                                                      \
        switch (r1 - i0) {                                                                                                   \
        case 7: VNNI_TILE(7, NB); break;                                                                                     \
        case 6: VNNI_TILE(6, NB); break;                                                                                     \
        case 5: VNNI_TILE(5, NB); break;                                                                                     \
        case 4: VNNI_TILE(4, NB); break;                                                                                     \
        case 3: VNNI_TILE(3, NB); break;                                                                                     \
        case 2: VNNI_TILE(2, NB); break;                                                                                     \
        case 1: VNNI_TILE(1, NB); break;                                                                                     \
        default: break;                                                                                                      \
        }                                                                                                                    \
    } while (0)

VNNI static void gemm_vnni512(const void *qx, const float *x_scales, long m, long kp, const int8_t *packed, const float *w_scales,
                              const int32_t *w_sums, const float *bias, long n_begin, long n_end, float *c, long ldc) {
    const uint8_t *x = qx;
    long rows = row_block(kp);
    for (long r0 = 0; r0 < m; r0 += rows) {
        long r1 = r0 + rows < m ? r0 + rows : m;
        // 32 outputs at a time: their weights (32·kp bytes) stay in L1 while the block's rows pass.
        for (long j0 = n_begin; j0 < n_end; j0 += 32) {
            const int8_t *block = packed + j0 * kp;
            if (n_end - j0 > 16) VNNI_ROWS(2);
            else VNNI_ROWS(1);
        }
    }
}

// AVX2 without VNNI (Zen 3, Haswell…): x as int16, 16 weight bytes widened to int16 give 4
// outputs × 4 inputs; vpmaddwd sums input pairs into int32 lanes [o0 k01, o0 k23, o1 k01, …],
// and the pairs are added at the end (hadd + permute), so the dot products stay exact.
#define AVX2 __attribute__((target("avx2")))
static inline __attribute__((always_inline)) AVX2 void avx2_tile(const int16_t *x, long kp, const int8_t *block, const int MR, long i0,
                                                                const float *x_scales, const float *w_scales, const float *bias,
                                                                long j, long n_end, float *c, long ldc) {
    __m256i lo[6], hi[6];
    for (int r = 0; r < MR; r++) lo[r] = hi[r] = _mm256_setzero_si256();
    for (long g = 0; g < kp / 4; g++) {
        __m256i w_lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(block + g * 64)));
        __m256i w_hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(block + g * 64 + 16)));
        for (int r = 0; r < MR; r++) {
            int64_t four;
            memcpy(&four, x + (i0 + r) * kp + g * 4, 8);
            __m256i a = _mm256_set1_epi64x(four);
            lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(a, w_lo));
            hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(a, w_hi));
        }
    }
    long width = n_end - j >= 8 ? 8 : n_end - j;
    __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), lanes);
    __m256 scale = _mm256_loadu_ps(w_scales + j);
    __m256 add = bias ? _mm256_maskload_ps(bias + j, mask) : _mm256_setzero_ps();
    for (int r = 0; r < MR; r++) {
        __m256i sums = _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo[r], hi[r]), _MM_SHUFFLE(3, 1, 2, 0));
        __m256 y = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(_mm256_set1_ps(x_scales[i0 + r]), scale));
        if (bias) y = _mm256_add_ps(y, add);
        _mm256_maskstore_ps(c + (i0 + r) * ldc + j, mask, y);
    }
}

#define AVX2_TILE(MR) avx2_tile(x, kp, half, MR, i0, x_scales, w_scales, bias, j, n_end, c, ldc)

AVX2 static void gemm_avx2(const void *qx, const float *x_scales, long m, long kp, const int8_t *packed, const float *w_scales,
                           const int32_t *w_sums, const float *bias, long n_begin, long n_end, float *c, long ldc) {
    (void)w_sums;
    const int16_t *x = qx;
    long rows = row_block(2 * kp);
    for (long r0 = 0; r0 < m; r0 += rows) {
      long r1 = r0 + rows < m ? r0 + rows : m;
      for (long jb = n_begin; jb < n_end; jb += 16) {
        for (long h = 0; h < 2 && jb + 8 * h < n_end; h++) {
            // Outputs 8h..8h+7 of the block are bytes 32h..32h+31 of each 64-byte input group.
            const int8_t *half = packed + jb * kp + 32 * h;
            long j = jb + 8 * h, i0 = r0;
            // 6 rows × 8 outputs: 12 accumulators, 2 weight and 1 broadcast register of AVX2's 16.
            for (; i0 + 6 <= r1; i0 += 6) AVX2_TILE(6);
            switch (r1 - i0) {
            case 5: AVX2_TILE(5); break;
            case 4: AVX2_TILE(4); break;
            case 3: AVX2_TILE(3); break;
            case 2: AVX2_TILE(2); break;
            case 1: AVX2_TILE(1); break;
            default: break;
            }
        }
      }
    }
}
#endif

static const nmt_int8_kernels baseline_kernels = {gemm_baseline, 0, "baseline"};
#if defined(__x86_64__)
static const nmt_int8_kernels avx2_kernels = {gemm_avx2, 2, "avx2"};
static const nmt_int8_kernels vnni_kernels = {gemm_vnni512, 1, "vnni512"};
#endif

const nmt_int8_kernels *nmt_int8_variant(const char *name) {
    if (strcmp(name, "baseline") == 0) return &baseline_kernels;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0 && __builtin_cpu_supports("avx2")) return &avx2_kernels;
    if (strcmp(name, "vnni512") == 0 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        return &vnni_kernels;
#endif
    return 0;
}

static const nmt_int8_kernels *chosen;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;
static void choose(void) {
    chosen = nmt_int8_variant("vnni512");
    if (!chosen) chosen = nmt_int8_variant("avx2");
    if (!chosen) chosen = &baseline_kernels;
}
const nmt_int8_kernels *nmt_int8_kernel(void) {
    pthread_once(&chosen_once, choose);
    return chosen;
}

void nmt_int8_quantize_rows(const float *x, long m, long k, long ldx, int format, void *qx, float *scales) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) { quantize_avx512(x, m, k, ldx, format, qx, scales); return; }
    if (__builtin_cpu_supports("avx2")) { quantize_avx2(x, m, k, ldx, format, qx, scales); return; }
#endif
    quantize_baseline(x, m, k, ldx, format, qx, scales);
}
