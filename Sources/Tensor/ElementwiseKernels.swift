// Elementwise kernels: dropout, residual add, ReLU (each a forward/backward pair).
//
// Shapes: any flat [n]. A mask hashes each element's index in the whole tensor, or, for a
// packed tensor (`rows: PaddedRows`), its index in the padded layout it was packed from.
// The dropout hash stays scalar: SIMD8<UInt32> multiplies on the baseline x86-64 target
// (no SSE4.1 pmulld) measured 5× slower than the scalar loop (10 vs 1.9 ns/element).
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

    /// Runs `body(i, maskIndex)` for every i in 0..<n, split across workers; maskIndex is the
    /// index the dropout mask hashes: i itself, or with `rows` (a packed tensor) the element's
    /// index in the padded layout.
    @inlinable @inline(__always)
    static func forEachMasked(_ n: Int, _ rows: PaddedRows?, _ body: (Int, Int) -> Void) {
        if let rows {
            let c = rows.columns
            Parallel.forEachChunk(n / c, minChunk: max(1, (1 << 14) / c)) { r in
                for row in r {
                    let base = row * c, padded = Int(rows.index[row]) * c
                    for j in 0..<c { body(base + j, padded + j) }
                }
            }
        } else {
            Parallel.forEachChunk(n, minChunk: 1 << 14) { r in for i in r { body(i, i) } }
        }
    }

    // MARK: dropout  out = x ⊙ mask / (1-p)

    /// out[i] = x[i]·factor(i); with an inactive mask a plain copy. `out` may equal `x`.
    public static func dropoutForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask,
                                      rows: PaddedRows? = nil) {
        if mask.isActive {
            forEachMasked(n, rows) { i, m in out[i] = x[i] * mask.factor(m) }
        } else if UnsafePointer(out) != x {
            copy(out, x, n)
        }
    }

    /// dx[i] (+)= dout[i]·factor(i).
    public static func dropoutBackward(_ dx: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ n: Int, _ mask: DropoutMask,
                                       accumulate: Bool = false, rows: PaddedRows? = nil) {
        switch (mask.isActive, accumulate) {
        case (true, false):
            forEachMasked(n, rows) { i, m in dx[i] = dout[i] * mask.factor(m) }
        case (true, true):
            forEachMasked(n, rows) { i, m in dx[i] += dout[i] * mask.factor(m) }
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
            forEachMasked(n, rows) { i, m in out[i] = x[i] + y[i] * mask.factor(m) }
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
            forEachMasked(n, rows) { i, m in
                h[i] = h[i] > 0 ? h[i] : 0
                hd[i] = h[i] * mask.factor(m)
            }
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
            forEachMasked(n, rows) { i, m in dx[i] = h[i] > 0 ? dhd[i] * mask.factor(m) : 0 }
        } else {
            forEach8(n, vector: { i in
                store(load(dhd, i).replacing(with: zero, where: .!(load(h, i) .> zero)), dx, i)
            }, scalar: { i in dx[i] = h[i] > 0 ? dhd[i] : 0 })
        }
    }
}
