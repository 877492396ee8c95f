import Analysis
import Foundation
import Optim
import Store
import Training

/// The report's plots, each an inline `<svg>` built from what the study stored.
struct StudyFigures {
    let store: RunStore
    let results: StudyResults
    var settings: StudySettings { results.settings }

    /// Runs of an arm at a learning rate that trained (any seed).
    func runs(_ arm: StudyArm, lr: Double) -> [StudyRunResult] {
        results.runs.filter { $0.arm == arm.name && $0.lr == lr && $0.status != "missing" }
    }

    /// The middle learning rate of the sweep: where per-arm detail plots are drawn.
    var focusLR: Double { let l = settings.lrs.sorted(); return l[l.count / 2] }

    /// Mean training loss over seeds per logged update, with the min–max band.
    func lossSeries(_ arm: StudyArm, lr: Double, upTo: Int) throws -> SVGPlot.Series {
        var byUpdate: [Int: [Double]] = [:]
        for r in runs(arm, lr: lr) {
            for m in try store.metrics(run: r.run) where m.update <= upTo && m.trainLoss.isFinite { byUpdate[m.update, default: []].append(m.trainLoss) }
        }
        let updates = byUpdate.keys.sorted()
        let points = updates.map { u in (x: Double(u), y: byUpdate[u]!.reduce(0, +) / Double(byUpdate[u]!.count)) }
        let band = updates.map { u in (x: Double(u), low: byUpdate[u]!.min()!, high: byUpdate[u]!.max()!) }
        return SVGPlot.Series(name: arm.name, points: points, band: band)
    }

    /// Training loss of every arm at each learning rate, one panel per lr on one shared y axis
    /// (small multiples of one quantity), and a zoom on the start at `zoomLR`.
    func lossCurves(upTo: Int, zoom: Int, zoomLR: Double) throws -> [(file: String, svg: String)] {
        let panels = try settings.lrs.map { lr in (lr, try settings.arms.map { try lossSeries($0, lr: lr, upTo: upTo) }) }
        let shared = SVGPlot.range(of: panels.map(\.1), log: false, yAxis: true)
        var out: [(file: String, svg: String)] = []
        for (lr, series) in panels {
            var plot = SVGPlot(title: "training loss, η = \(lr) (mean, band: min–max over seeds)", xLabel: "update",
                               yLabel: "training loss (nats/token, label-smoothed)")
            plot.width = 1200; plot.height = 420
            plot.yRange = shared
            out.append(("loss-lr\(lr).svg", plot.render(series)))
        }
        var plot = SVGPlot(title: "the first \(zoom) updates, η = \(zoomLR)", xLabel: "update", yLabel: "training loss (nats/token, label-smoothed)")
        plot.width = 1200; plot.height = 420
        out.append(("loss-start-lr\(zoomLR).svg", plot.render(try settings.arms.map { try lossSeries($0, lr: zoomLR, upTo: zoom) })))
        return out
    }

    /// η_t·r_t·ψ over the coordinates of one parameter group (median, p1–p99 band), seed 1:
    /// one panel per arm on shared axes.
    func adaptiveRates(group: String) throws -> [(file: String, svg: String)] {
        let arms = settings.arms.filter { !$0.sourceBlind }
        let panels = try arms.map { try adaptiveRateSeries($0, group: group) }
        let sharedY = SVGPlot.range(of: panels.map { [$0] }, log: true, yAxis: true)
        let sharedX = SVGPlot.range(of: panels.map { [$0] }, log: true, yAxis: false)
        return zip(arms, panels).map { arm, series in
            var plot = SVGPlot(title: "\(arm.name)", xLabel: "update t (log scale)", yLabel: "η_t·r_t·ψ (p1, p50, p99)", logX: true, logY: true)
            plot.width = 400; plot.height = 280
            plot.legend = false
            plot.yRange = sharedY
            plot.xRange = sharedX
            return ("adaptive-rate-\(arm.name).svg", plot.render([series]))
        }
    }

