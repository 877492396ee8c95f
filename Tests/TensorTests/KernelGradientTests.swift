// Every non-GEMM kernel: forward against a direct Float64 formula where useful, backward
// against central finite differences; and a check that the checker catches a wrong gradient.
import Foundation
import Testing
@testable import Tensor
import Parallelism

@Suite struct KernelGradientTests {
    @Test func layerNormBackwardMatchesFiniteDifferences() {
        var rng = LCG(s: 1)
        let n = 3, c = 13
        var x = (0..<(n * c)).map { _ in rng.float() * 2 }
        var w = (0..<c).map { _ in 1 + rng.float() * 0.5 }
        var bias = (0..<c).map { _ in rng.float() * 0.1 }
        let dout = (0..<(n * c)).map { _ in rng.float() }
        func run(_ x: [Float], _ w: [Float], _ b: [Float]) -> ([Float], [Float], [Float]) {
            var out = [Float](repeating: 0, count: n * c), mean = [Float](repeating: 0, count: n), rstd = mean
            LayerNormKernels.forward(out: &out, mean: &mean, rstd: &rstd, x: x, weight: w, bias: b, rows: n, columns: c)
            return (out, mean, rstd)
        }
        let (out, mean, rstd) = run(x, w, bias)
        // forward vs Float64
        for r in 0..<n {
            let row = x[(r * c)..<((r + 1) * c)].map(Double.init)
            let m = row.reduce(0, +) / Double(c)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(c)
            for i in 0..<c {
                let e = (row[i] - m) / (v + 1e-5).squareRoot() * Double(w[i]) + Double(bias[i])
                #expect(abs(Double(out[r * c + i]) - e) < 1e-5)
            }
        }
        var dx = [Float](repeating: 0.5, count: n * c), dw = [Float](repeating: 0, count: c), db = dw
        LayerNormKernels.backward(dx: &dx, dweight: &dw, dbias: &db, dout: dout, x: x, weight: w, mean: mean, rstd: rstd,
                                  rows: n, columns: c, accumulate: true, scratch: Tensor())
        let dxOnly = dx.map { $0 - 0.5 }  // accumulate mode added onto 0.5
        #expect(checkGradient(&x, analytic: dxOnly, h: 1e-2) { weightedSum(run($0, w, bias).0, dout) }.maxError < 2e-3)
        #expect(checkGradient(&w, analytic: dw) { weightedSum(run(x, $0, bias).0, dout) }.maxError < 2e-3)
        #expect(checkGradient(&bias, analytic: db) { weightedSum(run(x, w, $0).0, dout) }.maxError < 2e-3)
    }

