// What `nmt analyze variance` computes and shows: the Monte Carlo of Fig. 9 for several μ and
// the closed form vs approximation (vs an SMA Monte Carlo) of Fig. 8, as tables and an SVG.
import Foundation
import Optim

public struct VarianceStudy: Sendable {
    public struct Settings: Sendable {
        public var mus: [Double] = [0, 0.001, 0.01, 0.1]
        public var sigma = 1.0
        public var beta2 = 0.999
        public var trajectories = 5000
        public var iterations = 6000
        public var rhos: [Int] = [5, 6, 8, 10, 15, 20, 50, 100, 200, 500]
        public var smaSamples = 20000
        public var seed: UInt64 = 1
        public init() {}

        public func validate() throws {
            func check(_ ok: Bool, _ m: String) throws { if !ok { throw OptimError.invalidSetting(m) } }
            try check(!mus.isEmpty && mus.allSatisfy(\.isFinite), "--mu needs at least one finite mean")
            try check(sigma > 0, "--sigma must be positive, got \(sigma)")
            try check(beta2 > 0 && beta2 < 1, "--beta2 must be in (0, 1), got \(beta2)")
            try check(trajectories >= 2, "--trajectories must be at least 2, got \(trajectories)")
            try check(iterations >= 1, "--iterations must be at least 1, got \(iterations)")
            try check(smaSamples >= 2, "--sma-samples must be at least 2")
        }
    }

    public struct ClosedFormRow: Sendable {
        public var rho: Int
        public var exact: Double
        public var approximation: Double
        public var monteCarlo: Double
        public var monteCarloStandardError: Double
    }

    public let settings: Settings
    public let trajectories: [AdaptiveRateVariance.Trajectories]
    public let closedForm: [ClosedFormRow]

    public init(_ s: Settings) throws {
        try s.validate()
        settings = s
        trajectories = s.mus.map {
            AdaptiveRateVariance.simulate(mu: $0, sigma: s.sigma, beta2: s.beta2, trajectories: s.trajectories, iterations: s.iterations, seed: s.seed)
        }
        closedForm = s.rhos.map { rho in
            let mc = AdaptiveRateVariance.simulateSMA(rho: rho, sigma: s.sigma, samples: s.smaSamples, seed: s.seed &+ 1)
            return ClosedFormRow(rho: rho, exact: AdaptiveRateVariance.exactVariance(rho: Double(rho), sigma: s.sigma),
                                 approximation: AdaptiveRateVariance.approximateVariance(rho: Double(rho), sigma: s.sigma),
                                 monteCarlo: mc.variance, monteCarloStandardError: mc.varianceStandardError)
        }
    }

    /// The updates shown in the table: 1-2-5 steps, the first rectified one, and the last.
    public var tableUpdates: [Int] {
        var out: Set<Int> = [settings.iterations]
        var scale = 1
        while scale <= settings.iterations {
            for m in [1, 2, 5] where m * scale <= settings.iterations { out.insert(m * scale) }
            scale *= 10
        }
        if let first = (1...settings.iterations).first(where: { RAdamDegenerate.sgd.rectifies(rhoT: RAdam.rho(beta2: settings.beta2, step: $0).t, threshold: 5) }) {
            out.insert(first)
        }
        return out.sorted()
    }

    /// Header and rows of the Fig. 9 table (Var[ψt] and Var[rt·ψt] per μ), numbers formatted.
    public func trajectoryTable() -> (header: [String], rows: [[String]]) {
        var header = ["update t", "rho_t"]
        for mu in settings.mus { header += ["Var[psi] mu=\(mu)", "Var[r*psi] mu=\(mu)"] }
        let rows = tableUpdates.map { t -> [String] in
            var row = [String(t), Self.format(RAdam.rho(beta2: settings.beta2, step: t).t)]
            for tr in trajectories {
                row.append(AdaptiveRateVariance.varianceExists(update: t) ? Self.format(tr.adam[t - 1].variance) : "infinite")
                row.append(tr.rectified[t - 1].n > 1 ? Self.format(tr.rectified[t - 1].variance) : "—")
            }
            return row
        }
        return (header, rows)
    }

    public func closedFormTable() -> (header: [String], rows: [[String]]) {
        (["rho", "exact Var[psi]", "approximation", "approx/exact", "SMA Monte Carlo", "± s.e.", "(MC-exact)/s.e."],
         closedForm.map { r in
            [String(r.rho), Self.format(r.exact), Self.format(r.approximation), String(format: "%.3f", r.approximation / r.exact),
             Self.format(r.monteCarlo), Self.format(r.monteCarloStandardError),
             String(format: "%.2f", (r.monteCarlo - r.exact) / r.monteCarloStandardError)]
         })
    }

    public func svg() -> String {
        // Every update up to 100 (the early stage, and the axis is logarithmic), then ~500 more.
        let step = max(1, settings.iterations / 500)
        let ts = Array(1...min(100, settings.iterations)) + Array(stride(from: 100 + step, through: settings.iterations, by: step))
        var left: [SVGPlot.Series] = []
        for tr in trajectories {
            // Var[ψ1] and Var[ψ2] are infinite: not drawn.
            left.append(.init(name: "Adam ψ_t, μ = \(tr.mu)", points: ts.filter(AdaptiveRateVariance.varianceExists).map { (Double($0), tr.adam[$0 - 1].variance) }))
            left.append(.init(name: "RAdam r_t·ψ_t, μ = \(tr.mu)", points: ts.compactMap { tr.rectified[$0 - 1].n > 1 ? (Double($0), tr.rectified[$0 - 1].variance) : nil },
                              dashed: true))
        }
        let fig9 = SVGPlot(title: "variance of the adaptive rate, g ~ N(μ, \(settings.sigma)²), β2 = \(settings.beta2)",
                           xLabel: "update t (log scale)", yLabel: "variance over \(settings.trajectories) runs (log scale)", logX: true, logY: true)
        let fig8 = SVGPlot(title: "Var[ψ] for an SMA of ρ gradients", xLabel: "ρ (log scale)", yLabel: "Var[ψ] (log scale)", logX: true, logY: true)
        let right: [SVGPlot.Series] = [
            .init(name: "exact", points: closedForm.map { (Double($0.rho), $0.exact) }),
            .init(name: "approximation", points: closedForm.map { (Double($0.rho), $0.approximation) }, dashed: true),
            .init(name: "Monte Carlo", points: closedForm.map { (Double($0.rho), $0.monteCarlo) }, dashed: true),
        ]
        var a = fig9, b = fig8
        a.width = 720
        b.width = 560
        return SVGPlot.document([(a, left), (b, right)])
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "—" : "inf" }
        return abs(x) >= 1e4 || (abs(x) < 1e-3 && x != 0) ? String(format: "%.3e", x) : String(format: "%.4f", x)
    }
}
