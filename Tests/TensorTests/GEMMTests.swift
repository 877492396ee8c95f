// cblas_sgemm through our wrappers against a Float64 reference: random shapes, every
// transpose combination, leading dimensions larger than the rows, alpha/beta.
import Testing
@testable import Tensor
import Parallelism

struct LCG {
    var s: UInt64
    mutating func next() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) * 0x1p-53 }
    mutating func float() -> Float { Float(next() * 2 - 1) }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() * Double(r.count)) % r.count }
}

func referenceGEMM(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: [Float], lda: Int, b: [Float], ldb: Int,
                   beta: Double, c: [Float], ldc: Int) -> [Double] {
    var out = c.map(Double.init)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            out[i * ldc + j] = alpha * s + beta * Double(c[i * ldc + j])
        }
    }
    return out
}

@Suite struct GEMMTests {
    @Test func randomShapesAllTransposesMatchFloat64() {
        var rng = LCG(s: 42)
        var worst = 0.0
        for trial in 0..<48 {
            let transA = trial % 2 == 1, transB = (trial / 2) % 2 == 1
            let m = rng.int(1...70), n = rng.int(1...70), k = rng.int(1...90)
            let lda = (transA ? m : k) + rng.int(0...3), ldb = (transB ? k : n) + rng.int(0...3), ldc = n + rng.int(0...3)
            let a = (0..<((transA ? k : m) * lda)).map { _ in rng.float() }
            let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.float() }
            var c = (0..<(m * ldc)).map { _ in rng.float() }
            let alpha: Float = trial % 3 == 0 ? 1 : 0.75, beta: Float = trial % 4 == 0 ? 0 : 0.5
            let expected = referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: Double(alpha), a: a, lda: lda,
                                         b: b, ldb: ldb, beta: Double(beta), c: c, ldc: ldc)
            // Float64 bound on the accumulated rounding: Σ|a||b| scaled.
            GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &c, ldc: ldc)
            for i in 0..<m {
                for j in 0..<n {
                    let err = abs(Double(c[i * ldc + j]) - expected[i * ldc + j]) / (Double(k).squareRoot() + abs(expected[i * ldc + j]))
                    worst = max(worst, err)
                }
            }
        }
        print("GEMM worst scaled error \(worst)")
        #expect(worst < 2e-6)
    }

    /// Products above `GEMM.splitThreshold` are split into row blocks (tall C) or column
    /// blocks (wide C) across two workers; every transpose, odd sizes, padded strides.
    @Test func splitProductsMatchFloat64() {
        // Two workers so the split path runs (NMT_THREADS may be 1); this thread's cap only, so
        // suites running in parallel keep theirs (Parallel.withThreadCap).
        Parallel.withThreadCap(2) {
            var rng = LCG(s: 99)
            for trial in 0..<8 {
                let transA = trial % 2 == 1, transB = (trial / 2) % 2 == 1
                let (m, n) = trial < 4 ? (263, 37) : (29, 251)  // tall, then wide
                let k = GEMM.splitThreshold / (m * n) + 5
                #expect(m * n * k >= GEMM.splitThreshold)
                let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 1, ldc = n + 2
                let a = (0..<((transA ? k : m) * lda)).map { _ in rng.float() }
                let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.float() }
                var c = (0..<(m * ldc)).map { _ in rng.float() }
                let expected = referenceGEMM(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                             b: b, ldb: ldb, beta: 0.25, c: c, ldc: ldc)
                GEMM.multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb, beta: 0.25, c: &c, ldc: ldc)
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<ldc {
                        if j >= n { continue }
                        worst = max(worst, abs(Double(c[i * ldc + j]) - expected[i * ldc + j]) / (Double(k).squareRoot() + abs(expected[i * ldc + j])))
                    }
                }
                #expect(worst < 2e-6, "trial \(trial): \(worst)")
                // the padding columns of C are untouched
                for i in 0..<m { for j in n..<ldc { #expect(c[i * ldc + j] == Float(expected[i * ldc + j])) } }
            }
        }
    }

    @Test func splitColumnSumsMatchSerialSums() {
        // Two workers so the split path runs (NMT_THREADS may be 1); this thread's cap only, so
        // suites running in parallel keep theirs (Parallel.withThreadCap).
        Parallel.withThreadCap(2) {
            var rng = LCG(s: 5)
            let rows = 3000, columns = 700
            let x = (0..<(rows * columns)).map { _ in rng.float() }
            let ones = [Float](repeating: 1, count: rows)
            var y = [Float](repeating: 1, count: columns)
            GEMM.addColumnSums(x, rows: rows, columns: columns, into: &y, ones: ones)
            for j in stride(from: 0, to: columns, by: 37) {
                var s = 1.0
                for i in 0..<rows { s += Double(x[i * columns + j]) }
                #expect(abs(Double(y[j]) - s) < 1e-3)
            }
        }
    }

    @Test func stridedBatchedMatchesPerItemProducts() {
        var rng = LCG(s: 7)
        let batch = 9, m = 5, n = 6, k = 7
        let a = (0..<(batch * m * k)).map { _ in rng.float() }, b = (0..<(batch * n * k)).map { _ in rng.float() }
        var c = [Float](repeating: 0, count: batch * m * n)
        GEMM.stridedBatched(batch: batch, transB: true, m: m, n: n, k: k, a: a, lda: k, strideA: m * k, b: b, ldb: k, strideB: n * k,
                            c: &c, ldc: n, strideC: m * n)
        for i in 0..<batch {
            let expected = referenceGEMM(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: Array(a[(i * m * k)...]), lda: k,
                                         b: Array(b[(i * n * k)...]), ldb: k, beta: 0, c: [Float](repeating: 0, count: m * n), ldc: n)
            for x in 0..<(m * n) { #expect(abs(Double(c[i * m * n + x]) - expected[x]) < 1e-5) }
        }
    }

    @Test func columnSumsAccumulate() {
        let x: [Float] = [1, 2, 3, 4, 5, 6]  // [3, 2]
        var y: [Float] = [10, 20]
        let ones = [Float](repeating: 1, count: 3)
        GEMM.addColumnSums(x, rows: 3, columns: 2, into: &y, ones: ones)
        #expect(y == [19, 32])
    }
}
