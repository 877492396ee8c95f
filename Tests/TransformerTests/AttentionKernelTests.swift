import CAttention
import Testing
import Tensor

/// CAttention's kernels, every variant this CPU runs, against the Swift loops they replaced
/// (kept below as the reference): the scores and contexts must be bit-identical, so decoding
/// gives the same outputs on every CPU and as before the kernels moved to C.
@Suite struct AttentionKernelTests {
    static let variants = ["baseline", "avx2", "avx512"]

    /// Shapes: head widths with and without a tail of the 8-lane body (12 = 8 + 4, 64, 72 = 64 + 8,
    /// 5 < 8), position counts below, at and past a block of eight with a tail, groups of 1 and 5
    /// rows (beams sharing a cross cache), and key rows interleaved with values as in the cross cache.
    @Test(arguments: [(1, 4, 64, 1), (1, 4, 64, 30), (5, 3, 12, 19), (5, 2, 72, 8), (3, 2, 5, 13), (2, 1, 8, 7)])
    func everyVariantEqualsTheSwiftLoops(group: Int, heads: Int, dh: Int, t: Int) throws {
        let width = heads * dh, kvStride = 2 * width + 3
        var rng = SplitMix64(seed: UInt64(group * 1000 + dh * 10 + t))
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.uniform() * 2 - 1) } }
        let qStride = width + 5, ctxStride = width + 2
        let q = random(group * qStride), kv = random(t * kvStride)
        let scale = 1 / Float(dh).squareRoot()
        var expectedScores = [Float](repeating: 0, count: group * heads * t)
        Reference.scores(&expectedScores, group: group, heads: heads, dh: dh, t: t, scale: scale, q: q, qStride: qStride,
                         keys: kv, kvStride: kvStride)
        // Probabilities with exact zeros (masked keys are skipped) and a NaN-free softmax-like spread.
        var probabilities = expectedScores.map { abs($0) }
        for k in stride(from: 0, to: probabilities.count, by: 3) { probabilities[k] = 0 }
        var expectedContext = [Float](repeating: .nan, count: group * ctxStride)
        Reference.context(&expectedContext, ctxStride: ctxStride, group: group, heads: heads, dh: dh, t: t,
                          scores: probabilities, values: Array(kv[width...]), kvStride: kvStride)
        var ran = 0
        for name in Self.variants {
            guard let kernels = nmt_attention_variant(name)?.pointee else { continue }
            ran += 1
            var scores = [Float](repeating: .nan, count: group * heads * t)
            kernels.scores(&scores, group, heads, dh, t, scale, q, qStride, kv, kvStride)
            #expect(scores.map(\.bitPattern) == expectedScores.map(\.bitPattern), "\(name) scores")
            var context = [Float](repeating: .nan, count: group * ctxStride)
            kv.withUnsafeBufferPointer { kvp in
                kernels.context(&context, ctxStride, group, heads, dh, t, probabilities, kvp.baseAddress! + width, kvStride)
            }
            for i in 0..<group {
                let got = context[i * ctxStride..<(i * ctxStride + width)].map(\.bitPattern)
                let want = expectedContext[i * ctxStride..<(i * ctxStride + width)].map(\.bitPattern)
                #expect(got == want, "\(name) context row \(i)")
            }
            // Floats between context rows are left alone.
            let between = context[width..<ctxStride].allSatisfy { $0.isNaN }
            #expect(between, "\(name) wrote past a context row")
        }
        #expect(ran >= 1)
        #expect(nmt_attention_variant("baseline") != nil)
        #expect(nmt_attention_variant("no-such-isa") == nil)
    }

    @Test func theChosenVariantIsTheBestThisCPURuns() {
        let isa = String(cString: nmt_attention_isa())
        let best = Self.variants.last { nmt_attention_variant($0) != nil }
        #expect(isa == best)
    }

    /// The Swift loops CachedAttention ran before CAttention (SIMD8 lanes, summed in lane order;
    /// its dots were VectorMath.dot's).
    enum Reference {
        typealias V8 = SIMD8<Float>

        static func scores(_ out: inout [Float], group: Int, heads: Int, dh: Int, t: Int, scale: Float,
                           q: [Float], qStride: Int, keys: [Float], kvStride: Int) {
            q.withUnsafeBufferPointer { qp in keys.withUnsafeBufferPointer { kp in
                for i in 0..<group { for h in 0..<heads { for j in 0..<t {
                    out[i * heads * t + h * t + j] = scale * VectorMath.dot(qp.baseAddress! + i * qStride + h * dh,
                                                                 kp.baseAddress! + j * kvStride + h * dh, dh)
                } } }
            } }
        }

        static func context(_ ctx: inout [Float], ctxStride: Int, group: Int, heads: Int, dh: Int, t: Int,
                            scores: [Float], values: [Float], kvStride: Int) {
            for i in 0..<group { for x in 0..<(heads * dh) { ctx[i * ctxStride + x] = 0 } }
            ctx.withUnsafeMutableBufferPointer { cp in values.withUnsafeBufferPointer { vp in
                for j in 0..<t {
                    for i in 0..<group {
                        for h in 0..<heads {
                            let p = scores[i * heads * t + h * t + j]
                            guard p != 0 else { continue }
                            let y = cp.baseAddress! + i * ctxStride + h * dh, x = vp.baseAddress! + j * kvStride + h * dh
                            let p8 = V8(repeating: p)
                            var k = 0
                            while k + 8 <= dh {
                                let v = UnsafeRawPointer(y + k).loadUnaligned(as: V8.self) + p8 * UnsafeRawPointer(x + k).loadUnaligned(as: V8.self)
                                UnsafeMutableRawPointer(y + k).storeBytes(of: v, as: V8.self)
                                k += 8
                            }
                            while k < dh { y[k] += p * x[k]; k += 1 }
                        }
                    }
                }
            } }
        }
    }
}