    func adaptiveRateSeries(_ arm: StudyArm, group: String) throws -> SVGPlot.Series {
        guard let run = runs(arm, lr: focusLR).min(by: { $0.seed < $1.seed }) else { return SVGPlot.Series(name: "median", points: []) }
        let schedule = arm.configure(settings, lr: focusLR).schedule
        var points: [(x: Double, y: Double)] = [], band: [(x: Double, low: Double, high: Double)] = []
        for d in try store.diagnostics(run: run.run) where d.group == group {
            guard let p50 = d.psiP50, let p01 = d.psiP01, let p99 = d.psiP99 else { continue }
            // RAdam's un-rectified updates take no adaptive step: nothing to draw there.
            if arm.optimizer == .radam, d.rectification == nil { continue }
            let scale = schedule.learningRate(update: d.update) * (d.rectification ?? 1)
            points.append((Double(d.update), p50 * scale))
            band.append((Double(d.update), p01 * scale, p99 * scale))
        }
        return SVGPlot.Series(name: "median", points: points, band: band, markers: true)
    }

    /// The group whose adaptive rate section 2 shows: the first decoder feed-forward block if
    /// the model has one, else the largest group.
    func focusGroup() throws -> String? {
        guard let run = results.runs.first(where: { $0.status != "missing" }) else { return nil }
        let rows = try store.diagnostics(run: run.run)
        if rows.contains(where: { $0.group == "decoder.layers.0.ffn" }) { return "decoder.layers.0.ffn" }
        return rows.max { $0.coordinates < $1.coordinates }?.group
    }

    /// |g| histograms (all groups summed, fraction per bin) at each recorded update.
    func histograms(_ arm: StudyArm) throws -> String {
        var plot = SVGPlot(title: "\(arm.name): |gradient| at recorded updates", xLabel: "|g| (log scale)", yLabel: "fraction of coordinates", logX: true)
        plot.width = 410; plot.height = 300
        guard let run = runs(arm, lr: focusLR).min(by: { $0.seed < $1.seed }) else { return plot.render([]) }
        var byUpdate: [Int: [Int]] = [:]
        for h in try store.gradientHistograms(run: run.run) {
            var sum = byUpdate[h.update] ?? [Int](repeating: 0, count: h.counts.count)
            for (i, c) in h.counts.enumerated() where i < sum.count { sum[i] += c }
            byUpdate[h.update] = sum
        }
        let edges = GradientHistogram.edges
        let chosen = Self.spread(byUpdate.keys.sorted(), count: 5)
        let series = chosen.map { u -> SVGPlot.Series in
            let counts = byUpdate[u]!
            let total = Double(counts.reduce(0, +))
            // Interior bins only (the first holds exact zeros and underflow, the last overflow).
            let points = (1..<min(counts.count - 1, edges.count)).map { k in (x: (edges[k - 1] * edges[k]).squareRoot(), y: Double(counts[k]) / max(total, 1)) }
            return SVGPlot.Series(name: "update \(u)", points: points)
        }
        // The axis spans the bins any of the chosen updates filled (one empty bin either side).
        let filled = series.flatMap { $0.points.enumerated().filter { $0.element.y > 0 }.map(\.offset) }
        guard let lo = filled.min(), let hi = filled.max() else { return plot.render(series) }
        let range = max(0, lo - 1)...min(edges.count - 2, hi + 1)
        return plot.render(series.map { var s = $0; s.points = Array(s.points[range]); return s })
    }

    static func spread(_ values: [Int], count: Int) -> [Int] {
        guard values.count > count else { return values }
        return (0..<count).map { values[Int((Double($0) * Double(values.count - 1) / Double(count - 1)).rounded())] }
    }

