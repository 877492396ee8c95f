// Int8 matrix products for decoding (`nmt translate --int8`): y = x·Wᵀ + b with W [n, k]
// quantized once per output row (symmetric, scale = max|w|/127) and x quantized per row at
// every call (scale = max|x|/127). The integer dot products are exact, and every kernel
// finishes them with the same float operations in the same order (no fused multiply-add),
// so all kernels give bit-identical results: AVX-512 VNNI (u8·s8 dot products, 64 per
// instruction), AVX2 (s16·s16 pairs) and a portable baseline. The best kernel the CPU
// reports is picked once, at run time (never at build time).
#ifndef NMT_INT8_GEMM_H
#define NMT_INT8_GEMM_H
#include <stddef.h>
#include <stdint.h>

/// Weights are packed in blocks of 16 outputs × 4 inputs (64 bytes, output-major inside);
/// outputs are padded to a multiple of 16 and inputs to a multiple of 4 with zeros.
long nmt_int8_padded_outputs(long n);
long nmt_int8_padded_inputs(long k);

/// Quantizes W [n, k] (row stride ldw) into `packed` (padded_outputs(n) · padded_inputs(k)
/// bytes), `scales` and `sums` (padded_outputs(n) each; sums[j] = Σ_k q[j][k], which the
/// VNNI kernel needs to undo its +128 offset on x).
void nmt_int8_pack(const float *w, long n, long k, long ldw, int8_t *packed, float *scales, int32_t *sums);

/// One kernel: its name, the layout it wants x in (`nmt_int8_quantize_rows`'s `format`) and
/// its product over output columns [n_begin, n_end) (n_begin a multiple of 16):
///   c[i·ldc + j] = (float)(Σ_k qx[i][k]·qw[j][k]) · (x_scales[i] · w_scales[j]) + bias[j]
/// for i < m (bias may be NULL: then no addition).
typedef void (*nmt_int8_gemm_fn)(const void *qx, const float *x_scales, long m, long kp, const int8_t *packed,
                                 const float *w_scales, const int32_t *w_sums, const float *bias, long n_begin,
                                 long n_end, float *c, long ldc);
typedef struct {
    nmt_int8_gemm_fn gemm;
    /// 0: int8 values; 1: uint8 values + 128 (VNNI's unsigned operand); 2: int16 values.
    int x_format;
    const char *name;
} nmt_int8_kernels;

/// Bytes per row of quantized x for a kernel: padded_inputs(k) · (format == 2 ? 2 : 1).
long nmt_int8_row_bytes(long k, int format);

/// Quantizes x [m, k] (row stride ldx) into `qx` (m rows of row_bytes(k, format), padding
/// zero) and `scales` [m]. A row of zeros gets scale 0.
void nmt_int8_quantize_rows(const float *x, long m, long k, long ldx, int format, void *qx, float *scales);

/// The kernel this process uses: the best of "vnni512", "avx2", "baseline" that the CPU runs.
const nmt_int8_kernels *nmt_int8_kernel(void);
/// The kernel called `name`, or NULL when this CPU cannot run it (or it is unknown): tests
/// check every kernel the CPU can run against the baseline.
const nmt_int8_kernels *nmt_int8_variant(const char *name);

#endif
