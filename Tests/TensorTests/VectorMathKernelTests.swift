import CVectorMath
import Testing
import Tensor

/// CVectorMath's row exp, every variant this CPU runs, against the Swift SIMD8 code it replaced
/// (kept below as the reference): outputs and sums must be bit-identical, so losses, softmaxes
/// and search scores do not change with the CPU or with the move to C.
@Suite struct VectorMathKernelTests {
    static let variants = ["baseline", "avx2", "avx512"]

    @Test(arguments: [0, 1, 7, 8, 13, 64, 8000, 8003])
    func everyVariantEqualsTheSwiftCode(n: Int) {
        var rng = SplitMix64(seed: UInt64(n + 1))
        // Logits over a wide range, with values past both clamps, exact zeros and a NaN.
        var x = (0..<n).map { _ in Float(rng.uniform() * 60 - 30) }
        for k in stride(from: 0, to: n, by: 11) { x[k] = [Float(-1000), 95, 0, -86.9, 88.5][k / 11 % 5] }
        if n > 20 { x[20] = .nan }
        let pad = (0..<n).map { UInt8($0 % 3 == 1 ? 1 : 0) }
        let shift: Float = n > 0 ? 4.25 : 0
        var plain = [Float](repeating: 0, count: n), masked = plain
        let plainTotal = Reference.expShifted(x, &plain, n, shift: shift, keyPad: nil)
        let maskedTotal = Reference.expShifted(x, &masked, n, shift: shift, keyPad: pad)
        var ran = 0
        for name in Self.variants {
            guard let kernels = nmt_vector_math_variant(name)?.pointee else { continue }
            ran += 1
            var out = [Float](repeating: .nan, count: n)
            let total = kernels.exp_shifted(x, &out, n, shift)
            #expect(out.map(\.bitPattern) == plain.map(\.bitPattern), "\(name), n = \(n)")
            #expect(total.bitPattern == plainTotal.bitPattern || (total.isNaN && plainTotal.isNaN), "\(name) sum, n = \(n)")
            var outMasked = [Float](repeating: .nan, count: n)
            let totalMasked = kernels.exp_shifted_masked(x, &outMasked, n, shift, pad)
            #expect(outMasked.map(\.bitPattern) == masked.map(\.bitPattern), "\(name) masked, n = \(n)")
            #expect(totalMasked.bitPattern == maskedTotal.bitPattern || (totalMasked.isNaN && maskedTotal.isNaN), "\(name) masked sum, n = \(n)")
            // In place (out = x), as the softmaxes call it.
            var inPlace = x
            _ = inPlace.withUnsafeMutableBufferPointer { kernels.exp_shifted($0.baseAddress, $0.baseAddress, n, shift) }
            #expect(inPlace.map(\.bitPattern) == plain.map(\.bitPattern), "\(name) in place, n = \(n)")
        }
        #expect(ran >= 1)
        #expect(nmt_vector_math_variant("no-such-isa") == nil)
    }

    /// Rows with a few entries above the threshold at every offset of a 32-float block and in the
    /// tail, NaNs (never above), -inf rows, and a -inf threshold.
    @Test(arguments: [0, 5, 31, 32, 33, 100, 8000])
    func firstAboveFindsEveryEntryInOrder(n: Int) {
        var rng = SplitMix64(seed: UInt64(n + 7))
        var x = (0..<n).map { _ in Float(rng.uniform() * -20) }
        for k in stride(from: 3, to: n, by: 37) { x[k] = .nan }
        for k in stride(from: 1, to: n, by: 29) { x[k] = 0.5 + Float(k % 3) }
        let thresholds: [Float] = [0, 1.0, 2.25, -.infinity, 5]
        var ran = 0
        for name in Self.variants {
            guard let kernels = nmt_vector_math_variant(name)?.pointee else { continue }
            ran += 1
            for t in thresholds {
                // Walk the row as CandidateSelection does; the visited indices must be exactly
                // those a plain loop finds above t.
                var visited: [Int] = []
                var v = kernels.first_above(x, n, t)
                while v < n {
                    visited.append(v)
                    v += 1
                    v += x.withUnsafeBufferPointer { kernels.first_above($0.baseAddress! + v, n - v, t) }
                }
                #expect(visited == x.indices.filter { x[$0] > t }, "\(name), n = \(n), threshold \(t)")
            }
            let allLow = [Float](repeating: -.infinity, count: n)
            #expect(kernels.first_above(allLow, n, -.infinity) == n)
        }
        #expect(ran >= 1)
    }

    @Test func theChosenVariantIsTheBestThisCPURuns() {
        let best = Self.variants.last { nmt_vector_math_variant($0) != nil }
        #expect(String(cString: nmt_vector_math_isa()) == best)
    }

    /// VectorMath.exp and expShifted as they were in Swift before CVectorMath.
    enum Reference {
        typealias V8 = SIMD8<Float>

        static func exp(_ x0: V8) -> V8 {
            var x = x0
            x.replace(with: V8(repeating: 88.0), where: x .> 88.0)
            x.replace(with: V8(repeating: -87.0), where: x .< -87.0)
            let magic = V8(repeating: 12582912.0)
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

        static func exp(_ x: Float) -> Float { Float(Foundation.exp(Double(min(max(x, -87), 88)))) }

        static func expShifted(_ x: [Float], _ out: inout [Float], _ n: Int, shift: Float, keyPad: [UInt8]?) -> Float {
            var acc = V8(repeating: 0)
            var i = 0
            while i + 8 <= n {
                var e = exp(V8(x[i..<(i + 8)]) - V8(repeating: shift))
                if let keyPad { for l in 0..<8 where keyPad[i + l] != 0 { e[l] = 0 } }
                for l in 0..<8 { out[i + l] = e[l] }
                acc += e
                i += 8
            }
            var total = acc.sum()
            while i < n {
                if let keyPad, keyPad[i] != 0 { out[i] = 0; i += 1; continue }
                let e = exp(x[i] - shift)
                out[i] = e
                total += e
                i += 1
            }
            return total
        }
    }
}

import Foundation
