import Testing
@testable import Optim

struct RAdamTermsTests {
    @Test func rhoMatchesThePaper() {
        // ρ∞ = 2/(1−β2) − 1; for β2 = 0.999, ρ∞ = 1999 and ρ1 = 1 (every first step is un-adapted).
        let (inf, rho1) = RAdam.rho(beta2: 0.999, step: 1)
        #expect(abs(inf - 1999) < 1e-9)
        #expect(abs(rho1 - 1) < 1e-9)
        // ρt grows monotonically towards ρ∞.
        var previous = rho1
        for t in 2...2000 {
            let rho = RAdam.rho(beta2: 0.999, step: t).t
            #expect(rho > previous)
            #expect(rho < inf)
            previous = rho
        }
    }

    @Test func rectificationIsOneAtTheLimitAndZeroAtFour() {
        let inf = 1999.0
        #expect(abs(RAdam.rectification(rhoInfinity: inf, rhoT: inf) - 1) < 1e-12)
        #expect(RAdam.rectification(rhoInfinity: inf, rhoT: 4) == 0)
    }

    /// With threshold 4 (the paper's box) the adaptive phase starts no later than with 5, and
    /// strictly earlier for β2 = 0.999, where ρt crosses 4 at t = 5 and 5 at t = 6.
    @Test func thresholdFourStartsEarlier() {
        func firstAdaptiveStep(threshold: Double) -> Int {
            var config = OptimizerConfig(kind: .radam)
            config.beta2 = 0.999
            config.rhoThreshold = threshold
            var radam = RAdam(config: config, parameterCount: 1)
            var p: [Float] = [1]
            let g: [Float] = [0.5]
            for t in 1...20 {
                let r = g.withUnsafeBufferPointer { gp in p.withUnsafeMutableBufferPointer { radam.update(parameters: $0, gradients: gp, lr: 0.1) } }
                if r.adaptive { return t }
            }
            return -1
        }
        let rho4 = RAdam.rho(beta2: 0.999, step: 4).t, rho5 = RAdam.rho(beta2: 0.999, step: 5).t, rho6 = RAdam.rho(beta2: 0.999, step: 6).t
        #expect(rho4 <= 4 && rho5 > 4 && rho5 <= 5 && rho6 > 5)
        #expect(firstAdaptiveStep(threshold: 4) == 5)
        #expect(firstAdaptiveStep(threshold: 5) == 6)
    }

    @Test func unrectifiedStepIsBiasCorrectedMomentum() {
        // Step 1: m = (1−β1)g, m̂ = g, so θ ← θ − η·g exactly.
        var radam = RAdam(config: OptimizerConfig(kind: .radam), parameterCount: 3)
        var p: [Float] = [1, -2, 3]
        let g: [Float] = [0.5, 0.25, -1]
        let report = g.withUnsafeBufferPointer { gp in p.withUnsafeMutableBufferPointer { radam.update(parameters: $0, gradients: gp, lr: 0.1) } }
        #expect(!report.adaptive)
        #expect(report.rectification == nil)
        for (value, expected) in zip(p, [Float(0.95), -2.025, 3.1]) { #expect(abs(value - expected) < 1e-6) }
    }
}