    /// Test BLEU (averaged checkpoint) or final valid loss against the learning rate, per arm
    /// (mean ± std over the seeds that trained); a cross where a seed of the arm diverged or
    /// failed, at the top of the axis; for the loss, the source-blind control's line.
    func versusLR(_ metric: KeyPath<StudyCellSummary, SeedStatistic?>, yLabel: String, title: String, controlLine: Bool) -> String {
        var plot = SVGPlot(title: title, xLabel: "peak learning rate η (log scale)", yLabel: yLabel, logX: true)
        plot.width = 1200; plot.height = 460
        plot.xTicks = settings.lrs
        let arms = settings.arms.filter { !$0.sourceBlind }
        var series = arms.map { arm -> SVGPlot.Series in
            let cells = results.cells.filter { $0.arm == arm.name }.sorted { $0.lr < $1.lr }
            let points = cells.compactMap { c in c[keyPath: metric].map { (x: c.lr, y: $0.mean) } }
            // Loss and BLEU are never negative: the band stops at 0.
            let band = cells.compactMap { c in c[keyPath: metric].map { (x: c.lr, low: max(0, $0.mean - $0.std), high: $0.mean + $0.std) } }
            return SVGPlot.Series(name: arm.name, points: points, band: band, markers: true)
        }
        let top = SVGPlot.range(of: [series], log: false, yAxis: true)?.upperBound ?? 1
        let failures = results.cells.filter { c in c.diverged + c.failed > 0 && arms.contains { $0.name == c.arm } }
        if !failures.isEmpty {
            series.append(SVGPlot.Series(name: "a seed diverged or failed", points: failures.map { (x: $0.lr, y: top) }, marker: .cross))
        }
        if controlLine, let control = results.controlLoss { plot.horizontalLines = [(control, "source-blind control (failure line)")] }
        return plot.render(series)
    }

    /// The seed-level differences with the baseline on the primary endpoint, with their intervals.
    func forest() -> String? {
        let rows = results.cells.compactMap { c -> SVGForestPlot.Row? in
            guard let comparison = c.lossVsBaseline, let s = comparison.statistics else { return nil }
            return SVGForestPlot.Row(label: "\(c.arm), η = \(c.lr)", estimate: s.mean, low: s.intervalLow, high: s.intervalHigh,
                                     note: "\(comparison.description) (\(s.n) seeds)")
        }
        guard !rows.isEmpty else { return nil }
        let design = settings.design ?? StudyDesign()
        var plot = SVGForestPlot(title: "final validation loss: arm − \(settings.baseline ?? "baseline"), paired by seed (\(Int((design.confidence * 100).rounded()))% t intervals)",
                                 xLabel: "difference in nats/token (negative: the arm is better)", margin: design.lossMargin)
        plot.width = 1200
        return plot.render(rows)
    }

    /// Each arm at each learning rate: every seed trained, some failed, some diverged; the
    /// band shows where the largest stable rate's limit lies.
    func stability() -> String {
        let lrs = settings.lrs.sorted()
        var grid = SVGDotGrid(title: "largest stable learning rate per arm", xLabel: "peak learning rate η (log scale)", columns: lrs,
                              legend: [(.filled, "every seed trained"), (.open, "a seed failed (no better than the control)"),
                                       (.cross, "a seed diverged"), (.none, "not run yet")])
        grid.width = 1200
        let rows = results.stableLearningRates.map { s -> SVGDotGrid.Row in
            let marks = lrs.map { lr -> SVGDotGrid.Mark in
                guard let c = results.cells.first(where: { $0.arm == s.arm && $0.lr == lr }), c.hasDoneRuns || c.failed > 0 else { return .none }
                return c.diverged > 0 ? .cross : c.failed > 0 ? .open : .filled
            }
            let bracket = s.largest.map { l in (from: l, to: s.next ?? l * 1.4) }
            return SVGDotGrid.Row(label: s.arm, marks: marks, notes: lrs.map { _ in "" }, bracket: bracket)
        }
        return grid.render(rows)
    }

