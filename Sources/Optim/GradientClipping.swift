import Parallelism

/// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_: the norm over all
/// gradients is summed in Float64 (so 10⁷ squares do not lose precision), and when it
/// exceeds `maxNorm` every gradient is scaled by maxNorm / (norm + 1e-6).
public enum GradientClipping {
    /// The L2 norm of the whole gradient buffer.
    public static func globalNorm(_ gradients: UnsafeBufferPointer<Float>) -> Double {
        let chunks = 16
        var partial = [Double](repeating: 0, count: chunks)
        let count = gradients.count
        let g = gradients.baseAddress
        partial.withUnsafeMutableBufferPointer { out in
            let o = out.baseAddress!
            // Sixteen partial sums whatever the thread count, so the norm is too.
            let sumChunk = { (c: Int) in
                var sum: Double = 0
                var sum32: Float = 0
                let range = (count * c / chunks)..<(count * (c + 1) / chunks)
                // Float partial sums over short blocks, promoted to Double: exact enough, vectorizes.
                var i = range.lowerBound
                while i < range.upperBound {
                    let end = min(i + 256, range.upperBound)
                    sum32 = 0
                    for j in i..<end { sum32 += g![j] * g![j] }
                    sum += Double(sum32)
                    i = end
                }
                o[c] = sum
            }
            if count > (1 << 16) { Parallel.forEachIteration(chunks, sumChunk) } else { for c in 0..<chunks { sumChunk(c) } }
        }
        return partial.reduce(0, +).squareRoot()
    }

    /// Clips in place and returns the norm before clipping (0 or negative maxNorm: no clipping).
    @discardableResult
    public static func clip(_ gradients: UnsafeMutableBufferPointer<Float>, maxNorm: Double) -> Double {
        let norm = globalNorm(UnsafeBufferPointer(gradients))
        guard maxNorm > 0, norm.isFinite else { return norm }
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            let c = Float(coefficient)
            let g = gradients.baseAddress!
            forEachChunk(count: gradients.count) { range in for i in range { g[i] *= c } }
        }
        return norm
    }
}

