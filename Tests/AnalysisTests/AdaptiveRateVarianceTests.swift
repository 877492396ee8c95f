import Foundation
import Testing
import Optim
@testable import Analysis

/// `nmt analyze variance`: the closed form, its approximation and the Monte Carlo agree where
/// they should, and the simulation shows the paper's two findings.
struct AdaptiveRateVarianceTests {
    /// The exact variance against a direct computation for ρ = 3: ψ² ~ 3/χ²(3) so
    /// E[ψ²] = 3, E[ψ] = √(3/2)·Γ(1)/Γ(3/2) = √(6/π).
    @Test func exactVarianceMatchesAHandComputedCase() {
        let expected = 3 - 6 / Double.pi
        #expect(abs(AdaptiveRateVariance.exactVariance(rho: 3) - expected) < 1e-12)
        // σ scales the variance by 1/σ²
        #expect(abs(AdaptiveRateVariance.exactVariance(rho: 10, sigma: 2) - AdaptiveRateVariance.exactVariance(rho: 10) / 4) < 1e-12)
        // the approximation is first order: close for large ρ, an overestimate for small ρ
        let large = AdaptiveRateVariance.approximateVariance(rho: 500) / AdaptiveRateVariance.exactVariance(rho: 500)
        #expect(large > 1 && large < 1.01)
        #expect(AdaptiveRateVariance.approximateVariance(rho: 5) > 3 * AdaptiveRateVariance.exactVariance(rho: 5))
    }

    /// The SMA Monte Carlo agrees with the closed form within 4 standard errors for every ρ.
    @Test func monteCarloAgreesWithTheClosedForm() throws {
        var s = VarianceStudy.Settings()
        s.mus = [0]
        s.trajectories = 200
        s.iterations = 50
        s.smaSamples = 20000
        let study = try VarianceStudy(s)
        for row in study.closedForm {
            #expect(abs(row.monteCarlo - row.exact) < 4 * row.monteCarloStandardError, "rho \(row.rho): MC \(row.monteCarlo) vs exact \(row.exact) ± \(row.monteCarloStandardError)")
        }
        // and a wrong closed form (the approximation at small ρ) is far outside that
        let small = study.closedForm.first { $0.rho == 5 }!
        #expect(abs(small.monteCarlo - small.approximation) > 10 * small.monteCarloStandardError)
    }

    /// Fig. 9's findings: Adam's Var[ψt] is orders of magnitude larger in the first updates than
    /// at the end; RAdam's Var[rt·ψt] stays within a factor of a few of its final value once
    /// defined; both tend to the same limit. The EMA approximates an SMA of ρt gradients, so the
    /// closed form at ρt tracks the simulated Var[ψt] for μ = 0 (within 15% past t = 20).
    @Test func theSimulationShowsTheLargeEarlyVarianceAndItsRectification() throws {
        let tr = AdaptiveRateVariance.simulate(mu: 0, beta2: 0.999, trajectories: 2000, iterations: 3000, seed: 3)
        let late = tr.adam[2999].variance
        #expect(tr.adam[1].variance > 1000 * late)
        #expect(tr.adam[9].variance > 100 * late)
        let rectifiedLate = tr.rectified[2999].variance
        for t in [20, 50, 200, 1000] { #expect(tr.rectified[t - 1].variance < 3 * rectifiedLate && tr.rectified[t - 1].variance > rectifiedLate / 3) }
        #expect(abs(late / rectifiedLate - 1) < 0.2)
        for t in [20, 100, 1000] {
            let rho = RAdam.rho(beta2: 0.999, step: t).t
            let ratio = tr.adam[t - 1].variance / AdaptiveRateVariance.exactVariance(rho: rho)
            #expect(abs(ratio - 1) < 0.15, "t \(t): simulated/closed form \(ratio)")
        }
        // The rectified column starts where the trainer rectifies: ρt > 5, update 6 with β2 = 0.999.
        #expect(tr.rectified[4].n == 0 && tr.rectified[5].n == 2000)
    }

    /// Var[ψ1] and Var[ψ2] do not exist (E[1/v] diverges for v a sum of ≤ 2 squared normals):
    /// the table says so instead of printing a sample variance, which only grows with the
    /// number of trajectories; the rectified column starts at RAdam's first rectified update.
    @Test func theTableSaysInfiniteWhereTheVarianceDoesNotExist() throws {
        var s = VarianceStudy.Settings()
        s.mus = [0]
        s.trajectories = 200
        s.iterations = 20
        s.smaSamples = 100
        let table = try VarianceStudy(s).trajectoryTable()
        let row: (Int) -> [String]? = { t in table.rows.first { $0[0] == String(t) } }
        #expect(row(1)?[2] == "infinite" && row(2)?[2] == "infinite")
        #expect(row(5).map { $0[2] != "infinite" } == true)
        #expect(!AdaptiveRateVariance.varianceExists(update: 2) && AdaptiveRateVariance.varianceExists(update: 3))
        // β2 = 0.999: ρ5 ≈ 4.99, so the rectified column is empty up to update 5, filled from 6.
        #expect(row(5)?[3] == "—" && row(6).map { $0[3] != "—" } == true)
    }

    /// Same seed, same numbers, whatever the thread count (each trajectory has its own stream).
    @Test func theSimulationIsDeterministic() {
        let a = AdaptiveRateVariance.simulate(mu: 0.01, trajectories: 300, iterations: 40, seed: 7)
        let b = AdaptiveRateVariance.simulate(mu: 0.01, trajectories: 300, iterations: 40, seed: 7)
        #expect(a.adam.map(\.s2) == b.adam.map(\.s2))
    }

    @Test func theSVGHasBothFiguresWithLabels() throws {
        var s = VarianceStudy.Settings()
        s.mus = [0, 0.1]
        s.trajectories = 50
        s.iterations = 100
        s.smaSamples = 200
        let svg = try VarianceStudy(s).svg()
        // The labels say what is plotted, in the paper's symbols.
        #expect(svg.hasPrefix("<?xml") && svg.contains("update t (log scale)") && svg.contains("ρ (log scale)") && svg.contains("RAdam r_t·ψ_t, μ = 0.1"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 2 * 2 + 3)
        #expect(throws: OptimError.self) { var bad = VarianceStudy.Settings(); bad.beta2 = 1; _ = try VarianceStudy(bad) }
    }
}
