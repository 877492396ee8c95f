// Central finite differences for kernels: L(x) = Σ w ⊙ f(x) accumulated in Float64, so the
// analytic gradient is backward(dout = w). Float32 inputs, step h; error is measured as
// |fd - analytic| / (|analytic| + atol).
@testable import Tensor

struct GradientCheckResult { var maxError: Double; var worstIndex: Int }

/// `loss` evaluates L with the current `x`; `analytic` is ∂L/∂x.
func checkGradient(_ x: inout [Float], analytic: [Float], h: Float = 1e-2, atol: Double = 1e-2, loss: ([Float]) -> Double) -> GradientCheckResult {
    var worst = GradientCheckResult(maxError: 0, worstIndex: -1)
    for i in 0..<x.count {
        let keep = x[i]
        x[i] = keep + h; let up = loss(x)
        x[i] = keep - h; let down = loss(x)
        x[i] = keep
        let fd = (up - down) / (Double(keep + h) - Double(keep - h))
        let err = abs(fd - Double(analytic[i])) / (abs(Double(analytic[i])) + atol)
        if err > worst.maxError { worst = GradientCheckResult(maxError: err, worstIndex: i) }
    }
    return worst
}

func weightedSum(_ out: [Float], _ w: [Float]) -> Double {
    var s = 0.0
    for i in 0..<out.count { s += Double(out[i]) * Double(w[i]) }
    return s
}
