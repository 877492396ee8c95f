// The paper's simulations of the adaptive learning rate's variance (Liu et al. 2020, §3 and
// appendix), without training: `nmt analyze variance`.
//
// ψt = √((1 − β2^t) / vt), vt = β2·vt−1 + (1 − β2)·gt², is Adam's adaptive rate without ε.
// For gt ~ N(μ, σ²) the paper shows Var[ψt] is huge for small t (Fig. 9) and that RAdam's
// rt·ψt has a variance that stays about constant (the rectification's purpose). For an SMA of
// ρ squared N(0, σ²) gradients ψ² is scaled-inverse-χ²(ρ, 1/σ²), whose variance has a closed
// form; the paper's first-order approximation is ρ/(2(ρ−2)(ρ−4)σ²) (Fig. 8).
#if canImport(Glibc)
import Glibc
#endif
import Optim
import Tensor
import Training
import Transformer
import Parallelism

public enum AdaptiveRateVariance {
    /// Moments of a quantity over trajectories, per update: sums of x, x², x³, x⁴ and the count.
    public struct Moments: Sendable {
        public var n = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0
        public init() {}
        public mutating func add(_ x: Double) { n += 1; s1 += x; let x2 = x * x; s2 += x2; s3 += x2 * x; s4 += x2 * x2 }
        public mutating func merge(_ o: Moments) { n += o.n; s1 += o.s1; s2 += o.s2; s3 += o.s3; s4 += o.s4 }
        public var mean: Double { s1 / n }
        /// Unbiased sample variance.
        public var variance: Double { (s2 - s1 * s1 / n) / (n - 1) }
        /// Standard error of the sample variance: √((m4 − (n−3)/(n−1)·σ⁴)/n), m4 the 4th central moment.
        public var varianceStandardError: Double {
            let m = mean
            let m4 = (s4 - 4 * m * s3 + 6 * m * m * s2 - 3 * n * m * m * m * m) / n
            let v = variance
            return (max(0, m4 - (n - 3) / (n - 1) * v * v) / n).squareRoot()
        }
    }

    public struct Trajectories: Sendable {
        public var mu: Double
        /// Index t − 1: ψt over the trajectories, and rt·ψt where the trainer rectifies (ρt > 5,
        /// RAdam's default threshold; n = 0 before). Var[ψt] exists only from t = 3 (see
        /// `varianceExists`): the sample variance of t = 1, 2 is a number, not an estimate.
        public var adam: [Moments]
        public var rectified: [Moments]
    }

    /// Simulates `trajectories` runs of `iterations` updates with gt ~ N(μ, σ²); deterministic
    /// for a seed and independent of the thread count (trajectory k uses its own stream).
    public static func simulate(mu: Double, sigma: Double = 1, beta2: Double = 0.999, trajectories: Int = 5000,
                                iterations: Int = 6000, seed: UInt64 = 1) -> Trajectories {
        let rho = (1...iterations).map { RAdam.rho(beta2: beta2, step: $0) }
        let rect = rho.map { RAdamDegenerate.sgd.rectifies(rhoT: $0.t, threshold: 5) ? RAdam.rectification(rhoInfinity: $0.infinity, rhoT: $0.t) : Double.nan }
        let workers = Parallel.workerCount(trajectories, minChunk: 64)
        var partial = [[Moments]](repeating: [], count: 2 * workers)
        partial.withUnsafeMutableBufferPointer { out in
            Parallel.forEachWorker(trajectories, minChunk: 64) { w, range in
                var adam = [Moments](repeating: Moments(), count: iterations)
                var rectified = [Moments](repeating: Moments(), count: iterations)
                for k in range {
                    var rng = SplitMix64.stream(seed: seed, UInt64(k))
                    var v = 0.0, b2t = 1.0
                    for t in 0..<iterations {
                        let g = mu + sigma * rng.normal()
                        v = beta2 * v + (1 - beta2) * g * g
                        b2t *= beta2
                        let psi = ((1 - b2t) / v).squareRoot()
                        adam[t].add(psi)
                        if !rect[t].isNaN { rectified[t].add(rect[t] * psi) }
                    }
                }
                out[2 * w] = adam
                out[2 * w + 1] = rectified
            }
        }
        var adam = [Moments](repeating: Moments(), count: iterations), rectified = adam
        for w in 0..<workers where !partial[2 * w].isEmpty {
            for t in 0..<iterations { adam[t].merge(partial[2 * w][t]); rectified[t].merge(partial[2 * w + 1][t]) }
        }
        return Trajectories(mu: mu, adam: adam, rectified: rectified)
    }

    /// Whether Var[ψt] is finite for Gaussian gradients: vt is a positive combination of t
    /// squared normals, whose density near 0 goes like v^(t/2 − 1), so E[ψt²] = E[(1 − β2^t)/vt]
    /// = ∫ v^(t/2 − 2)… diverges for t ≤ 2 (E[1/χ²] needs more than 2 degrees of freedom), for
    /// any mean μ. A simulation's sample variance there grows without bound with the number of
    /// trajectories.
    public static func varianceExists(update t: Int) -> Bool { t >= 3 }

    /// Exact Var[ψ] for ψ² ~ scaled-inverse-χ²(ρ, 1/σ²): E[ψ²] − E[ψ]², with
    /// E[ψ²] = ρ/((ρ−2)σ²) and E[ψ] = √(ρ/2)·Γ((ρ−1)/2)/(Γ(ρ/2)·σ). Defined for ρ > 2.
    public static func exactVariance(rho: Double, sigma: Double = 1) -> Double {
        let meanSquare = rho / ((rho - 2) * sigma * sigma)
        let mean = (rho / 2).squareRoot() * exp(lgamma((rho - 1) / 2) - lgamma(rho / 2)) / sigma
        return meanSquare - mean * mean
    }

    /// The paper's first-order approximation, ρ/(2(ρ−2)(ρ−4)σ²), for ρ > 4.
    public static func approximateVariance(rho: Double, sigma: Double = 1) -> Double {
        rho / (2 * (rho - 2) * (rho - 4) * sigma * sigma)
    }

    /// Monte Carlo of the SMA case: ψ = √(ρ / Σ_{i≤ρ} gi²), gi ~ N(0, σ²), integer ρ.
    public static func simulateSMA(rho: Int, sigma: Double = 1, samples: Int = 20000, seed: UInt64 = 2) -> Moments {
        var rng = SplitMix64.stream(seed: seed, UInt64(rho))
        var m = Moments()
        for _ in 0..<samples {
            var s = 0.0
            for _ in 0..<rho { let g = sigma * rng.normal(); s += g * g }
            m.add((Double(rho) / s).squareRoot())
        }
        return m
    }
}
