// Layer normalization over the last dimension, forward/backward pair (llm.c style).
//
// Shapes: x, out [N, C]; weight, bias [C]; mean, rstd [N] (saved for backward).
// out = (x - mean)·rstd·weight + bias, rstd = 1/sqrt(var + eps), var the biased variance.
import Parallelism
public enum LayerNormKernels {
    public static let epsilon: Float = 1e-5   // torch.nn.LayerNorm / fairseq default
    typealias V8 = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V8 { UnsafeRawPointer(p + i).loadUnaligned(as: V8.self) }
    @inline(__always) static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>, _ i: Int) { UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V8.self) }

    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns c: Int
    ) {
        let c8 = c & ~7
        Parallel.forEachChunk(rows, minChunk: max(1, 4096 / max(1, c))) { range in
            for row in range {
                let xr = x + row * c
                let m = VectorMath.sum(xr, c) / Float(c)
                let m8 = V8(repeating: m)
                var v8 = V8(repeating: 0)
                var i = 0
                while i < c8 { let d = load(xr, i) - m8; v8 += d * d; i += 8 }
                var v = v8.sum()
                while i < c { let d = xr[i] - m; v += d * d; i += 1 }
                let s = 1 / (v / Float(c) + epsilon).squareRoot()
                mean[row] = m
                rstd[row] = s
                let o = out + row * c
                let s8 = V8(repeating: s)
                i = 0
                while i < c8 { store((load(xr, i) - m8) * s8 * load(weight, i) + load(bias, i), o, i); i += 8 }
                while i < c { o[i] = (xr[i] - m) * s * weight[i] + bias[i]; i += 1 }
            }
        }
    }

    /// dx (+)= ∂L/∂x; dweight += Σ dout·x̂; dbias += Σ dout. `scratch` holds per-worker
    /// partial sums (resized here, grows only).
    public static func backward(
        dx: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>,
        dout: UnsafePointer<Float>, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, columns c: Int,
        accumulate: Bool, scratch: Tensor
    ) {
        let minChunk = max(1, 4096 / max(1, c))
        let workers = Parallel.workerCount(rows, minChunk: minChunk)
        scratch.resize([workers, 2 * c])
        scratch.zero()
        let partial = scratch.pointer
        let c8 = c & ~7
        Parallel.forEachWorker(rows, minChunk: minChunk) { w, range in
            let dw = partial + w * 2 * c
            let db = dw + c
            for row in range {
                let xr = x + row * c, dr = dout + row * c, dxr = dx + row * c
                let m = mean[row], s = rstd[row]
                let m8 = V8(repeating: m), s8 = V8(repeating: s)
                var sumDy8 = V8(repeating: 0), sumDyXhat8 = V8(repeating: 0)
                var i = 0
                while i < c8 {
                    let xhat = (load(xr, i) - m8) * s8
                    let d = load(dr, i)
                    let dy = d * load(weight, i)
                    sumDy8 += dy
                    sumDyXhat8 += dy * xhat
                    store(load(dw, i) + d * xhat, dw, i)
                    store(load(db, i) + d, db, i)
                    i += 8
                }
                var meanDy = sumDy8.sum(), meanDyXhat = sumDyXhat8.sum()
                while i < c {
                    let xhat = (xr[i] - m) * s
                    let dy = dr[i] * weight[i]
                    meanDy += dy
                    meanDyXhat += dy * xhat
                    dw[i] += dr[i] * xhat
                    db[i] += dr[i]
                    i += 1
                }
                meanDy /= Float(c)
                meanDyXhat /= Float(c)
                let a8 = V8(repeating: meanDy), b8 = V8(repeating: meanDyXhat)
                i = 0
                while i < c8 {
                    let xhat = (load(xr, i) - m8) * s8
                    let g = (load(dr, i) * load(weight, i) - a8 - xhat * b8) * s8
                    store(accumulate ? load(dxr, i) + g : g, dxr, i)
                    i += 8
                }
                while i < c {
                    let xhat = (xr[i] - m) * s
                    let g = (dr[i] * weight[i] - meanDy - xhat * meanDyXhat) * s
                    dxr[i] = accumulate ? dxr[i] + g : g
                    i += 1
                }
            }
        }
        for w in 0..<workers {
            let dw = partial + w * 2 * c
            for i in 0..<c { dweight[i] += dw[i]; dbias[i] += dw[c + i] }
        }
    }
}
