// Row reductions and the row exp, vectorised. The exp (Cephes-style: x = n·ln2 + r with
// |r| ≤ ln2/2, e^r by a degree-5 polynomial, 2^n built in the exponent bits, inputs clamped to
// [-87, 88]; relative error < 2e-7) runs in C (CVectorMath), one AVX register per 8 floats where
// the CPU has AVX2, picked at run time: Swift's exp never vectorises (TOOLCHAIN.md) and this
// build targets baseline x86-64, where SIMD8<Float> is two SSE halves.
import CVectorMath

public enum VectorMath {
    public typealias V8 = SIMD8<Float>

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

    /// out[i] = exp(x[i] − shift) (out may be x); returns the sum of out: 8 lanes, the lanes in
    /// order, then the tail in order.
    public static func expShifted(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        nmt_exp_shifted(x, out, n, shift)
    }

    /// The same with out[i] = 0 where keyPad[i] != 0 (masked entries are left out of the sum).
    public static func expShifted(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int, shift: Float,
                                  keyPad: UnsafePointer<UInt8>) -> Float {
        nmt_exp_shifted_masked(x, out, n, shift, keyPad)
    }

    /// The first i < n with x[i] > threshold (a NaN never is), or n.
    public static func firstAbove(_ x: UnsafePointer<Float>, _ n: Int, threshold: Float) -> Int {
        nmt_first_above(x, n, threshold)
    }

    /// The build of the C vector kernels (CVectorMath, CAttention) this CPU runs: "avx512", "avx2" or "baseline".
    public static var kernelName: String { String(cString: nmt_vector_math_isa()) }
}
