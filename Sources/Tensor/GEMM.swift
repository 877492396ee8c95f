// GEMM wrappers over OpenBLAS cblas_sgemm, row-major.
//
// C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C, where op(X) is X or Xᵀ.
// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (so a head's slice of a
// [N, 3d] projection is addressed with ld = 3d and no copy).
import CBLAS

public enum GEMM {
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
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Strided batch: for i in 0..<batch, C_i = alpha·op(A_i)·op(B_i) + beta·C_i with
    /// A_i = a + i·strideA (and so on). The batch is split across `Parallel.threadCap`
    /// workers, each calling single-threaded sgemm (never nested with OpenBLAS threads).
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
    public static func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, columns: Int, into y: UnsafeMutablePointer<Float>, ones: UnsafePointer<Float>) {
        if rows == 0 || columns == 0 { return }
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), 1, x, Int32(columns), ones, 1, 1, y, 1)
    }
}
