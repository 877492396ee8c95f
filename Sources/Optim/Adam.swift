/// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction and, when `weightDecay` > 0,
/// decoupled weight decay (Loshchilov & Hutter 2019; what fairseq's Adam and torch's AdamW do):
///
///     θ ← θ·(1 − η·λ)
///     m ← β1·m + (1 − β1)·g            (torch: m.lerp_(g, 1 − β1))
///     v ← β2·v + (1 − β2)·g²
///     θ ← θ − (η / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
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
        let stepSize = Float(-(lr / (1 - pow(config.beta1, t))))
        let bc2Sqrt = Float((1 - pow(config.beta2, t)).squareRoot())
        let eps = Float(config.eps)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        let n = parameters.count
        state.moments.withUnsafeMutableBufferPointer { moments in
            let m = moments.baseAddress!, v = m + n
            forEachChunk(count: parameters.count) { range in
                for i in range {
                    shared.apply(i, p: p, m: m, v: v, g: g)
                    let denom = v[i].squareRoot() / bc2Sqrt + eps
                    p[i] += stepSize * (m[i] / denom)
                }
            }
        }
        return StepReport(step: state.step, rhoT: nil, rectification: nil, adaptive: true)
    }

    public func serialized() -> [UInt8] { state.encode() }
}

#if canImport(Glibc)
import Glibc
#endif
