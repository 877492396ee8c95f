import CInt8
import Testing
@testable import Tensor

/// CInt8's kernels (VNNI, AVX2, baseline: every one this CPU can run): each result is the
/// exact integer dot product of the quantized operands finished with the documented float
/// operations, identical across kernels bit for bit, and within the quantization error
/// bound of the float product.
@Suite struct Int8GEMMTests {
    /// (rows, outputs, inputs): tile remainders in every direction, outputs not a multiple of
    /// 16 or 32, inputs not a multiple of 4, and the decoder's own shapes.
    static let shapes = [(1, 1, 1), (3, 5, 3), (7, 37, 13), (9, 48, 64), (13, 100, 257), (8, 32, 256), (17, 768, 256), (5, 256, 1024), (33, 1000, 256)]

    struct Case {
        var x: [Float], w: [Float], bias: [Float]
        let rows: Int, outputs: Int, inputs: Int
        init(_ shape: (Int, Int, Int), seed: UInt64) {
            (rows, outputs, inputs) = shape
            var rng = SplitMix64(seed: seed)
            x = (0..<(rows * inputs)).map { _ in Float(rng.uniform() * 4 - 2) }
            w = (0..<(outputs * inputs)).map { _ in Float(rng.uniform() * 0.2 - 0.1) }
            bias = (0..<outputs).map { _ in Float(rng.uniform() - 0.5) }
            if rows > 2 { for i in 0..<inputs { x[inputs + i] = 0 } }   // a row of zeros: scale 0
            if outputs > 3 { for i in 0..<inputs { w[2 * inputs + i] = 0 } }
        }
    }

    /// The documented result, computed here from scratch: q = round-half-even(v · 127 / max|row|),
    /// y = Float(Σ qx·qw) · (sx · sw) + b.
    static func reference(_ c: Case, _ matrix: Int8Matrix, bias: Bool) -> [Float] {
        var y = [Float](repeating: 0, count: c.rows * c.outputs)
        for r in 0..<c.rows {
            let row = Array(c.x[(r * c.inputs)..<((r + 1) * c.inputs)])
            let m = row.map(abs).max()!
            let inverse: Float = m == 0 ? 0 : 127 / m, scale = m / 127
            let q = row.map { Int32(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }
            for j in 0..<c.outputs {
                var dot: Int32 = 0
                for i in 0..<c.inputs { dot += q[i] * Int32(matrix.quantized(output: j, input: i)) }
                let v = Float(dot) * (scale * matrix.scale(output: j))
                y[r * c.outputs + j] = bias ? v + c.bias[j] : v
            }
        }
        return y
    }

    static func run(_ c: Case, _ matrix: Int8Matrix, kernel: Int8GEMM.Kernel) -> [Float] {
        var y = [Float](repeating: .nan, count: c.rows * c.outputs)
        c.x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { Int8GEMM.linear($0.baseAddress!, x.baseAddress!, rows: c.rows, matrix, scratch: .init(), kernel: kernel) }
        }
        return y
    }

    @Test(arguments: Int8GEMM.Kernel.allNames)
    func everyKernelGivesTheDocumentedResult(variant: String) throws {
        guard let kernel = Int8GEMM.Kernel.named(variant) else {
            print("int8 kernels: \(variant) not supported by this CPU, skipped")
            return
        }
        for (n, shape) in Self.shapes.enumerated() {
            let c = Case(shape, seed: UInt64(n + 1))
            for withBias in [true, false] {
                let matrix = c.w.withUnsafeBufferPointer { w in
                    c.bias.withUnsafeBufferPointer { b in
                        Int8Matrix(weight: w.baseAddress!, outputs: c.outputs, inputs: c.inputs, bias: withBias ? b.baseAddress! : nil)
                    }
                }
                let y = Self.run(c, matrix, kernel: kernel)
                #expect(y == Self.reference(c, matrix, bias: withBias), "\(variant) \(shape) bias \(withBias)")
                #expect(y == Self.run(c, matrix, kernel: .named("baseline")!), "\(variant) equals the baseline, \(shape)")
            }
        }
    }

    /// |x·w − int8 result| ≤ Σ_k (sx/2)·|w_k| + (|x_k| + sx/2)·(sw/2), the rounding of each
    /// operand to its grid, plus float rounding.
    @Test func theProductIsWithinTheQuantizationBound() {
        for (n, shape) in Self.shapes.enumerated() {
            let c = Case(shape, seed: UInt64(100 + n))
            let matrix = c.w.withUnsafeBufferPointer { w in
                c.bias.withUnsafeBufferPointer { Int8Matrix(weight: w.baseAddress!, outputs: c.outputs, inputs: c.inputs, bias: $0.baseAddress!) }
            }
            let y = Self.run(c, matrix, kernel: .chosen)
            var worstShare = 0.0
            for r in 0..<c.rows {
                let sx = Double(c.x[(r * c.inputs)..<((r + 1) * c.inputs)].map(abs).max()!) / 127
                for j in 0..<c.outputs {
                    let sw = Double(matrix.scale(output: j))
                    var exact = Double(c.bias[j]), bound = 1e-5 * (1 + abs(exact))
                    for i in 0..<c.inputs {
                        let xv = Double(c.x[r * c.inputs + i]), wv = Double(c.w[j * c.inputs + i])
                        exact += xv * wv
                        bound += sx / 2 * abs(wv) + (abs(xv) + sx / 2) * sw / 2
                    }
                    let error = abs(Double(y[r * c.outputs + j]) - exact)
                    #expect(error <= bound * 1.0001 + 1e-6, "\(shape) row \(r) output \(j): error \(error) > bound \(bound)")
                    worstShare = max(worstShare, error / max(bound, 1e-12))
                }
            }
            print("int8 \(shape): worst error / bound = \(worstShare)")
        }
    }

    @Test func splittingOutputsAcrossThreadsChangesNothing() {
        let c = Case((40, 1000, 256), seed: 7)
        let matrix = c.w.withUnsafeBufferPointer { w in
            c.bias.withUnsafeBufferPointer { Int8Matrix(weight: w.baseAddress!, outputs: c.outputs, inputs: c.inputs, bias: $0.baseAddress!) }
        }
        let parallel = Self.run(c, matrix, kernel: .chosen)
        var single = [Float](repeating: .nan, count: c.rows * c.outputs)
        let k = Int8GEMM.Kernel.chosen.kernels.pointee
        var q = [UInt8](repeating: 0, count: c.rows * nmt_int8_row_bytes(c.inputs, k.x_format))
        var scales = [Float](repeating: 0, count: c.rows)
        nmt_int8_quantize_rows(c.x, c.rows, c.inputs, c.inputs, k.x_format, &q, &scales)
        k.gemm(q, scales, c.rows, matrix.paddedInputs, matrix.packed, matrix.scales, matrix.sums, matrix.bias, 0, c.outputs, &single, c.outputs)
        #expect(parallel == single)
    }

    @Test func theChosenKernelIsTheBestTheCPUHas() {
        let best = Int8GEMM.Kernel.allNames.first { Int8GEMM.Kernel.named($0) != nil }!
        #expect(Int8GEMM.Kernel.chosen.name == best)
        print("int8 kernel in use: \(Int8GEMM.Kernel.chosen.name)")
    }
}