    @Test func maskedSoftmaxForwardAndBackward() {
        var rng = LCG(s: 2)
        let k = 11
        var x = (0..<k).map { _ in rng.float() * 3 }
        let pad: [UInt8] = [0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0]
        let visible = 9
        let w = (0..<k).map { _ in rng.float() }
        func run(_ x: [Float]) -> [Float] {
            var p = x
            pad.withUnsafeBufferPointer { SoftmaxKernels.maskedRowForward(&p, keys: k, keyPad: $0.baseAddress, visible: visible) }
            return p
        }
        let p = run(x)
        #expect(p[2] == 0 && p[7] == 0 && p[9] == 0 && p[10] == 0)
        #expect(abs(p.reduce(0, +) - 1) < 1e-6)
        let allowed = (0..<visible).filter { pad[$0] == 0 }
        let z = allowed.map { exp(Double(x[$0])) }.reduce(0, +)
        for j in allowed { #expect(abs(Double(p[j]) - exp(Double(x[j])) / z) < 1e-6) }
        var dp = w
        SoftmaxKernels.rowBackward(&dp, p, keys: k)
        #expect(checkGradient(&x, analytic: dp, h: 1e-2) { weightedSum(run($0), w) }.maxError < 2e-3)
        // all keys masked: zeros, not NaN
        var q: [Float] = [1, 2, 3]
        let all: [UInt8] = [1, 1, 1]
        all.withUnsafeBufferPointer { SoftmaxKernels.maskedRowForward(&q, keys: 3, keyPad: $0.baseAddress, visible: 3) }
        #expect(q == [0, 0, 0])
        // causal only (no pad mask), long enough for the SIMD path
        var r = (0..<37).map { _ in rng.float() * 5 }
        SoftmaxKernels.maskedRowForward(&r, keys: 37, keyPad: nil, visible: 30)
        #expect(abs(r.reduce(0, +) - 1) < 1e-5 && r[30...].allSatisfy { $0 == 0 })
    }

    @Test func vectorExpIsAccurate() {
        // 4,000 points over the clamped range (the vector body) and 3 more (the scalar tail).
        let x = (0..<4003).map { Float(-87 + Double($0) * 175 / 4003) }
        var e = [Float](repeating: 0, count: x.count)
        _ = VectorMath.expShifted(x, &e, x.count, shift: 0)
        var worst = 0.0
        for (xi, ei) in zip(x, e) { worst = max(worst, abs(Double(ei) - exp(Double(xi))) / exp(Double(xi))) }
        print("vector exp worst relative error \(worst)")
        #expect(worst < 1e-6)
        // The sum it returns, on values whose sum stays finite in Float.
        let small = (0..<1001).map { Float(-5 + Double($0) / 100) }
        var es = [Float](repeating: 0, count: small.count)
        let total = VectorMath.expShifted(small, &es, small.count, shift: 1)
        let exact = small.map { exp(Double($0) - 1) }.reduce(0, +)
        #expect(abs(Double(total) - exact) / exact < 1e-5)
        var tiny = [Float](repeating: 0, count: 9)
        _ = VectorMath.expShifted([Float](repeating: -1000, count: 9), &tiny, 9, shift: 0)
        #expect(tiny.allSatisfy { $0 >= 0 && $0 < 1e-37 })
    }

    @Test func labelSmoothedCrossEntropyValueAndGradient() {
        var rng = LCG(s: 3)
        let n = 4, v = 19
        var z = (0..<(n * v)).map { _ in rng.float() * 4 }
        let targets: [Int32] = [3, 0, 18, 7]  // row 1 is padding
        let eps: Float = 0.1
        func loss(_ z: [Float]) -> Double {
            CrossEntropyKernels.loss(logits: z, targets: targets, rows: n, vocabulary: v, smoothing: eps, padIndex: 0, scratch: Tensor()).loss
        }
        // Float64 formula
        var expLoss = 0.0, expNLL = 0.0
        for r in 0..<n where targets[r] != 0 {
            let row = z[(r * v)..<((r + 1) * v)].map(Double.init)
            let m = row.max()!
            let logZ = m + log(row.map { exp($0 - m) }.reduce(0, +))
            let nll = logZ - row[Int(targets[r])]
            let smooth = row.map { logZ - $0 }.reduce(0, +)
            expNLL += nll
            expLoss += (1 - Double(eps)) * nll + Double(eps) / Double(v) * smooth
        }
        let r = CrossEntropyKernels.loss(logits: z, targets: targets, rows: n, vocabulary: v, smoothing: eps, padIndex: 0, scratch: Tensor())
        #expect(r.tokens == 3)
        #expect(abs(r.loss - expLoss) < 1e-5 * expLoss)
        #expect(abs(r.nll - expNLL) < 1e-5 * expNLL)
        var g = z
        let r2 = CrossEntropyKernels.lossAndGradient(logits: &g, targets: targets, rows: n, vocabulary: v, smoothing: eps, padIndex: 0,
                                                     gradScale: 1, scratch: Tensor())
        #expect(abs(r2.loss - r.loss) < 1e-9 * r.loss)
        #expect(g[(v)..<(2 * v)].allSatisfy { $0 == 0 })
        #expect(checkGradient(&z, analytic: g, h: 1e-2, loss: loss).maxError < 2e-3)
    }

    @Test func embeddingLookupAndScatterAddGradient() {
        var rng = LCG(s: 4)
        let vocab = 7, c = 6, n = 6
        var table = (0..<(vocab * c)).map { _ in rng.float() }
        // Two packed sentences (3, 5, 3) and (2, 6, 2), and a pad id, which must give zeros.
        let ids: [Int32] = [3, 5, 3, 2, 6, 0]
        let positionRows: [Int32] = [1, 2, 3, 1, 2, 3]
        let positions = EmbeddingKernels.sinusoidalTable(count: 10, columns: c, padIndex: 0)
        let w = (0..<(n * c)).map { _ in rng.float() }
        let scale: Float = 1.5
        func run(_ table: [Float]) -> [Float] {
            var out = [Float](repeating: 9, count: n * c)
            EmbeddingKernels.forward(out: &out, ids: ids, positionRows: positionRows, count: n, table: table, scale: scale,
                                     positions: positions, columns: c, padIndex: 0)
            return out
        }
        let out = run(table)
        #expect(out[(5 * c)..<(6 * c)].allSatisfy { $0 == 0 })
        // the second sentence's first token (id 2) takes position row 1
        for j in 0..<c { #expect(abs(out[3 * c + j] - (scale * table[2 * c + j] + positions[1 * c + j])) < 1e-6) }
        var dtable = [Float](repeating: 0, count: vocab * c)
        EmbeddingKernels.backward(dtable: &dtable, dout: w, ids: ids, count: n, scale: scale, columns: c, padIndex: 0)
        #expect(dtable[0..<c].allSatisfy { $0 == 0 })
        #expect(checkGradient(&table, analytic: dtable) { weightedSum(run($0), w) }.maxError < 1e-3)
    }

    @Test func sinusoidalTableMatchesFairseqFormula() {
        let c = 8
        let table = EmbeddingKernels.sinusoidalTable(count: 5, columns: c, padIndex: 0)
        #expect(table[0..<c].allSatisfy { $0 == 0 })
        let half = c / 2, step = log(10000.0) / Double(half - 1)
        for p in 1..<5 {
            for k in 0..<half {
                #expect(abs(Double(table[p * c + k]) - sin(Double(p) * exp(-Double(k) * step))) < 1e-7)
                #expect(abs(Double(table[p * c + half + k]) - cos(Double(p) * exp(-Double(k) * step))) < 1e-7)
            }
        }
    }

    @Test func dropoutIsReproducibleUnbiasedAndBackwardUsesTheSameMask() {
        let n = 100_000
        let x = [Float](repeating: 1, count: n)
        let m = DropoutMask(probability: 0.3, seed: 5, step: 9, site: 2)
        var a = [Float](repeating: 0, count: n), b = a
        Elementwise.dropoutForward(&a, x, n, m)
        Elementwise.dropoutForward(&b, x, n, DropoutMask(probability: 0.3, seed: 5, step: 9, site: 2))
        #expect(a == b)
        var c = a
        Elementwise.dropoutForward(&c, x, n, DropoutMask(probability: 0.3, seed: 5, step: 10, site: 2))
        #expect(a != c)
        let kept = a.filter { $0 != 0 }.count
        #expect(abs(Double(kept) / Double(n) - 0.7) < 0.01)
        #expect(abs(a.reduce(0, +) / Float(n) - 1) < 0.02)
        var g = [Float](repeating: 0, count: n)
        Elementwise.dropoutBackward(&g, x, n, m)
        #expect(g == a)  // d(x·mask/(1-p))/dx with dout = 1 is the forward output for x = 1
    }

    @Test func residualDropoutKernelMatchesTheScalarFormula() {
        // a kernel over an odd length (vector body + scalar tail, two chunks) equals the scalar formula
        let n = 70_001
        let x = (0..<n).map { Float($0 % 17) - 8 }
        let m = DropoutMask(probability: 0.2, seed: 9, step: 1, site: 1)
        var out = [Float](repeating: 0, count: n)
        // Two chunks on this thread only (Parallel.withThreadCap): suites running in parallel keep their cap.
        Parallel.withThreadCap(2) { Elementwise.residualDropoutForward(&out, x, x, n, m) }
        #expect((0..<n).allSatisfy { out[$0] == x[$0] + x[$0] * m.factor($0) })
    }

    @Test func reluDropoutBackwardMatchesFiniteDifferences() {
        var rng = LCG(s: 6)
        let n = 40
        var x = (0..<n).map { _ in rng.float() + (rng.float() > 0 ? 0.05 : -0.05) }  // away from the kink
        let w = (0..<n).map { _ in rng.float() }
        let m = DropoutMask(probability: 0.25, seed: 1, step: 2, site: 3)
        func run(_ x: [Float]) -> [Float] {
            var h = x, hd = [Float](repeating: 0, count: n)
            Elementwise.reluDropoutForward(&h, &hd, n, m)
            return hd
        }
        var h = x, hd = [Float](repeating: 0, count: n)
        Elementwise.reluDropoutForward(&h, &hd, n, m)
        var dx = w
        Elementwise.reluDropoutBackward(&dx, w, h, n, m)
        #expect(checkGradient(&x, analytic: dx, h: 1e-3) { weightedSum(run($0), w) }.maxError < 2e-3)
    }

    @Test func theCheckerCatchesAWrongGradient() {
        var x: [Float] = [0.3, -1.2, 2.0]
        let wrong: [Float] = [2 * 0.3, 2 * -1.2, 2 * 2.0 * 1.01]  // d(x²)/dx, last entry 1% off
        let r = checkGradient(&x, analytic: wrong) { v in v.map { Double($0) * Double($0) }.reduce(0, +) }
        #expect(r.maxError > 2e-3 && r.worstIndex == 2)
    }

    @Test func parallelChunksCoverTheRangeOnce() {
        // Two workers on this thread only (Parallel.withThreadCap): suites running in parallel keep their cap.
        Parallel.withThreadCap(2) {
            var hits = [Int](repeating: 0, count: 1000)
            hits.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                Parallel.forEachChunk(1000, minChunk: 10) { r in for i in r { base[i] += 1 } }
            }
            #expect(hits.allSatisfy { $0 == 1 })
        }
    }
}
