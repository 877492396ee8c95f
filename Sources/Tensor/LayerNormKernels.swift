// Layer normalization over the last dimension, forward/backward pair (llm.c style).
//
// Shapes: x, out [N, C]; weight, bias [C]; mean, rstd [N] (saved for backward).
// out = (x - mean)·rstd·weight + bias, rstd = 1/sqrt(var + eps), var the biased variance.
public enum LayerNormKernels {
    public static let epsilon: Float = 1e-5   // torch.nn.LayerNorm / fairseq default

    public static func forward(
        out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, rows: Int, columns c: Int
    ) {
        Parallel.forEachChunk(rows, minChunk: max(1, 4096 / max(1, c))) { range in
            for row in range {
                let xr = x + row * c
                let m = VectorMath.sum(xr, c) / Float(c)
                var v: Float = 0
                for i in 0..<c { let d = xr[i] - m; v += d * d }
                let s = 1 / (v / Float(c) + epsilon).squareRoot()
                mean[row] = m
                rstd[row] = s
                let o = out + row * c
                for i in 0..<c { o[i] = (xr[i] - m) * s * weight[i] + bias[i] }
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
        Parallel.forEachWorker(rows, minChunk: minChunk) { w, range in
            let dw = partial + w * 2 * c
            let db = dw + c
            for row in range {
                let xr = x + row * c, dr = dout + row * c, dxr = dx + row * c
                let m = mean[row], s = rstd[row]
                var meanDy: Float = 0, meanDyXhat: Float = 0
                for i in 0..<c {
                    let xhat = (xr[i] - m) * s
                    let dy = dr[i] * weight[i]
                    meanDy += dy
                    meanDyXhat += dy * xhat
                    dw[i] += dr[i] * xhat
                    db[i] += dr[i]
                }
                meanDy /= Float(c)
                meanDyXhat /= Float(c)
                if accumulate {
                    for i in 0..<c {
                        let xhat = (xr[i] - m) * s
                        dxr[i] += (dr[i] * weight[i] - meanDy - xhat * meanDyXhat) * s
                    }
                } else {
                    for i in 0..<c {
                        let xhat = (xr[i] - m) * s
                        dxr[i] = (dr[i] * weight[i] - meanDy - xhat * meanDyXhat) * s
                    }
                }
            }
        }
        for w in 0..<workers {
            let dw = partial + w * 2 * c
            for i in 0..<c { dweight[i] += dw[i]; dbias[i] += dw[c + i] }
        }
    }
}
