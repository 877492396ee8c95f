import Foundation
import Optim
import Statistics
import Store
import Tensor

/// Claim (a) of Liu et al. as the paper means it: the variance of the adaptive learning rate
/// over gradient noise. At fixed parameters θ and second moment v (those of the update about to
/// be taken), K independent mini-batch gradients g⁽ᵏ⁾ each give the adaptive rate the update
/// would use,
///
///     ψᵢ⁽ᵏ⁾ = √(1 − β2^t) / (√(β2·vᵢ + (1 − β2)·(gᵢ⁽ᵏ⁾)²) + ε),
///
/// and its variance over k, per coordinate, is the noise the paper's Fig. 8–9 simulate (at
/// t = 1, v = 0 and ψ = 1/|g|, whose variance over a few degrees of freedom is huge). RAdam's
/// step multiplies ψ by rt once ρt > 5 (and takes no adaptive step before); the effective rate
/// of any arm is ηt·rt·ψ, ηt its schedule's rate (where warmup acts). Summarised per parameter
/// group: the mean of ψ, the mean and median over coordinates of Var_k[ψᵢ], and the median of
/// the squared coefficient of variation Var_k[ψᵢ]/E_k[ψᵢ]² (free of the gradient's scale).
public enum GradientNoise {
    /// The batch indices measured at `update`: K distinct batches, a pure function of the seed
    /// and the update (so a measurement can be repeated exactly).
    public static func batchIndices(count: Int, batches k: Int, seed: UInt64, update: Int) -> [Int] {
        var order = Array(0..<count)
        var rng = SplitMix64.stream(seed: seed ^ 0x6E01_5E00_0000_0000, UInt64(update))
        order.deterministicShuffle(using: &rng)
        return Array(order.prefix(k))
    }

    /// Measures at the trainer's current state, which must be just before `update` (its
    /// `state.update == update − 1`). Uses the model's gradient buffer (the trainer zeroes it
    /// before its next update) and leaves parameters and optimizer untouched.
    public static func measure(trainer: Trainer, update: Int, batches k: Int) throws -> [GradientNoiseRecord] {
        precondition(trainer.state.update == update - 1, "measure before the update it names")
        let model = trainer.model
        let all = trainer.trainBatches.batches
        guard k >= 2 else { throw TrainingError.invalidSetting("gradient noise needs at least 2 batches, got \(k)") }
        guard k <= all.count else {
            throw TrainingError.invalidSetting("gradient noise: \(k) batches asked, the training set has \(all.count)")
        }
        guard let config = (trainer.optimizer as? Adam)?.config ?? (trainer.optimizer as? RAdam)?.config else {
            throw TrainingError.invalidSetting("gradient noise is about Adam's and RAdam's adaptive rate; this run's optimizer has none")
        }
        let beta2 = config.beta2, eps = config.eps
        let lr = trainer.schedule.learningRate(update: update)
        var rectification: Double?
        var adaptive = true
        if config.kind == .radam {
            let rho = RAdam.rho(beta2: beta2, step: update)
            adaptive = config.radamDegenerate.rectifies(rhoT: rho.t, threshold: config.rhoThreshold)
            rectification = adaptive ? RAdam.rectification(rhoInfinity: rho.infinity, rhoT: rho.t) : nil
        }
        let n = model.parameterCount
        // v of update − 1 (zeros before the first update).
        let v: [Float] = trainer.optimizer.withSecondMoment { view in view.map { Array($0.v) } } ?? [Float](repeating: 0, count: n)
        let bc2Sqrt = (1 - pow(beta2, Double(update))).squareRoot()
        // Welford over k, per coordinate, in Double.
        var mean = [Double](repeating: 0, count: n), m2 = [Double](repeating: 0, count: n)
        let indices = batchIndices(count: all.count, batches: k, seed: trainer.settings.seed, update: update)
        for (j, index) in indices.enumerated() {
            model.zeroGradients()
            let batch = all[index].map { trainer.train[$0] }
            // Dropout as in training, with a key of its own per measured batch.
            let sums = try model.forwardBackward(batch, labelSmoothing: trainer.settings.labelSmoothing,
                                                 dropoutKey: dropoutKey(seed: trainer.settings.seed, update: update, batch: j))
            guard sums.tokens > 0 else { continue }
            let scale = 1 / Double(sums.tokens)
            let g = model.gradients
            let count = Double(j + 1)
            for i in 0..<n {
                let gi = Double(g[i]) * scale
                let psi = bc2Sqrt / ((beta2 * Double(v[i]) + (1 - beta2) * gi * gi).squareRoot() + eps)
                let delta = psi - mean[i]
                mean[i] += delta / count
                m2[i] += delta * (psi - mean[i])
            }
        }
        model.zeroGradients()
        return model.parameterGroups.map { group -> GradientNoiseRecord in
            var variances: [Double] = [], cv2: [Double] = []
            var psiSum = 0.0
            variances.reserveCapacity(group.count)
            for range in group.ranges {
                for i in range {
                    let variance = m2[i] / Double(k - 1)
                    variances.append(variance)
                    cv2.append(mean[i] > 0 ? variance / (mean[i] * mean[i]) : 0)
                    psiSum += mean[i]
                }
            }
            let c = Double(max(variances.count, 1))
            return GradientNoiseRecord(update: update, group: group.name, batches: k, learningRate: lr, rectification: rectification,
                                       adaptive: adaptive, coordinates: variances.count, psiMean: psiSum / c,
                                       psiVarianceMean: variances.reduce(0, +) / c, psiVarianceMedian: Median.of(variances), psiCV2Median: Median.of(cv2))
        }
    }

    /// The dropout key of the j-th gradient measured at `update`.
    static func dropoutKey(seed: UInt64, update: Int, batch j: Int) -> UInt64 {
        var rng = SplitMix64.stream(seed: seed ^ 0x6E01_5E00_0000_0000, UInt64(update) << 16 | UInt64(j))
        return rng.next()
    }
}
