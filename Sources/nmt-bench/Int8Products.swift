// `nmt-bench --int8-products`: the matrix products of a beam-5 decoder step of the `small`
// preset (≈ 470 rows: ~94 sentences × 5 beams) on one thread, OpenBLAS sgemm against every
// CInt8 kernel this CPU runs, in the same run. Used by scripts/bench/64-int8.sh.
import Foundation
import Parallelism
import Tensor

func runInt8ProductBenchmark(rows: Int, repeats: Int) {
    Parallel.setThreadCap(1)
    let shapes: [(name: String, outputs: Int, inputs: Int)] = [
        ("output layer", 8000, 256), ("self q|k|v", 768, 256), ("ffn in", 1024, 256), ("ffn out", 256, 1024), ("attention out", 256, 256)]
    print("int8 products, \(rows) rows, 1 thread, best of \(repeats); sgemm is OpenBLAS \(BLASRuntime.coreName), the int8 time includes quantizing the rows")
    var rng = SplitMix64(seed: 5)
    for shape in shapes {
        let x = (0..<(rows * shape.inputs)).map { _ in Float(rng.uniform() * 2 - 1) }
        let w = (0..<(shape.outputs * shape.inputs)).map { _ in Float(rng.uniform() * 0.2 - 0.1) }
        var y = [Float](repeating: 0, count: rows * shape.outputs)
        let operations = 2 * Double(rows * shape.outputs * shape.inputs)
        func best(_ body: () -> Void) -> Double {
            body()
            var fastest = Double.infinity
            for _ in 0..<repeats {
                let t0 = Date()
                body()
                fastest = min(fastest, Date().timeIntervalSince(t0))
            }
            return fastest
        }
        let float = best {
            GEMM.multiply(transB: true, m: rows, n: shape.outputs, k: shape.inputs, a: x, lda: shape.inputs, b: w, ldb: shape.inputs, c: &y, ldc: shape.outputs)
        }
        let label = (shape.name + " \(shape.outputs)×\(shape.inputs)").padding(toLength: 24, withPad: " ", startingAt: 0)
        var line = "  " + label + String(format: " sgemm %7.0f µs %5.0f GFLOP/s", float * 1e6, operations / float / 1e9)
        let matrix = w.withUnsafeBufferPointer { Int8Matrix(weight: $0.baseAddress!, outputs: shape.outputs, inputs: shape.inputs) }
        let scratch = Int8GEMM.Scratch()
        for name in Int8GEMM.Kernel.allNames where name != "baseline" {
            guard let kernel = Int8GEMM.Kernel.named(name) else { continue }
            let seconds = best { y.withUnsafeMutableBufferPointer { Int8GEMM.linear($0.baseAddress!, x, rows: rows, matrix, scratch: scratch, kernel: kernel) } }
            line += " | \(name)" + String(format: " %7.0f µs %5.0f GOP/s %5.2fx", seconds * 1e6, operations / seconds / 1e9, float / seconds)
        }
        print(line)
    }
}
