#if canImport(Glibc)
import Glibc
#endif

/// Rectified Adam (Liu et al., ICLR 2020, "On the Variance of the Adaptive Learning Rate and
/// Beyond", Algorithm 2), as torch.optim.RAdam computes it, with decoupled weight decay:
///
///     ρ∞ = 2/(1 − β2) − 1,   ρt = ρ∞ − 2t·β2^t / (1 − β2^t)
///     m̂ = m / (1 − β1^t)
///     if ρt > threshold:  rt = √((ρt−4)(ρt−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρt))
///                         θ ← θ − η · m̂ · √(1 − β2^t)/(√v + ε) · rt
///     else:               θ ← θ − η · m̂            (degenerate = .sgd, torch: un-adapted
///                                                   momentum step, with weight decay)
///                         θ unchanged              (degenerate = .skip, the authors' code:
///                                                   no step, no weight decay)
///
/// m and v accumulate in both modes. The threshold is 5 in the authors' code and torch (4 in
/// the paper's algorithm box); torch rectifies when ρt > 5, the authors' code when ρt ≥ 5
/// (`RAdamDegenerate.rectifies` holds that difference).
public struct RAdam: Optimizer {
    public let config: OptimizerConfig
    var state: MomentState

    public var step: Int { state.step }
    public var firstMoment: [Float] { state.moment(0) }
    public var secondMoment: [Float] { state.moment(1) }

    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        self.state = MomentState(kind: .radam, parameterCount: parameterCount, momentCount: 2)
    }

    init(config: OptimizerConfig, state: MomentState) {
        self.config = config
        self.state = state
    }

    /// ρ∞ and ρt for update `t` (1-based).
    public static func rho(beta2: Double, step t: Int) -> (infinity: Double, t: Double) {
        let rhoInf = 2 / (1 - beta2) - 1
        let b2t = pow(beta2, Double(t))
        return (rhoInf, rhoInf - 2 * Double(t) * b2t / (1 - b2t))
    }

    /// The variance rectification term rt (defined for ρt > 4).
    public static func rectification(rhoInfinity: Double, rhoT: Double) -> Double {
        ((rhoT - 4) * (rhoT - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rhoT)).squareRoot()
    }

    public mutating func update(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, lr: Double) -> StepReport {
        precondition(parameters.count == gradients.count && parameters.count == state.parameterCount, "RAdam: buffer sizes differ")
        state.step += 1
        let t = state.step
        let bc1 = Float(1 - pow(config.beta1, Double(t)))
        let bc2 = 1 - pow(config.beta2, Double(t))
        let (rhoInf, rhoT) = RAdam.rho(beta2: config.beta2, step: t)
        let adaptive = config.radamDegenerate.rectifies(rhoT: rhoT, threshold: config.rhoThreshold)
        let moves = adaptive || config.radamDegenerate == .sgd
        let shared = AdamMoments(config: config, lr: lr, decayParameters: moves)
        let rect = adaptive ? RAdam.rectification(rhoInfinity: rhoInf, rhoT: rhoT) : 1
        let lrF = Float(lr), rectF = Float(rect), bc2Sqrt = Float(bc2.squareRoot()), eps = Float(config.eps)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let n = parameters.count
        state.moments.withUnsafeMutableBufferPointer { moments in
            let m = moments.baseAddress!, v = m + n
            forEachChunk(count: parameters.count) { range in
                for i in range {
                    shared.apply(i, p: p, m: m, v: v, g: g)
                    let corrected = m[i] / bc1
                    if adaptive {
                        let adaptiveLR = bc2Sqrt / (v[i].squareRoot() + eps)
                        p[i] -= corrected * lrF * adaptiveLR * rectF
                    } else if moves {
                        p[i] -= corrected * lrF
                    }
                }
            }
        }
        return StepReport(step: t, rhoT: rhoT, rectification: adaptive ? rect : nil, adaptive: adaptive, movedParameters: moves)
    }

    public func serialized() -> [UInt8] { state.encode() }

    public func withSecondMoment<R>(_ body: (SecondMomentView?) -> R) -> R { state.withSecondMoment(config: config, body) }
}
