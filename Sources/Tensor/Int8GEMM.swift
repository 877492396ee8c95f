import CInt8
import Parallelism

/// A weight matrix W [outputs, inputs] (PyTorch layout, y = x·Wᵀ + b) quantized for int8
/// products: one symmetric scale per output row (max |w| / 127), packed in CInt8's blocks of
/// 16 outputs × 4 inputs. Built once from float weights; the bias is copied as it is.
public final class Int8Matrix: @unchecked Sendable {
    public let outputs: Int
    public let inputs: Int
    let paddedInputs: Int
    let packed: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let sums: UnsafeMutablePointer<Int32>
    let bias: UnsafeMutablePointer<Float>?

    /// `weight` rows are `rowStride` floats apart (default `inputs`), so a slice of a fused
    /// projection (the cross-attention query rows of q|k|v) needs no copy.
    public init(weight: UnsafePointer<Float>, outputs: Int, inputs: Int, rowStride: Int? = nil, bias: UnsafePointer<Float>? = nil) {
        precondition(outputs > 0 && inputs > 0, "an int8 matrix needs at least one row and column")
        self.outputs = outputs
        self.inputs = inputs
        paddedInputs = nmt_int8_padded_inputs(inputs)
        let paddedOutputs = nmt_int8_padded_outputs(outputs)
        packed = .allocate(capacity: paddedOutputs * paddedInputs)
        scales = .allocate(capacity: paddedOutputs)
        sums = .allocate(capacity: paddedOutputs)
        nmt_int8_pack(weight, outputs, inputs, rowStride ?? inputs, packed, scales, sums)
        if let bias {
            let copy = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
            copy.update(from: bias, count: outputs)
            self.bias = copy
        } else {
            self.bias = nil
        }
    }

    deinit {
        packed.deallocate(); scales.deallocate(); sums.deallocate(); bias?.deallocate()
    }

    /// The stored int8 value of W[j][i]; W[j][i] ≈ quantized · scale(output: j) (tests, error bounds).
    public func quantized(output j: Int, input i: Int) -> Int8 {
        packed[(j / 16) * 16 * paddedInputs + (j % 16) * 4 + (i / 4) * 64 + i % 4]
    }

    /// The scale of output row j.
    public func scale(output j: Int) -> Float { scales[j] }
}

/// Int8 products y = x·Wᵀ + b for decoding (CInt8): x is quantized per row at every call,
/// the integer dot products are exact and every kernel finishes them with the same float
/// operations, so the result does not depend on which kernel the CPU runs (AVX-512 VNNI,
/// AVX2 or the portable baseline, picked at run time).
public enum Int8GEMM {
    /// One of CInt8's kernels.
    public struct Kernel: @unchecked Sendable {
        let kernels: UnsafePointer<nmt_int8_kernels>
        public var name: String { String(cString: kernels.pointee.name) }
        /// The kernel this process uses: the best this CPU runs.
        public static var chosen: Kernel { Kernel(kernels: nmt_int8_kernel()) }
        /// The kernel called `name` ("vnni512", "avx2", "baseline"), nil when this CPU cannot run it.
        public static func named(_ name: String) -> Kernel? { nmt_int8_variant(name).map { Kernel(kernels: $0) } }
        /// Best first.
        public static let allNames = ["vnni512", "avx2", "baseline"]
    }

    /// Quantized rows of x, reused from call to call (grown as needed).
    public final class Scratch: @unchecked Sendable {
        var bytes: UnsafeMutableRawPointer?
        var byteCapacity = 0
        var scales: UnsafeMutablePointer<Float>?
        var scaleCapacity = 0
        public init() {}
        deinit { bytes?.deallocate(); scales?.deallocate() }

        func reserve(rows: Int, rowBytes: Int) {
            if rows * rowBytes > byteCapacity {
                bytes?.deallocate()
                byteCapacity = rows * rowBytes
                bytes = .allocate(byteCount: byteCapacity, alignment: 64)
            }
            if rows > scaleCapacity {
                scales?.deallocate()
                scaleCapacity = rows
                scales = .allocate(capacity: rows)
            }
        }
    }

    /// y [rows, W.outputs] (row stride W.outputs) = x [rows, W.inputs] · Wᵀ + b. Output columns
    /// are split across `Parallel.threadCap` workers in blocks of 32 (no block sums over
    /// another's columns, so the split never changes the result).
    public static func linear(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, _ w: Int8Matrix,
                              scratch: Scratch, kernel: Kernel = .chosen) {
        guard rows > 0 else { return }
        let k = kernel.kernels.pointee
        scratch.reserve(rows: rows, rowBytes: nmt_int8_row_bytes(w.inputs, k.x_format))
        nonisolated(unsafe) let qx = scratch.bytes!, xScales = scratch.scales!
        nmt_int8_quantize_rows(x, rows, w.inputs, w.inputs, k.x_format, qx, xScales)
        // Units of 32 outputs, the VNNI kernel's tile width; small products stay on the calling thread.
        let units = (w.outputs + 31) / 32, kp = w.paddedInputs, n = w.outputs
        let minChunk = rows * n * w.inputs < GEMM.splitThreshold ? units : max(1, units / max(1, Parallel.threadCap))
        nonisolated(unsafe) let out = y
        Parallel.forEachChunk(units, minChunk: minChunk) { range in
            k.gemm(qx, xScales, rows, kp, w.packed, w.scales, w.sums, w.bias, range.lowerBound * 32, min(n, range.upperBound * 32), out, n)
        }
    }
}
