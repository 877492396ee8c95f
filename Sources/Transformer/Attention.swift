// Scaled dot-product attention over all heads, per sentence on its real length,
// forward/backward pair, per-head GEMMs.
//
// Shapes (H heads, D = H·dh): queries and keys are packed (SequencePacking): query i of
// sentence b is row q.base + (queries.offsets[b] + i)·q.rowStride, head h at column h·dh;
// k, v, ctx are addressed the same way. Sentence b's H score blocks, each
// [length_q(b), length_k(b)] row-major, lie one after another from `blockStart[b]` in probs,
// probsDropped and dProbs, so no score is computed, stored or masked for a pad.
// Views with a row stride let the fused [N, 3d] q|k|v projection or a [N, 2d] k|v projection
// be used in place, with no permute copies.
// scores = scale·Q·Kᵀ, P = softmax(scores) (causal: query i sees keys 0...i), Pd = dropout(P),
// ctx = Pd·V. The dropout mask hashes the index the score had in the padded
// [B, H, Tq, Tk] tensor (`maskBase`), so packing changes no dropped element.
// The B·H heads are split across workers; each calls single-threaded sgemm.
import Tensor
import Parallelism

struct HeadView {
    var base: UnsafeMutablePointer<Float>
    var rowStride: Int
    func at(row: Int, head h: Int, headDim dh: Int) -> UnsafeMutablePointer<Float> { base + row * rowStride + h * dh }
}

struct AttentionGeometry {
    let heads: Int
    let headDim: Int
    let queries: SequencePacking
    let keys: SequencePacking
    let causal: Bool
    /// Sentence b's H score blocks start at blockStart[b]; the last entry is the total.
    let blockStart: [Int]
    var scale: Float { 1 / Float(headDim).squareRoot() }
    var scoreCount: Int { blockStart[queries.sentences] }

    init(heads: Int, headDim: Int, queries: SequencePacking, keys: SequencePacking, causal: Bool) {
        precondition(queries.sentences == keys.sentences)
        self.heads = heads
        self.headDim = headDim
        self.queries = queries
        self.keys = keys
        self.causal = causal
        var start = [0]
        for b in 0..<queries.sentences { start.append(start[b] + heads * queries.length(b) * keys.length(b)) }
        blockStart = start
    }

    /// Head job j = b·H + h: its sentence, head, query and key counts, and its score block.
    func job(_ j: Int) -> (b: Int, h: Int, tq: Int, tk: Int, block: Int) {
        let b = j / heads, h = j % heads, tq = queries.length(b), tk = keys.length(b)
        return (b, h, tq, tk, blockStart[b] + h * tq * tk)
    }

    /// The padded-layout index of score (b, h, query i, key 0), which the dropout mask hashes.
    func maskBase(_ b: Int, _ h: Int, _ i: Int) -> Int { ((b * heads + h) * queries.paddedLength + i) * keys.paddedLength }
}

