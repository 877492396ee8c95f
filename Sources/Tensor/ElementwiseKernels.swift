// Elementwise kernels: dropout, residual add, ReLU (each a forward/backward pair).
//
// Shapes: any flat [n]. `offset` is the global index of element 0 so a chunk of a larger
// tensor gets the same dropout mask as the whole (masks index the whole tensor).
public enum Elementwise {
    // MARK: dropout  out = x ⊙ mask / (1-p)

    /// out[i] = x[i]·factor(i); with an inactive mask a plain copy. `out` may equal `x`.
    public static func dropoutForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask) {
        Parallel.forEachChunk(n, minChunk: 1 << 14) { r in
            if mask.isActive {
                for i in r { out[i] = x[i] * mask.factor(i) }
            } else if UnsafePointer(out) != x {
                (out + r.lowerBound).update(from: x + r.lowerBound, count: r.count)
            }
        }
    }

    /// dx[i] (+)= dout[i]·factor(i).
    public static func dropoutBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask, accumulate: Bool = false) {
        Parallel.forEachChunk(n, minChunk: 1 << 14) { r in
            switch (mask.isActive, accumulate) {
            case (true, false): for i in r { dx[i] = dout[i] * mask.factor(i) }
            case (true, true): for i in r { dx[i] += dout[i] * mask.factor(i) }
            case (false, false): if UnsafePointer(dx) != dout { (dx + r.lowerBound).update(from: dout + r.lowerBound, count: r.count) }
            case (false, true): for i in r { dx[i] += dout[i] }
            }
        }
    }

    // MARK: residual  out = x + dropout(y)

    /// out[i] = x[i] + y[i]·factor(i). `out` may equal `x` or `y`.
    public static func residualDropoutForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask) {
        Parallel.forEachChunk(n, minChunk: 1 << 14) { r in
            if mask.isActive {
                for i in r { out[i] = x[i] + y[i] * mask.factor(i) }
            } else {
                for i in r { out[i] = x[i] + y[i] }
            }
        }
    }

    /// out[i] = a[i] + b[i].
    public static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, minChunk: 1 << 14) { r in
            for i in r { out[i] = a[i] + b[i] }
        }
    }

    public static func copy(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, minChunk: 1 << 16) { r in
            (out + r.lowerBound).update(from: x + r.lowerBound, count: r.count)
        }
    }

    public static func zero(_ out: UnsafeMutablePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, minChunk: 1 << 16) { r in
            (out + r.lowerBound).update(repeating: 0, count: r.count)
        }
    }

    // MARK: bias  out[r, :] = bias  (before a GEMM with beta = 1)

    /// Writes `bias` [columns] into every row of out [rows, columns].
    public static func broadcastRows(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, columns: Int) {
        Parallel.forEachChunk(rows, minChunk: max(1, 8192 / max(1, columns))) { r in
            for row in r { (out + row * columns).update(from: bias, count: columns) }
        }
    }

    // MARK: ReLU + dropout (fairseq's relu_dropout after fc1)

    /// h[i] = max(x[i], 0) in place, then hd[i] = h[i]·factor(i) (hd may equal h only if the
    /// mask is inactive).
    public static func reluDropoutForward(_ h: UnsafeMutablePointer<Float>, _ hd: UnsafeMutablePointer<Float>, _ n: Int, _ mask: DropoutMask) {
        Parallel.forEachChunk(n, minChunk: 1 << 14) { r in
            for i in r { h[i] = h[i] > 0 ? h[i] : 0 }
            if mask.isActive {
                for i in r { hd[i] = h[i] * mask.factor(i) }
            } else if hd != h {
                (hd + r.lowerBound).update(from: h + r.lowerBound, count: r.count)
            }
        }
    }

    /// dx[i] = dhd[i]·factor(i)·[h[i] > 0], in place allowed (dx == dhd).
    public static func reluDropoutBackward(_ dx: UnsafeMutablePointer<Float>, _ dhd: UnsafePointer<Float>, _ h: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask) {
        Parallel.forEachChunk(n, minChunk: 1 << 14) { r in
            if mask.isActive {
                for i in r { dx[i] = h[i] > 0 ? dhd[i] * mask.factor(i) : 0 }
            } else {
                for i in r { dx[i] = h[i] > 0 ? dhd[i] : 0 }
            }
        }
    }
}
