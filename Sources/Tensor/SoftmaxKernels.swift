// Row softmax with padding and causal masks (attention weights), forward/backward pair.
//
// Shapes: scores/probs [R, K] with row stride `ld`; row r is query `r % queries` of its
// (batch, head) block. Key j of a row is masked when keyPad[j] != 0 or, for causal rows,
// when j > query + (K - queries) (the diagonal is aligned to the last key, so one query
// over a cache of K keys sees them all). Masked entries get probability exactly 0; a row
// with every key masked gets all zeros (not NaN).
public enum SoftmaxKernels {
    /// In place: p[j] = exp(p[j] - max) / Σ over the unmasked keys of one row.
    @inlinable
    public static func maskedRowForward(_ p: UnsafeMutablePointer<Float>, keys k: Int, keyPad: UnsafePointer<UInt8>?, visible: Int) {
        // `visible` = number of leading keys allowed by the causal mask (k when not causal).
        let n = min(visible, k)
        if let keyPad {
            var m = -Float.greatestFiniteMagnitude
            var any = false
            for j in 0..<n where keyPad[j] == 0 { m = max(m, p[j]); any = true }
            if !any { p.update(repeating: 0, count: k); return }
            var total: Float = 0
            for j in 0..<n {
                if keyPad[j] == 0 {
                    let e = VectorMath.exp(p[j] - m)
                    p[j] = e
                    total += e
                } else {
                    p[j] = 0
                }
            }
            let inv = 1 / total
            for j in 0..<n { p[j] *= inv }
        } else {
            if n == 0 { p.update(repeating: 0, count: k); return }
            let m = VectorMath.maximum(p, n)
            let total = VectorMath.expShifted(p, p, n, shift: m)
            let inv = 1 / total
            for j in 0..<n { p[j] *= inv }
        }
        if n < k { (p + n).update(repeating: 0, count: k - n) }
    }

    /// In place: dp[j] ← p[j]·(dp[j] - Σ_i dp[i]·p[i]). Masked entries (p = 0) become 0.
    @inlinable
    public static func rowBackward(_ dp: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, keys k: Int) {
        var dot: Float = 0
        for j in 0..<k { dot += dp[j] * p[j] }
        for j in 0..<k { dp[j] = p[j] * (dp[j] - dot) }
    }
}
