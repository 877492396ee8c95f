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
// across workers. Slots let beams of one sentence share one cross-attention cache and let
// search drop or fork hypotheses without moving caches (see DecoderState).
import Tensor
import Parallelism

enum CachedAttention {
    typealias V8 = SIMD8<Float>

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
                        // Four positions at a time: four independent sums per query load.
                        var j = 0
                        while j + 4 <= t {
                            let k0 = kb + j * c.kvStride, ks = c.kvStride
                            for i in 0..<group {
                                let qr = q + (first + i) * qStride, sr = scores + i * heads * t + j
                                for h in 0..<heads {
                                    let o = h * dh
                                    let d4 = scale * dot4(qr + o, k0 + o, k0 + ks + o, k0 + 2 * ks + o, k0 + 3 * ks + o, dh)
                                    let sh = sr + h * t
                                    sh[0] = d4[0]; sh[1] = d4[1]; sh[2] = d4[2]; sh[3] = d4[3]
                                }
                            }
                            j += 4
                        }
                        while j < t {
                            let kj = kb + j * c.kvStride
                            for i in 0..<group {
                                let qr = q + (first + i) * qStride, sr = scores + i * heads * t + j
                                for h in 0..<heads { sr[h * t] = scale * VectorMath.dot(qr + h * dh, kj + h * dh, dh) }
                            }
                            j += 1
                        }
                        let pad = c.keyPad.map { $0 + slot * c.padStride }
                        for row in 0..<(group * heads) {
                            SoftmaxKernels.maskedRowForward(scores + row * t, keys: t, keyPad: pad, visible: t)
                        }
                        for i in 0..<group { (ctx + (first + i) * ctxStride).update(repeating: 0, count: width) }
                        for j in 0..<t {
                            let vj = vb + j * c.kvStride
                            for i in 0..<group {
                                let out = ctx + (first + i) * ctxStride, sr = scores + i * heads * t + j
                                for h in 0..<heads {
                                    let p = sr[h * t]
                                    if p != 0 { accumulate(out + h * dh, p, vj + h * dh, dh) }
                                }
                            }
                        }
                        first = end
                    }
                }
            }
        }
    }

    /// The dots of `a` with four vectors, each summed exactly as `VectorMath.dot` sums it.
    @inline(__always)
    static func dot4(_ a: UnsafePointer<Float>, _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>,
                     _ b2: UnsafePointer<Float>, _ b3: UnsafePointer<Float>, _ n: Int) -> SIMD4<Float> {
        var s0 = V8(repeating: 0), s1 = V8(repeating: 0), s2 = V8(repeating: 0), s3 = V8(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let x = UnsafeRawPointer(a + i).loadUnaligned(as: V8.self)
            s0 += x * UnsafeRawPointer(b0 + i).loadUnaligned(as: V8.self)
            s1 += x * UnsafeRawPointer(b1 + i).loadUnaligned(as: V8.self)
            s2 += x * UnsafeRawPointer(b2 + i).loadUnaligned(as: V8.self)
            s3 += x * UnsafeRawPointer(b3 + i).loadUnaligned(as: V8.self)
            i += 8
        }
        var r = SIMD4<Float>(s0.sum(), s1.sum(), s2.sum(), s3.sum())
        while i < n {
            r[0] += a[i] * b0[i]; r[1] += a[i] * b1[i]; r[2] += a[i] * b2[i]; r[3] += a[i] * b3[i]
            i += 1
        }
        return r
    }

    /// y[i] += p·x[i] over n floats.
    @inline(__always)
    static func accumulate(_ y: UnsafeMutablePointer<Float>, _ p: Float, _ x: UnsafePointer<Float>, _ n: Int) {
        let p8 = V8(repeating: p)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeRawPointer(y + i).loadUnaligned(as: V8.self) + p8 * UnsafeRawPointer(x + i).loadUnaligned(as: V8.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: v, as: V8.self)
            i += 8
        }
        while i < n { y[i] += p * x[i]; i += 1 }
    }
}
