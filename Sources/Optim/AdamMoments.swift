/// The part Adam and RAdam share, per element: decoupled weight decay, then the two moment
/// updates in torch's operation order (m.lerp_(g, 1 − β1) is one fused multiply-add).
struct AdamMoments {
    let decay: Float
    let applyDecay: Bool
    let w1: Float
    let beta2: Float
    let w2: Float

    init(config: OptimizerConfig, lr: Double, decayParameters: Bool = true) {
        decay = Float(1 - lr * config.weightDecay)
        applyDecay = decayParameters && config.weightDecay != 0
        w1 = Float(1 - config.beta1)
        beta2 = Float(config.beta2)
        w2 = Float(1 - config.beta2)
    }

    @inline(__always)
    func apply(_ i: Int, p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
               g: UnsafePointer<Float>) {
        let gi = g[i]
        if applyDecay { p[i] *= decay }
        m[i] = m[i].addingProduct(w1, gi - m[i])
        v[i] = v[i] * beta2 + w2 * gi * gi
    }

    /// Adam-2k's frozen updates: the second moment alone.
    @inline(__always)
    func applySecondMoment(_ i: Int, v: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>) {
        let gi = g[i]
        v[i] = v[i] * beta2 + w2 * gi * gi
    }
}
