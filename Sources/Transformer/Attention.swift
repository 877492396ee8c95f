// Scaled dot-product attention over all heads, forward/backward pair, per-head GEMMs.
//
// Shapes (B batch, H heads, Tq queries, Tk keys, D = H·dh):
//   q: row (b, i) at q.base + b·q.batchStride + i·q.rowStride, head h at column h·dh
//   k, v, ctx: the same addressing; probs, probsDropped, dProbs: [B, H, Tq, Tk] contiguous
//   keyPad: [B] rows of `keyPadStride` bytes, non-zero = padded key
// Views with strides let the fused [N, 3d] q|k|v projection, a [N, 2d] k|v projection or a
// [B, maxLength, d] key cache be used in place, with no permute copies.
// scores = scale·Q·Kᵀ, P = masked softmax(scores), Pd = dropout(P), ctx = Pd·V.
// The B·H heads are split across workers; each calls single-threaded sgemm.
import Tensor
import Parallelism

struct HeadView {
    var base: UnsafeMutablePointer<Float>
    var rowStride: Int
    var batchStride: Int
    func at(_ b: Int, head h: Int, headDim dh: Int) -> UnsafeMutablePointer<Float> { base + b * batchStride + h * dh }
}

struct AttentionGeometry {
    var batch: Int
    var heads: Int
    var headDim: Int
    var queries: Int
    var keys: Int
    var causal: Bool
    var keyPad: UnsafePointer<UInt8>?
    var keyPadStride: Int
    var scale: Float { 1 / Float(headDim).squareRoot() }
    var blockSize: Int { queries * keys }
}

enum Attention {
    // Each pass runs over all B·H heads (or all score rows) split across workers; the
    // per-head GEMMs call single-threaded sgemm on their worker. Passes are separate so
    // the profiler can time them; the score blocks of one pass stay in L2/L3 for the next.
    static func forward(_ g: AttentionGeometry, q: HeadView, k: HeadView, v: HeadView, ctx: HeadView,
                        probs: UnsafeMutablePointer<Float>, probsDropped: UnsafeMutablePointer<Float>, dropout: DropoutMask) {
        let dh = g.headDim, tq = g.queries, tk = g.keys, jobs = g.batch * g.heads
        Profiler.measure(.attentionScores) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let b = j / g.heads, h = j % g.heads
                    GEMM.multiply(transB: true, m: tq, n: tk, k: dh, alpha: g.scale,
                                  a: q.at(b, head: h, headDim: dh), lda: q.rowStride,
                                  b: k.at(b, head: h, headDim: dh), ldb: k.rowStride, beta: 0, c: probs + j * g.blockSize, ldc: tk)
                }
            }
        }
        Profiler.measure(.attentionSoftmax) {
            Parallel.forEachChunk(jobs * tq, minChunk: 64) { rows in
                for r in rows {
                    let j = r / tq, i = r % tq, b = j / g.heads
                    let p = probs + r * tk
                    let pad = g.keyPad.map { $0 + b * g.keyPadStride }
                    SoftmaxKernels.maskedRowForward(p, keys: tk, keyPad: pad, visible: g.causal ? i + 1 + (tk - tq) : tk)
                    if dropout.isActive {
                        let pd = probsDropped + r * tk, base = r * tk
                        for x in 0..<tk { pd[x] = p[x] * dropout.factor(base + x) }
                    }
                }
            }
        }
        let pd = dropout.isActive ? probsDropped : probs
        Profiler.measure(.attentionContext) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let b = j / g.heads, h = j % g.heads
                    GEMM.multiply(m: tq, n: dh, k: tk, a: pd + j * g.blockSize, lda: tk, b: v.at(b, head: h, headDim: dh), ldb: v.rowStride,
                                  beta: 0, c: ctx.at(b, head: h, headDim: dh), ldc: ctx.rowStride)
                }
            }
        }
    }

    /// Writes (overwrites) dq, dk, dv for every head from dctx. `dProbs` is scratch [B,H,Tq,Tk].
    static func backward(_ g: AttentionGeometry, dq: HeadView, dk: HeadView, dv: HeadView, dctx: HeadView,
                         q: HeadView, k: HeadView, v: HeadView,
                         probs: UnsafePointer<Float>, probsDropped: UnsafePointer<Float>, dProbs: UnsafeMutablePointer<Float>, dropout: DropoutMask) {
        let dh = g.headDim, tq = g.queries, tk = g.keys, jobs = g.batch * g.heads
        let pdAll = dropout.isActive ? probsDropped : probs
        Profiler.measure(.attentionContextBackward) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let b = j / g.heads, h = j % g.heads
                    let dc = dctx.at(b, head: h, headDim: dh)
                    // dPd = dctx·Vᵀ ; dV = Pdᵀ·dctx
                    GEMM.multiply(transB: true, m: tq, n: tk, k: dh, a: dc, lda: dctx.rowStride,
                                  b: v.at(b, head: h, headDim: dh), ldb: v.rowStride, beta: 0, c: dProbs + j * g.blockSize, ldc: tk)
                    GEMM.multiply(transA: true, m: tk, n: dh, k: tq, a: pdAll + j * g.blockSize, lda: tk, b: dc, ldb: dctx.rowStride,
                                  beta: 0, c: dv.at(b, head: h, headDim: dh), ldc: dv.rowStride)
                }
            }
        }
        Profiler.measure(.attentionSoftmaxBackward) {
            Parallel.forEachChunk(jobs * tq, minChunk: 64) { rows in
                for r in rows {
                    let dp = dProbs + r * tk
                    if dropout.isActive {
                        let base = r * tk
                        for x in 0..<tk { dp[x] *= dropout.factor(base + x) }
                    }
                    SoftmaxKernels.rowBackward(dp, probs + r * tk, keys: tk)
                }
            }
        }
        Profiler.measure(.attentionScoresBackward) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let b = j / g.heads, h = j % g.heads
                    let dp = dProbs + j * g.blockSize
                    // dQ = scale·dS·K ; dK = scale·dSᵀ·Q
                    GEMM.multiply(m: tq, n: dh, k: tk, alpha: g.scale, a: dp, lda: tk, b: k.at(b, head: h, headDim: dh), ldb: k.rowStride,
                                  beta: 0, c: dq.at(b, head: h, headDim: dh), ldc: dq.rowStride)
                    GEMM.multiply(transA: true, m: tk, n: dh, k: tq, alpha: g.scale, a: dp, lda: tk, b: q.at(b, head: h, headDim: dh), ldb: q.rowStride,
                                  beta: 0, c: dk.at(b, head: h, headDim: dh), ldc: dk.rowStride)
                }
            }
        }
    }
}
