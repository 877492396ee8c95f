/// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction and, when `weightDecay` > 0,
/// decoupled weight decay (Loshchilov & Hutter 2019; what fairseq's Adam and torch's AdamW do):
///
///     θ ← θ·(1 − η·λ)
///     m ← β1·m + (1 − β1)·g            (torch: m.lerp_(g, 1 − β1))
///     v ← β2·v + (1 − β2)·g²
///     θ ← θ − (η / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)      (ε placement .torch)
///     θ ← θ − (η·√(1 − β2^t) / (1 − β1^t)) · m / (√v + ε)         (ε placement .inside:
///                                                   fairseq's Adam and the authors' adam2.py)
///
/// With `adamFreeze` = N (Adam-2k, the authors' adam2.py), updates 1…N only accumulate
/// v ← β2·v + (1 − β2)·g²: θ, m and the weight decay are untouched, t still counts. At update
/// N+1 the first moment starts from zero while its bias correction 1 − β1^(N+1) is already ≈ 1,
/// so the first moving steps are about (1 − β1) = 10× smaller than Adam's first step (m̂ ≈ g
/// there) and grow to full size over ~1/(1 − β1) updates: adam2.py does exactly this, and so
/// does nmt. adam2.py adds ε to √v before the √(1 − β2^t) step-size factor (`.inside`), torch
/// after: the two differ whenever √v is not far above ε (`EpsilonPlacement`), so the authors'
/// trajectories are replayed with `.inside` (Tests/OptimTests, gradients down to 1e-10).
public struct Adam: Optimizer {
    public let config: OptimizerConfig
    var state: MomentState

    public var step: Int { state.step }
    public var firstMoment: [Float] { state.moment(0) }
    public var secondMoment: [Float] { state.moment(1) }

    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        self.state = MomentState(kind: .adam, parameterCount: parameterCount, momentCount: 2)
    }

    init(config: OptimizerConfig, state: MomentState) {
        self.config = config
        self.state = state
    }

    public mutating func update(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, lr: Double) -> StepReport {
        precondition(parameters.count == gradients.count && parameters.count == state.parameterCount, "Adam: buffer sizes differ")
        state.step += 1
        let t = Double(state.step)
        let shared = AdamMoments(config: config, lr: lr)
        let bc1 = 1 - pow(config.beta1, t)
        let bc2SqrtDouble = (1 - pow(config.beta2, t)).squareRoot()
        let inside = config.adamEpsPlacement == .inside
        // .inside folds √(1 − β2^t) into the step size (in Double, as fairseq's Python float).
        let stepSize = Float(-(inside ? lr * bc2SqrtDouble / bc1 : lr / bc1))
        let bc2Sqrt = Float(bc2SqrtDouble)
        let eps = Float(config.eps)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let n = parameters.count
        if state.step <= config.adamFreeze {
            state.moments.withUnsafeMutableBufferPointer { moments in
                let v = moments.baseAddress! + n
                forEachChunk(count: n) { range in
                    for i in range { shared.applySecondMoment(i, v: v, g: g) }
                }
            }
            return StepReport(step: state.step, rhoT: nil, rectification: nil, adaptive: true, movedParameters: false)
        }
        state.moments.withUnsafeMutableBufferPointer { moments in
            let m = moments.baseAddress!, v = m + n
            forEachChunk(count: parameters.count) { range in
                if inside {
                    for i in range {
                        shared.apply(i, p: p, m: m, v: v, g: g)
                        p[i] += stepSize * (m[i] / (v[i].squareRoot() + eps))
                    }
                } else {
                    for i in range {
                        shared.apply(i, p: p, m: m, v: v, g: g)
                        let denom = v[i].squareRoot() / bc2Sqrt + eps
                        p[i] += stepSize * (m[i] / denom)
                    }
                }
            }
        }
        return StepReport(step: state.step, rhoT: nil, rectification: nil, adaptive: true)
    }

    public func serialized() -> [UInt8] { state.encode() }

    public func withSecondMoment<R>(_ body: (SecondMomentView?) -> R) -> R { state.withSecondMoment(config: config, body) }
}

#if canImport(Glibc)
import Glibc
#endif
