#if canImport(Glibc)
import Glibc
#endif

/// The one log-softmax of the project: the training loss (CrossEntropyKernels), the beam
/// search's log-probabilities (Decoding) and forced scoring all normalise a row of logits
/// through `logSumExp`, so the loss a model is trained on, the scores it is searched with
/// and the log-probabilities `nmt score` reports are computed the same way.
public enum LogSoftmax {
    /// Σₖ exp(xₖ − shift) and its logarithm for a row of `n` logits, `shift` being the row's
    /// maximum; the exponentials exp(xₖ − shift) are left in `exponentials` (which may be `x`
    /// itself: the loss's backward pass turns them into probabilities). The exponentials are
    /// vectorised (VectorMath.exp) and summed in Float; the logarithm is taken in Double.
    @inlinable
    public static func sumExp(_ x: UnsafePointer<Float>, _ n: Int, shift: Float,
                              exponentials: UnsafeMutablePointer<Float>) -> (sum: Float, log: Double) {
        let sum = VectorMath.expShifted(x, exponentials, n, shift: shift)
        return (sum, Glibc.log(Double(sum)))
    }

    /// log Σₖ exp(xₖ − shift) (see `sumExp`).
    @inlinable
    public static func logSumExp(_ x: UnsafePointer<Float>, _ n: Int, shift: Float, exponentials: UnsafeMutablePointer<Float>) -> Double {
        sumExp(x, n, shift: shift, exponentials: exponentials).log
    }

    /// Replaces a row of logits by its log-probabilities; `scratch` holds `n` floats.
    @inlinable
    public static func normalizeInPlace(_ row: UnsafeMutablePointer<Float>, _ n: Int, scratch: UnsafeMutablePointer<Float>) {
        let shift = VectorMath.maximum(row, n)
        let logZ = shift + Float(logSumExp(row, n, shift: shift, exponentials: scratch))
        for i in 0..<n { row[i] -= logZ }
    }

    /// log p(target) of one row of logits; `scratch` holds `n` floats.
    @inlinable
    public static func logProbability(of target: Int, _ row: UnsafePointer<Float>, _ n: Int, scratch: UnsafeMutablePointer<Float>) -> Double {
        let shift = VectorMath.maximum(row, n)
        return Double(row[target] - shift) - logSumExp(row, n, shift: shift, exponentials: scratch)
    }
}
