/// SGD with heavy-ball momentum, as torch.optim.SGD (dampening 0, no Nesterov), for reference.
/// Weight decay here is the classic L2 term added to the gradient, as in torch's SGD.
///
///     g ← g + λθ;   b ← g (first step) or μ·b + g;   θ ← θ − η·b
public struct SGD: Optimizer {
    public let config: OptimizerConfig
    var state: MomentState

    public var step: Int { state.step }
    public var momentumBuffer: [Float] { state.moment(0) }

    public init(config: OptimizerConfig, parameterCount: Int) {
        self.config = config
        self.state = MomentState(kind: .sgd, parameterCount: parameterCount, momentCount: 1)
    }

    init(config: OptimizerConfig, state: MomentState) {
        self.config = config
        self.state = state
    }

    public mutating func update(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, lr: Double) -> StepReport {
        precondition(parameters.count == gradients.count && parameters.count == state.parameterCount, "SGD: buffer sizes differ")
        state.step += 1
        let first = state.step == 1
        let wd = Float(config.weightDecay), mu = Float(config.momentum), negLR = Float(-lr)
        let p = parameters.baseAddress!, g = gradients.baseAddress!
        state.moments.withUnsafeMutableBufferPointer { bBuf in
            let b = bBuf.baseAddress!
            forEachChunk(count: parameters.count) { range in
                for i in range {
                    var gi = g[i]
                    if wd != 0 { gi = gi.addingProduct(wd, p[i]) }  // torch's add(alpha:) is fused
                    if mu != 0 {
                        b[i] = first ? gi : b[i] * mu + gi
                        gi = b[i]
                    }
                    p[i] = p[i].addingProduct(negLR, gi)
                }
            }
        }
        return StepReport(step: state.step, rhoT: nil, rectification: nil, adaptive: false)
    }

    public func serialized() -> [UInt8] { state.encode() }
}