    /// RAdam's rt against the warmup factors ωt of adam-warmup and adam-untuned (Ma & Yarats).
    func rectificationVersusWarmup() throws -> String {
        let horizon = min(settings.maxUpdate, max(4 * Int(2 / (1 - settings.beta2)), 2 * settings.longestWarmup))
        var plot = SVGPlot(title: "RAdam's rectification r_t and the warmup factors ω_t (β2 = \(settings.beta2))", xLabel: "update", yLabel: "multiplier of the learning rate")
        plot.width = 1200; plot.height = 440
        var series: [SVGPlot.Series] = []
        var rt: [(x: Double, y: Double)] = []
        for t in 1...horizon {
            let rho = RAdam.rho(beta2: settings.beta2, step: t)
            rt.append((Double(t), rho.t > 5 ? RAdam.rectification(rhoInfinity: rho.infinity, rhoT: rho.t) : 0))
        }
        series.append(SVGPlot.Series(name: "RAdam r_t", points: rt))
        for arm in settings.arms where arm.hasWarmup && !arm.sourceBlind && !arm.preNorm {
            let schedule = arm.configure(settings, lr: focusLR).schedule
            series.append(SVGPlot.Series(name: "\(arm.name) ω_t", points: (1...horizon).map { (Double($0), schedule.warmupFactor(update: $0)) }, dashed: true))
        }
        // What the runs recorded: r_t of a RAdam run's logged updates, as dots on the curve.
        if let radam = settings.arms.first(where: { $0.optimizer == .radam }), let run = runs(radam, lr: focusLR).first {
            let logged = try store.metrics(run: run.run).filter { $0.update <= horizon }.compactMap { m in m.r.map { (x: Double(m.update), y: $0) } }
            series.append(SVGPlot.Series(name: "r_t logged (\(radam.name))", points: logged, markers: true))
        }
        return plot.render(series)
    }

    /// The adaptive rate's variance over gradient noise as the runs measured it (mean over
    /// seeds of the whole model's Var_k[ψ] and of the effective rate's (ηt·rt)²·Var_k[ψ]),
    /// per arm at one learning rate; nil when the study measured none.
    func gradientNoise(lr: Double) throws -> (raw: String, effective: String)? {
        guard !settings.gradientNoiseAt.isEmpty else { return nil }
        var raw = SVGPlot(title: "Var[ψ_t] over gradient noise, lr \(lr)", xLabel: "update t (log scale)", yLabel: "Var_k[ψ] (mean over coordinates)",
                          logX: true, logY: true)
        var effective = SVGPlot(title: "effective rate η_t·r_t·ψ: its variance, lr \(lr)", xLabel: "update t (log scale)",
                                yLabel: "(η_t r_t)² Var_k[ψ]", logX: true, logY: true)
        raw.width = 600; raw.height = 380; effective.width = 600; effective.height = 380
        raw.xTicks = settings.gradientNoiseAt.map(Double.init); effective.xTicks = raw.xTicks
        var rawSeries: [SVGPlot.Series] = [], effectiveSeries: [SVGPlot.Series] = []
        for arm in settings.arms where !arm.sourceBlind && arm.optimizer != .sgd {
            var byUpdate: [Int: [(raw: Double, effective: Double?)]] = [:]
            for run in runs(arm, lr: lr) {
                let rows = try store.gradientNoise(run: run.run)
                for update in Set(rows.map(\.update)) {
                    let w = GradientNoiseSummary.whole(rows.filter { $0.update == update })
                    let scale = w.adaptive ? w.learningRate * (w.rectification ?? 1) : nil
                    byUpdate[update, default: []].append((w.psiVarianceMean, scale.map { $0 * $0 * w.psiVarianceMean }))
                }
            }
            let updates = byUpdate.keys.sorted()
            func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
            rawSeries.append(SVGPlot.Series(name: arm.name, points: updates.map { (Double($0), mean(byUpdate[$0]!.map(\.raw))) }, markers: true))
            effectiveSeries.append(SVGPlot.Series(name: arm.name, points: updates.compactMap { u in
                let e = byUpdate[u]!.compactMap(\.effective)
                return e.isEmpty ? nil : (Double(u), mean(e))
            }, markers: true))
        }
        return (raw.render(rawSeries), effective.render(effectiveSeries))
    }

    /// `nmt analyze variance` at the study's β2 (paper Fig. 8 and 9), as one SVG document.
    func simulatedVariance() throws -> String {
        var s = VarianceStudy.Settings()
        s.beta2 = settings.beta2
        s.iterations = max(settings.maxUpdate, 200)
        s.trajectories = 2000
        s.smaSamples = 5000
        return try VarianceStudy(s).svg().replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", with: "")
    }
}
