// Row softmax with padding and causal masks (attention weights), forward/backward pair.
//
// Shapes: scores/probs [R, K] with row stride `ld`; row r is query `r % queries` of its
// (batch, head) block. Key j of a row is masked when keyPad[j] != 0 or, for causal rows,
// when j > query + (K - queries) (the diagonal is aligned to the last key, so one query
// over a cache of K keys sees them all). Masked entries get probability exactly 0; a row
// with every key masked gets all zeros (not NaN).
public enum SoftmaxKernels {
    public typealias V8 = SIMD8<Float>

    /// Keep-mask of keys j ..< j+8: lanes whose pad byte is 0.
    @inlinable @inline(__always)
    static func keeps8(_ keyPad: UnsafePointer<UInt8>, _ j: Int) -> SIMDMask<SIMD8<Int32>> {
        let bytes = UnsafeRawPointer(keyPad + j).loadUnaligned(as: SIMD8<UInt8>.self)
        return SIMD8<Int32>(truncatingIfNeeded: bytes) .== SIMD8<Int32>(repeating: 0)
    }

    /// In place: p[j] = exp(p[j] - max) / Σ over the unmasked keys of one row.
    @inlinable
    public static func maskedRowForward(_ p: UnsafeMutablePointer<Float>, keys k: Int, keyPad: UnsafePointer<UInt8>?, visible: Int) {
        // `visible` = number of leading keys allowed by the causal mask (k when not causal).
        let n = min(visible, k)
        if let keyPad {
            var any = false
            for j in 0..<n where keyPad[j] == 0 { any = true; break }
            if !any { p.update(repeating: 0, count: k); return }
            var m8 = V8(repeating: -Float.greatestFiniteMagnitude)
            var j = 0
            while j + 8 <= n {
                let v = UnsafeRawPointer(p + j).loadUnaligned(as: V8.self)
                m8.replace(with: v, where: keeps8(keyPad, j) .& (v .> m8))
                j += 8
            }
            var m = m8.max()
            while j < n { if keyPad[j] == 0 { m = max(m, p[j]) }; j += 1 }
            let total = VectorMath.expShifted(p, p, n, shift: m, keyPad: keyPad)
            scale(p, n, by: 1 / total)
        } else {
            if n == 0 { p.update(repeating: 0, count: k); return }
            let m = VectorMath.maximum(p, n)
            let total = VectorMath.expShifted(p, p, n, shift: m)
            scale(p, n, by: 1 / total)
        }
        if n < k { (p + n).update(repeating: 0, count: k - n) }
    }

    @inlinable @inline(__always)
    static func scale(_ p: UnsafeMutablePointer<Float>, _ n: Int, by inv: Float) {
        let inv8 = V8(repeating: inv)
        var j = 0
        while j + 8 <= n {
            let v = UnsafeRawPointer(p + j).loadUnaligned(as: V8.self) * inv8
            UnsafeMutableRawPointer(p + j).storeBytes(of: v, as: V8.self)
            j += 8
        }
        while j < n { p[j] *= inv; j += 1 }
    }

    /// In place: dp[j] ← p[j]·(dp[j] - Σ_i dp[i]·p[i]). Masked entries (p = 0) become 0.
    @inlinable
    public static func rowBackward(_ dp: UnsafeMutablePointer<Float>, _ p: UnsafePointer<Float>, keys k: Int) {
        let dot = VectorMath.dot(dp, p, k)
        let dot8s = V8(repeating: dot)
        var j = 0
        while j + 8 <= k {
            let pv = UnsafeRawPointer(p + j).loadUnaligned(as: V8.self)
            let v = pv * (UnsafeRawPointer(dp + j).loadUnaligned(as: V8.self) - dot8s)
            UnsafeMutableRawPointer(dp + j).storeBytes(of: v, as: V8.self)
            j += 8
        }
        while j < k { dp[j] = p[j] * (dp[j] - dot); j += 1 }
    }
}