enum Attention {
    // Each pass runs over all B·H heads split across workers; the per-head GEMMs call
    // single-threaded sgemm on their worker. Passes are separate so the profiler can time
    // them; the score blocks of one pass stay in L2/L3 for the next.
    static func forward(_ g: AttentionGeometry, q: HeadView, k: HeadView, v: HeadView, ctx: HeadView,
                        probs: UnsafeMutablePointer<Float>, probsDropped: UnsafeMutablePointer<Float>, dropout: DropoutMask) {
        let dh = g.headDim, jobs = g.queries.sentences * g.heads
        let qo = g.queries.offsets, ko = g.keys.offsets
        Profiler.measure(.attentionScores) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let (b, h, tq, tk, block) = g.job(j)
                    GEMM.multiply(transB: true, m: tq, n: tk, k: dh, alpha: g.scale,
                                  a: q.at(row: qo[b], head: h, headDim: dh), lda: q.rowStride,
                                  b: k.at(row: ko[b], head: h, headDim: dh), ldb: k.rowStride, beta: 0, c: probs + block, ldc: tk)
                }
            }
        }
        Profiler.measure(.attentionSoftmax) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let (b, h, tq, tk, block) = g.job(j)
                    for i in 0..<tq {
                        let p = probs + block + i * tk
                        SoftmaxKernels.maskedRowForward(p, keys: tk, keyPad: nil, visible: g.causal ? i + 1 : tk)
                        if dropout.isActive {
                            Elementwise.dropoutRun(probsDropped + block + i * tk, p, count: tk, maskStart: g.maskBase(b, h, i), dropout)
                        }
                    }
                }
            }
        }
        Profiler.measure(.attentionContext) { context(g, probsDropped: dropout.isActive ? probsDropped : probs, v: v, ctx: ctx) }
    }

    /// ctx = Pd·V for every head. The training passes call it again in backward rather than
    /// keep every layer's context (the same GEMMs on the same inputs: the same values).
    static func context(_ g: AttentionGeometry, probsDropped pd: UnsafePointer<Float>, v: HeadView, ctx: HeadView) {
        let dh = g.headDim, qo = g.queries.offsets, ko = g.keys.offsets
        Parallel.forEachChunk(g.queries.sentences * g.heads) { range in
            for j in range {
                let (b, h, tq, tk, block) = g.job(j)
                GEMM.multiply(m: tq, n: dh, k: tk, a: pd + block, lda: tk, b: v.at(row: ko[b], head: h, headDim: dh), ldb: v.rowStride,
                              beta: 0, c: ctx.at(row: qo[b], head: h, headDim: dh), ldc: ctx.rowStride)
            }
        }
    }

    /// Writes (overwrites) dq, dk, dv for every head from dctx. `dProbs` is scratch of
    /// `g.scoreCount` floats.
    static func backward(_ g: AttentionGeometry, dq: HeadView, dk: HeadView, dv: HeadView, dctx: HeadView,
                         q: HeadView, k: HeadView, v: HeadView,
                         probs: UnsafePointer<Float>, probsDropped: UnsafePointer<Float>, dProbs: UnsafeMutablePointer<Float>, dropout: DropoutMask) {
        let dh = g.headDim, jobs = g.queries.sentences * g.heads
        let qo = g.queries.offsets, ko = g.keys.offsets
        let pdAll = dropout.isActive ? probsDropped : probs
        Profiler.measure(.attentionContextBackward) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let (b, h, tq, tk, block) = g.job(j)
                    let dc = dctx.at(row: qo[b], head: h, headDim: dh)
                    // dPd = dctx·Vᵀ ; dV = Pdᵀ·dctx
                    GEMM.multiply(transB: true, m: tq, n: tk, k: dh, a: dc, lda: dctx.rowStride,
                                  b: v.at(row: ko[b], head: h, headDim: dh), ldb: v.rowStride, beta: 0, c: dProbs + block, ldc: tk)
                    GEMM.multiply(transA: true, m: tk, n: dh, k: tq, a: pdAll + block, lda: tk, b: dc, ldb: dctx.rowStride,
                                  beta: 0, c: dv.at(row: ko[b], head: h, headDim: dh), ldc: dv.rowStride)
                }
            }
        }
        Profiler.measure(.attentionSoftmaxBackward) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let (b, h, tq, tk, block) = g.job(j)
                    for i in 0..<tq {
                        let dp = dProbs + block + i * tk
                        if dropout.isActive { Elementwise.dropoutRun(dp, dp, count: tk, maskStart: g.maskBase(b, h, i), dropout) }
                        SoftmaxKernels.rowBackward(dp, probs + block + i * tk, keys: tk)
                    }
                }
            }
        }
        Profiler.measure(.attentionScoresBackward) {
            Parallel.forEachChunk(jobs) { range in
                for j in range {
                    let (b, h, tq, tk, block) = g.job(j)
                    let dp = dProbs + block
                    // dQ = scale·dS·K ; dK = scale·dSᵀ·Q
                    GEMM.multiply(m: tq, n: dh, k: tk, alpha: g.scale, a: dp, lda: tk, b: k.at(row: ko[b], head: h, headDim: dh), ldb: k.rowStride,
                                  beta: 0, c: dq.at(row: qo[b], head: h, headDim: dh), ldc: dq.rowStride)
                    GEMM.multiply(transA: true, m: tk, n: dh, k: tq, alpha: g.scale, a: dp, lda: tk, b: q.at(row: qo[b], head: h, headDim: dh), ldb: q.rowStride,
                                  beta: 0, c: dk.at(row: ko[b], head: h, headDim: dh), ldc: dk.rowStride)
                }
            }
        }
    }
}
