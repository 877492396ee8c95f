// Attention of one query per row over that row's key/value cache: the inner loop of
// incremental decoding (inference only, no backward).
//
// Shapes (R rows, H heads, dh head width, D = H·dh, T cached positions):
//   q, ctx: [R, D] with row strides qStride, ctxStride; head h at column h·dh
//   row r reads cache slot slots[r]: its key at position j is k + slots[r]·slotStride + j·kvStride
//   (D floats, head h at h·dh), its value v + (the same offset)
//   keyPad: optional, slot s's pad bytes at keyPad + s·padStride (non-zero = masked key)
// ctx_h = softmax(scale·q_h·K_hᵀ)·V_h for every head.
//
// Why not per-head sgemm: with one query a head is a 1×dh by dh×T product, and R·H tiny
// sgemm calls (each a few µs of call and packing overhead) cost more than the arithmetic.
// Here a row's H heads are computed together so every cached key and value row (D floats)
// is read once, contiguously (once per group of rows sharing a slot), and rows are split
// across workers. The dots and the weighted sums run in C (CAttention: one AVX2 or AVX-512
// register per 8 floats where the CPU has them, picked at run time, bit-identical to the
// baseline build); the softmax between them is SoftmaxKernels'. Slots let beams of one
// sentence share one cross-attention cache and let search drop or fork hypotheses without
// moving caches (see DecoderState).
import CAttention
import Tensor
import Parallelism

enum CachedAttention {
    struct Cache {
        var keys: UnsafePointer<Float>
        var values: UnsafePointer<Float>
        /// Floats between consecutive positions of one slot.
        var kvStride: Int
        /// Floats between slots.
        var slotStride: Int
        var slots: UnsafePointer<Int>
        var keyPad: UnsafePointer<UInt8>? = nil
        var padStride: Int = 0
    }

    /// Rows that read the same slot (the beams of one sentence in the cross cache) are taken
    /// in groups of up to this many, so each cached key and value row is loaded once per group.
    static let maxGroup = 8

    static func forward(rows: Int, heads: Int, headDim dh: Int, positions t: Int,
                        q: UnsafePointer<Float>, qStride: Int, cache c: Cache,
                        ctx: UnsafeMutablePointer<Float>, ctxStride: Int) {
        guard rows > 0 else { return }
        let scale = 1 / Float(dh).squareRoot(), width = heads * dh
        // A row costs ~4·T·D flops; ask for enough rows per worker to repay a Dispatch round trip.
        let minRows = max(1, 16_384 / max(1, t * width))
        // One fused pass (scores, softmax and context), timed under the scores phase.
        Profiler.measure(.attentionScores) {
            Parallel.forEachChunk(rows, minChunk: minRows) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: maxGroup * heads * t) { scratch in
                    let scores = scratch.baseAddress!   // [group row, head, position]
                    var first = range.lowerBound
                    while first < range.upperBound {
                        let slot = c.slots[first]
                        var end = first + 1
                        while end < range.upperBound && end - first < maxGroup && c.slots[end] == slot { end += 1 }
                        let group = end - first
                        let kb = c.keys + slot * c.slotStride, vb = c.values + slot * c.slotStride
                        nmt_attention_scores(scores, group, heads, dh, t, scale, q + first * qStride, qStride, kb, c.kvStride)
                        let pad = c.keyPad.map { $0 + slot * c.padStride }
                        for row in 0..<(group * heads) {
                            SoftmaxKernels.maskedRowForward(scores + row * t, keys: t, keyPad: pad, visible: t)
                        }
                        nmt_attention_context(ctx + first * ctxStride, ctxStride, group, heads, dh, t, scores, vb, c.kvStride)
                        first = end
                    }
                }
            }
        }
    }
}
