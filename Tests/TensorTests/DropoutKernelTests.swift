import CDropout
import Testing
@testable import Tensor

/// CDropout's kernels (baseline, AVX2, AVX-512: every one this CPU can run) against the
/// scalar DropoutMask they vectorise: the same elements dropped, the same values, at
/// every tail length and offset, in place as well.
@Suite struct DropoutKernelTests {
    static let variants = ["baseline", "avx2", "avx512"]

    @Test(arguments: variants)
    func everyKernelEqualsTheScalarMask(variant: String) throws {
        guard let k = nmt_dropout_variant(variant)?.pointee else {
            print("dropout kernels: \(variant) not supported by this CPU, skipped")
            return
        }
        let mask = DropoutMask(probability: 0.3, seed: 11, step: 2, site: 5)
        var rng = SplitMix64(seed: 3)
        for (count, start) in [(1, 0), (7, 3), (8, 8), (17, 1_000_003), (64, 5), (1000, 4_294_967_290)] {
            let x = (0..<count).map { _ in Float(rng.uniform() * 2 - 1) }
            let a = (0..<count).map { _ in Float(rng.uniform() * 2 - 1) }
            let f = (0..<count).map { mask.factor(start + $0) }
            var out = [Float](repeating: .nan, count: count)
            k.scale(&out, x, count, start, mask.kernelMask)
            #expect(out == zip(x, f).map { $0 * $1 }, "\(variant) scale, \(count) at \(start)")
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { k.scale($0.baseAddress!, $0.baseAddress!, count, start, mask.kernelMask) }
            #expect(inPlace == out, "\(variant) scale in place")
            k.add(&out, a, x, count, start, mask.kernelMask)
            #expect(out == (0..<count).map { a[$0] + x[$0] * f[$0] }, "\(variant) add, \(count) at \(start)")
            var h = x, hd = [Float](repeating: .nan, count: count)
            k.relu(&h, &hd, count, start, mask.kernelMask)
            #expect(h == x.map { max($0, 0) } && hd == (0..<count).map { max(x[$0], 0) * f[$0] }, "\(variant) relu")
            var dx = [Float](repeating: .nan, count: count)
            k.relu_back(&dx, a, x, count, start, mask.kernelMask)
            #expect(dx == (0..<count).map { x[$0] > 0 ? a[$0] * f[$0] : 0 }, "\(variant) relu backward")
            if count == 1000 { #expect(f.contains(0) && f.contains(mask.scale), "the mask both drops and keeps") }
        }
    }

    @Test func theChosenKernelIsTheBestTheCPUHas() {
        let best = Self.variants.last { nmt_dropout_variant($0) != nil }!
        #expect(DropoutMask.kernelName == best)
        print("dropout kernels in use: \(DropoutMask.kernelName)")
    }
}
