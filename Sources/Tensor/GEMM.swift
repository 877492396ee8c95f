// GEMM wrappers over OpenBLAS cblas_sgemm, row-major.
//
// C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C, where op(X) is X or Xᵀ.
// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (so a head's slice of a
// [N, 3d] projection is addressed with ld = 3d and no copy).
import CBLAS
import Parallelism

public enum GEMM {
    /// Below this many multiply-adds a GEMM runs on the calling thread (splitting costs a
    /// Dispatch round trip, ~10 µs).
    public static let splitThreshold = 1 << 20

    @inlinable
    public static func multiply(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C·beta; make the empty-sum case explicit.
            for i in 0..<m {
                for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
            }
            return
        }
        let cap = Parallel.threadCap
        if cap <= 1 || m * n * k < splitThreshold || Parallel.isWorkerThread {
            sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Split C into `cap` blocks of whole rows (or columns, when C is wide), 16-aligned so
        // every block but the last uses full micro-kernel tiles. No block sums over k, so the
        // result does not depend on how the blocks are scheduled.
        let splitRows = m >= n
        let extent = splitRows ? m : n
        let per = ((extent + cap - 1) / cap + 15) / 16 * 16
        let blocks = (extent + per - 1) / per
        Parallel.forEachChunk(blocks) { range in
            for blk in range {
                let lo = blk * per, len = min(per, extent - lo)
                if splitRows {
                    sgemm(transA, transB, len, n, k, alpha, transA ? a + lo : a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc)
                } else {
                    sgemm(transA, transB, m, len, k, alpha, a, lda, transB ? b + lo * ldb : b + lo, ldb, beta, c + lo, ldc)
                }
            }
        }
    }

    /// OpenBLAS's own threads are never used (see Parallelism/Parallel.swift): set once,
    /// before the first BLAS call of the process.
    @usableFromInline static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    @inlinable @inline(__always)
    static func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                      _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                      _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        _ = singleThreadedBLAS
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Strided batch: for i in 0..<batch, C_i = alpha·op(A_i)·op(B_i) + beta·C_i with
    /// A_i = a + i·strideA (and so on). The batch is split across `Parallel.threadCap`
    /// workers, each calling single-threaded sgemm.
    @inlinable
    public static func stridedBatched(
        batch: Int, transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, strideA: Int,
        b: UnsafePointer<Float>, ldb: Int, strideB: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int
    ) {
        Parallel.forEachChunk(batch) { range in
            for i in range {
                multiply(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                         a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb,
                         beta: beta, c: c + i * strideC, ldc: ldc)
            }
        }
    }

    /// y[n] += sum over rows of x[rows, n] (bias gradients), through sgemv with a ones vector.
    /// Columns are split across workers (each sums whole columns, so the order is fixed).
    public static func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, columns: Int, into y: UnsafeMutablePointer<Float>, ones: UnsafePointer<Float>) {
        if rows == 0 || columns == 0 { return }
        _ = singleThreadedBLAS
        Parallel.forEachChunk(columns, minChunk: max(16, splitThreshold / max(1, rows))) { cols in
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols.count), 1, x + cols.lowerBound, Int32(columns), ones, 1, 1,
                        y + cols.lowerBound, 1)
        }
    }
}
