// Label-smoothed cross-entropy fused with log-softmax over the vocabulary (fairseq's
// label_smoothed_cross_entropy, in the form given by the project contract):
//   loss = Σ_tokens (1-ε)·nll + ε/V · Σ_v (-log p_v),   nll = -log p_target,
// tokens whose target is the pad id are ignored. (Current fairseq uses ε/(V-1) and
// (1-ε-ε/(V-1)); the contract's form is the original one.)
//
// Shapes: logits [N, V] (row stride V), targets [N] Int32. Backward overwrites the logits
// with ∂loss/∂logits · gradScale: p_v - (1-ε)·[v = target] - ε/V (zero rows for pads).
public enum CrossEntropyKernels {
    /// Loss only; logits are left untouched (uses `scratch` [workers, V]).
    public static func loss(logits: UnsafePointer<Float>, targets: UnsafePointer<Int32>, rows n: Int, vocabulary v: Int,
                            smoothing eps: Float, padIndex: Int32, scratch: Tensor) -> LossSums {
        run(logits: UnsafeMutablePointer(mutating: logits), targets: targets, rows: n, vocabulary: v, smoothing: eps,
            padIndex: padIndex, writeGradient: false, gradScale: 1, scratch: scratch)
    }

    /// Loss, and the logits replaced by the gradient of (gradScale · loss).
    public static func lossAndGradient(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows n: Int, vocabulary v: Int,
                                       smoothing eps: Float, padIndex: Int32, gradScale: Float, scratch: Tensor) -> LossSums {
        run(logits: logits, targets: targets, rows: n, vocabulary: v, smoothing: eps,
            padIndex: padIndex, writeGradient: true, gradScale: gradScale, scratch: scratch)
    }

    static func run(logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>, rows n: Int, vocabulary v: Int,
                    smoothing eps: Float, padIndex: Int32, writeGradient: Bool, gradScale: Float, scratch: Tensor) -> LossSums {
        let minChunk = 4
        let workers = Parallel.workerCount(n, minChunk: minChunk)
        scratch.resize([workers, v + 4])
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: workers * 3)
        sums.initialize(repeating: 0, count: workers * 3)
        defer { sums.deallocate() }
        let epsOverV = eps / Float(v)
        Parallel.forEachWorker(n, minChunk: minChunk) { w, range in
            let tmp = scratch.pointer + w * (v + 4)
            var loss = 0.0, nll = 0.0, count = 0.0
            for row in range {
                let z = logits + row * v
                let target = targets[row]
                if target == padIndex {
                    if writeGradient { z.update(repeating: 0, count: v) }
                    continue
                }
                let tgt = Int(target)
                let (m, sumF) = VectorMath.maximumAndSum(z, v)
                let sumZ = Double(sumF)
                let zTarget = Double(z[tgt])
                let (total, logSum) = LogSoftmax.sumExp(z, v, shift: m, exponentials: writeGradient ? z : tmp)
                let logZ = Double(m) + logSum
                let rowNLL = logZ - zTarget
                let rowSmooth = Double(v) * logZ - sumZ
                nll += rowNLL
                loss += Double(1 - eps) * rowNLL + Double(epsOverV) * rowSmooth
                count += 1
                if writeGradient {
                    // z holds exp(z - m) now; p = z / total.
                    let a = gradScale / total
                    let b = gradScale * epsOverV
                    let a8 = VectorMath.V8(repeating: a), b8 = VectorMath.V8(repeating: b)
                    var k = 0
                    while k + 8 <= v {
                        let g = UnsafeRawPointer(z + k).loadUnaligned(as: VectorMath.V8.self) * a8 - b8
                        UnsafeMutableRawPointer(z + k).storeBytes(of: g, as: VectorMath.V8.self)
                        k += 8
                    }
                    while k < v { z[k] = z[k] * a - b; k += 1 }
                    z[tgt] -= gradScale * (1 - eps)
                }
            }
            sums[w * 3] = loss; sums[w * 3 + 1] = nll; sums[w * 3 + 2] = count
        }
        var result = LossSums()
        for w in 0..<workers {
            result.loss += sums[w * 3]; result.nll += sums[w * 3 + 1]; result.tokens += Int(sums[w * 3 + 2])
        }
        return result
    }
}
#if canImport(Glibc)
import Glibc
#endif
import Parallelism
