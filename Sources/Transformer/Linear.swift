// Linear layer y = x·Wᵀ + b (PyTorch weight layout), forward/backward pair over GEMM.
//
// Shapes: x [N, in], W [out, in], b [out], y [N, out].
import Tensor

enum Linear {
    static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        rows n: Int, inputs: Int, outputs: Int) {
        Elementwise.broadcastRows(y, bias, rows: n, columns: outputs)
        GEMM.multiply(transB: true, m: n, n: outputs, k: inputs, a: x, lda: inputs, b: weight, ldb: inputs, beta: 1, c: y, ldc: outputs)
    }

    /// dx (+)= dy·W (skipped when dx is nil); dW += dyᵀ·x; db += Σ_rows dy. `ones` has ≥ n ones.
    static func backward(dx: UnsafeMutablePointer<Float>?, accumulate: Bool, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                         dy: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                         rows n: Int, inputs: Int, outputs: Int, ones: UnsafePointer<Float>) {
        if let dx {
            GEMM.multiply(m: n, n: inputs, k: outputs, a: dy, lda: outputs, b: weight, ldb: inputs, beta: accumulate ? 1 : 0, c: dx, ldc: inputs)
        }
        GEMM.multiply(transA: true, m: outputs, n: inputs, k: n, a: dy, lda: outputs, b: x, ldb: inputs, beta: 1, c: dWeight, ldc: inputs)
        GEMM.addColumnSums(dy, rows: n, columns: outputs, into: dBias, ones: ones)
    }
}
