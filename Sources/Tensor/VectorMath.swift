// Vectorized exp for SIMD8<Float> (Swift's exp never vectorizes: TOOLCHAIN.md).
//
// Cephes-style: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-5 polynomial, 2^n built in
// the exponent bits. n is found with the 1.5·2^23 rounding trick (no per-lane libm call).
// Inputs are clamped to [-87, 88] with mask-based `replacing` (not `.clamped`, which is
// per-lane on the baseline target). Relative error < 2e-7 over the clamped range.
import Glibc

public enum VectorMath {
    public typealias V8 = SIMD8<Float>

    @inlinable @inline(__always)
    public static func exp(_ x0: V8) -> V8 {
        var x = x0
        x.replace(with: V8(repeating: 88.0), where: x .> 88.0)
        x.replace(with: V8(repeating: -87.0), where: x .< -87.0)
        let magic = V8(repeating: 12582912.0)  // 1.5 · 2^23
        let t = x * V8(repeating: 1.44269504088896341) + magic
        let n = t - magic
        let nBits = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        var r = x - n * V8(repeating: 0.693359375)
        r = r - n * V8(repeating: -2.12194440e-4)
        var p = V8(repeating: 1.9875691500e-4)
        p = p * r + V8(repeating: 1.3981999507e-3)
        p = p * r + V8(repeating: 8.3334519073e-3)
        p = p * r + V8(repeating: 4.1665795894e-2)
        p = p * r + V8(repeating: 1.6666665459e-1)
        p = p * r + V8(repeating: 5.0000001201e-1)
        let r2 = r * r
        let y = p * r2 + r + V8(repeating: 1)
        let scale = unsafeBitCast((nBits &+ SIMD8<Int32>(repeating: 127)) &<< SIMD8<Int32>(repeating: 23), to: V8.self)
        return y * scale
    }

    /// Scalar twin of `exp(_:)` (same clamping) for loop tails.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        Float(Glibc.exp(Double(min(max(x, -87), 88))))
    }

    /// max over n floats
    @inlinable
    public static func maximum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var m8 = V8(repeating: -Float.greatestFiniteMagnitude)
        while i + 8 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: V8.self)
            m8.replace(with: v, where: v .> m8)
            i += 8
        }
        var m = m8.max()
        while i < n { m = max(m, p[i]); i += 1 }
        return m
    }

    @inlinable
    public static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var s8 = V8(repeating: 0)
        while i + 8 <= n {
            s8 += UnsafeRawPointer(p + i).loadUnaligned(as: V8.self)
            i += 8
        }
        var s = s8.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Σ a[i]·b[i] over n floats: 8 lanes, their sum, then the tail in order.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = V8(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(a + i).loadUnaligned(as: V8.self) * UnsafeRawPointer(b + i).loadUnaligned(as: V8.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// (max, sum) over n floats in one pass.
    @inlinable
    public static func maximumAndSum(_ p: UnsafePointer<Float>, _ n: Int) -> (Float, Float) {
        var i = 0
        var m8 = V8(repeating: -Float.greatestFiniteMagnitude), s8 = V8(repeating: 0)
        while i + 8 <= n {
            let v = UnsafeRawPointer(p + i).loadUnaligned(as: V8.self)
            m8.replace(with: v, where: v .> m8)
            s8 += v
            i += 8
        }
        var m = m8.max(), s = s8.sum()
        while i < n { m = max(m, p[i]); s += p[i]; i += 1 }
        return (m, s)
    }

    /// out[i] = exp(x[i] - shift); returns the sum of out.
    @inlinable
    public static func expShifted(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        var i = 0
        let s = V8(repeating: shift)
        var acc = V8(repeating: 0)
        while i + 8 <= n {
            let e = exp(UnsafeRawPointer(x + i).loadUnaligned(as: V8.self) - s)
            UnsafeMutableRawPointer(out + i).storeBytes(of: e, as: V8.self)
            acc += e
            i += 8
        }
        var total = acc.sum()
        while i < n {
            let e = exp(x[i] - shift)
            out[i] = e
            total += e
            i += 1
        }
        return total
    }
}

