// Elementwise kernels: dropout, residual add, ReLU (each a forward/backward pair).
//
// Shapes: any flat [n]. A mask hashes each element's index in the whole tensor, or, for a
// packed tensor (`rows: PaddedRows`), its index in the padded layout it was packed from.
// With an active mask the element loops are CDropout's: the hash needs 32-bit lane
// multiplies, which the baseline x86-64 target Swift builds for lacks (SIMD8<UInt32> measured
// 5× slower than a scalar loop), so they are C compiled for AVX2 and AVX-512 as well and
// picked at run time.
import CDropout
import Parallelism
public enum Elementwise {
    public typealias V8 = SIMD8<Float>

    @inlinable @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V8 { UnsafeRawPointer(p + i).loadUnaligned(as: V8.self) }

    @inlinable @inline(__always)
    static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V8.self) }

    /// Runs `vector(i)` for i = lo, lo+8, … while 8 elements remain, then `scalar(i)` on the
    /// tail, over chunks of `0..<n` split across workers.
    @inlinable @inline(__always)
    static func forEach8(_ n: Int, minChunk: Int = 1 << 14, vector: (Int) -> Void, scalar: (Int) -> Void) {
        Parallel.forEachChunk(n, minChunk: minChunk) { r in
            var i = r.lowerBound
            while i + 8 <= r.upperBound { vector(i); i += 8 }
            while i < r.upperBound { scalar(i); i += 1 }
        }
    }

    /// Splits 0..<n into runs of elements with consecutive mask indices, across workers:
    /// `body(start, count, maskStart)`. The mask index is the element's own, or with `rows`
    /// (a packed tensor, one run per row) its index in the padded layout.
    static func forEachMaskedRun(_ n: Int, _ rows: PaddedRows?, _ body: (Int, Int, Int) -> Void) {
        if let rows {
            let c = rows.columns
            Parallel.forEachChunk(n / c, minChunk: max(1, (1 << 14) / c)) { r in
                for row in r { body(row * c, c, Int(rows.index[row]) * c) }
            }
        } else {
            Parallel.forEachChunk(n, minChunk: 1 << 14) { r in body(r.lowerBound, r.count, r.lowerBound) }
        }
    }

    /// out[j] = x[j]·factor(maskStart + j) for j in 0..<count, on the calling thread (for
    /// callers that split the work themselves, like attention's score rows). out may equal x.
    public static func dropoutRun(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, maskStart: Int, _ mask: DropoutMask) {
        nmt_dropout_scale(out, x, count, maskStart, mask.kernelMask)
    }

    // MARK: dropout  out = x ⊙ mask / (1-p)

    /// out[i] = x[i]·factor(i); with an inactive mask a plain copy. `out` may equal `x`.
    public static func dropoutForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask,
                                      rows: PaddedRows? = nil) {
        if mask.isActive {
            forEachMaskedRun(n, rows) { i, k, m in nmt_dropout_scale(out + i, x + i, k, m, mask.kernelMask) }
        } else if UnsafePointer(out) != x {
            copy(out, x, n)
        }
    }

    /// dx[i] (+)= dout[i]·factor(i).
    public static func dropoutBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask,
                                       accumulate: Bool = false, rows: PaddedRows? = nil) {
        switch (mask.isActive, accumulate) {
        case (true, false):
            forEachMaskedRun(n, rows) { i, k, m in nmt_dropout_scale(dx + i, dout + i, k, m, mask.kernelMask) }
        case (true, true):
            forEachMaskedRun(n, rows) { i, k, m in nmt_dropout_add(dx + i, dx + i, dout + i, k, m, mask.kernelMask) }
        case (false, false):
            if UnsafePointer(dx) != dout { copy(dx, dout, n) }
        case (false, true):
            forEach8(n, vector: { i in store(load(dx, i) + load(dout, i), dx, i) }, scalar: { i in dx[i] += dout[i] })
        }
    }

    // MARK: residual  out = x + dropout(y)

    /// out[i] = x[i] + y[i]·factor(i). `out` may equal `x` or `y`.
    public static func residualDropoutForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int,
                                              _ mask: DropoutMask, rows: PaddedRows? = nil) {
        if mask.isActive {
            forEachMaskedRun(n, rows) { i, k, m in nmt_dropout_add(out + i, x + i, y + i, k, m, mask.kernelMask) }
        } else {
            add(out, x, y, n)
        }
    }

    /// out[i] = a[i] + b[i].
    public static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        forEach8(n, vector: { i in store(load(a, i) + load(b, i), out, i) }, scalar: { i in out[i] = a[i] + b[i] })
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
    public static func reluDropoutForward(_ h: UnsafeMutablePointer<Float>, _ hd: UnsafeMutablePointer<Float>, _ n: Int, _ mask: DropoutMask,
                                          rows: PaddedRows? = nil) {
        let zero = V8(repeating: 0)
        if mask.isActive {
            forEachMaskedRun(n, rows) { i, k, m in nmt_relu_dropout(h + i, hd + i, k, m, mask.kernelMask) }
        } else {
            forEach8(n, vector: { i in
                let v = load(h, i)
                let r = v.replacing(with: zero, where: .!(v .> zero))
                store(r, h, i)
                if hd != h { store(r, hd, i) }
            }, scalar: { i in
                h[i] = h[i] > 0 ? h[i] : 0
                if hd != h { hd[i] = h[i] }
            })
        }
    }

    /// dx[i] = dhd[i]·factor(i)·[h[i] > 0], in place allowed (dx == dhd).
    public static func reluDropoutBackward(_ dx: UnsafeMutablePointer<Float>, _ dhd: UnsafePointer<Float>, _ h: UnsafePointer<Float>, _ n: Int,
                                           _ mask: DropoutMask, rows: PaddedRows? = nil) {
        let zero = V8(repeating: 0)
        if mask.isActive {
            forEachMaskedRun(n, rows) { i, k, m in nmt_relu_dropout_backward(dx + i, dhd + i, h + i, k, m, mask.kernelMask) }
        } else {
            forEach8(n, vector: { i in
                store(load(dhd, i).replacing(with: zero, where: .!(load(h, i) .> zero)), dx, i)
            }, scalar: { i in dx[i] = h[i] > 0 ? dhd[i] : 0 })
        }
    }
}
