import Testing
@testable import Transformer
import Tensor

@Suite struct CachedAttentionTests {
    /// Against a plain Float64 reference: shared slots (beams of one sentence: adjacent runs,
    /// a run longer than a group and one crossing the boundary of the two workers' chunks at
    /// 64 rows, slots that reappear later), padded keys, a fully padded slot (zeros), and a
    /// head width with a SIMD tail (12 = 8 + 4).
    @Test(arguments: [(14, 1), (14, 5), (14, 19), (64, 40)])
    func matchesFloat64Reference(rows: Int, positions t: Int) {
        let heads = 3, dh = 12, width = heads * dh, slotsCount = 4
        var rng = SplitMix64(seed: UInt64(t))
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float(rng.uniform() * 2 - 1) } }
        let q = random(rows * width)
        // Keys/values interleaved as in the cross cache: position stride 2·width, values at +width.
        let kv = random(slotsCount * t * 2 * width)
        let start = [2, 0, 0, 3, 1, 2, 3]
        let slots = (0..<rows).map { r in r < start.count ? start[r] : (r >= 8 && r < 14) || (r >= 28 && r < 37) || r % 5 == 0 ? 1 : r % 4 }
        var pad = [UInt8](repeating: 0, count: slotsCount * t)
        for j in 0..<t where j % 3 == 1 { pad[0 * t + j] = 1 }          // slot 0: some keys padded
        for j in 0..<t { pad[3 * t + j] = 1 }                           // slot 3: every key padded
        if t > 1 { pad[1 * t + t - 1] = 1 }                             // slot 1: last key padded
        var ctx = [Float](repeating: .nan, count: rows * width)
        q.withUnsafeBufferPointer { qp in kv.withUnsafeBufferPointer { kvp in
            slots.withUnsafeBufferPointer { sp in pad.withUnsafeBufferPointer { pp in
                ctx.withUnsafeMutableBufferPointer { cp in
                    let cache = CachedAttention.Cache(keys: kvp.baseAddress!, values: kvp.baseAddress! + width, kvStride: 2 * width,
                                                      slotStride: t * 2 * width, slots: sp.baseAddress!,
                                                      keyPad: pp.baseAddress!, padStride: t)
                    CachedAttention.forward(rows: rows, heads: heads, headDim: dh, positions: t, q: qp.baseAddress!, qStride: width,
                                            cache: cache, ctx: cp.baseAddress!, ctxStride: width)
                }
            } }
        } }
        var worst = 0.0
        for r in 0..<rows {
            let s = slots[r]
            for h in 0..<heads {
                let visible = (0..<t).filter { pad[s * t + $0] == 0 }
                var scores = visible.map { j -> Double in
                    var acc = 0.0
                    for i in 0..<dh { acc += Double(q[r * width + h * dh + i]) * Double(kv[(s * t + j) * 2 * width + h * dh + i]) }
                    return acc / Double(dh).squareRoot()
                }
                let m = scores.max() ?? 0
                scores = scores.map { Foundation.exp($0 - m) }
                let z = scores.reduce(0, +)
                for i in 0..<dh {
                    var expected = 0.0
                    for (n, j) in visible.enumerated() { expected += scores[n] / z * Double(kv[(s * t + j) * 2 * width + width + h * dh + i]) }
                    worst = max(worst, abs(Double(ctx[r * width + h * dh + i]) - expected))
                }
            }
        }
        print("cached attention, \(rows) rows, \(t) positions: max abs error \(worst)")
        #expect(worst < 1e-5)
        // The fully padded slot gives exactly zero context.
        #expect(ctx[3 * width..<4 * width].allSatisfy { $0 == 0 })
    }
}

import Foundation
