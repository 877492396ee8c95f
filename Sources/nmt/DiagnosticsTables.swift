import Application
import Foundation
import Store

/// `nmt show NAME --diagnostics`: per parameter group, a few updates (1-2-5 milestones) with
/// the adaptive rate ψ's mean, coefficient of variation and 1/50/99th percentiles, rt·ψ's
/// mean for RAdam, the gradient norm and the update norms; then ωt and rt by update.
enum DiagnosticsTables {
    static func print(store: RunStore, run: String, metrics: [MetricRow], rows: Int) throws {
        let all = try store.diagnostics(run: run)
        guard !all.isEmpty else {
            Swift.print("diagnostics: none recorded (trained with --no-diagnostics, or by an nmt older than them)")
            return
        }
        let updates = Array(Set(all.map(\.update))).sorted()
        let shown = Set(pick(updates, count: rows))
        var groups: [String] = []
        for r in all where !groups.contains(r.group) { groups.append(r.group) }
        Swift.print("diagnostics: \(updates.count) updates × \(groups.count) groups; psi = sqrt(1-b2^t)/(sqrt(v)+eps)")
        for g in groups {
            let series = all.filter { $0.group == g && shown.contains($0.update) }
            Swift.print("\n\(g) (\(series.first?.coordinates ?? 0) coordinates)")
            var table = TextTable(["update", "psi mean", "psi cv", "psi p1", "psi p50", "psi p99", "r*psi mean", "|g|", "|dθ|", "|dθ|/|θ|"])
            for r in series {
                table.add([String(r.update), g4(r.psiMean), g4(r.psiCV), g4(r.psiP01), g4(r.psiP50), g4(r.psiP99),
                           g4(zip(r.rectification, r.psiMean).map { $0 * $1 }), g4(r.gradientNorm), g4(r.updateNorm), g4(r.relativeUpdate)])
            }
            Swift.print(table.render())
        }
        var schedule = TextTable(["update", "lr", "warmup factor ω_t", "ρ_t", "r_t"])
        for m in metrics where shown.contains(m.update) {
            schedule.add([String(m.update), scientific(m.learningRate), cell(m.warmupFactor), cell(m.rho), cell(m.r)])
        }
        if !schedule.rows.isEmpty { Swift.print("\nschedule"); Swift.print(schedule.render()) }
        let histograms = try store.gradientHistograms(run: run)
        if !histograms.isEmpty {
            Swift.print("\n|g| histograms recorded at updates \(Array(Set(histograms.map(\.update))).sorted().map(String.init).joined(separator: ", ")) (gradient_histograms table)")
        }
    }

    /// Up to `count` updates: half on the 1-2-5 milestones (the early stage the paper is
    /// about), the rest evenly spaced to the last update.
    static func pick(_ updates: [Int], count: Int) -> [Int] {
        guard updates.count > count, count >= 2, let last = updates.last else { return updates }
        var picked = Set<Int>()
        var scale = 1
        outer: while scale <= last {
            for m in [1, 2, 5] {
                if picked.count >= count / 2 { break outer }
                if let u = updates.first(where: { $0 >= m * scale }) { picked.insert(u) }
            }
            scale *= 10
        }
        let rest = count - picked.count
        for k in 1...max(1, rest) { picked.insert(updates[(updates.count - 1) * k / max(1, rest)]) }
        return picked.sorted()
    }
}

/// Four significant digits: the diagnostics span many orders of magnitude.
private func g4(_ x: Double?) -> String {
    guard let x else { return "—" }
    return String(format: "%.4g", x)
}

private func zip(_ a: Double?, _ b: Double?) -> (Double, Double)? {
    guard let a, let b else { return nil }
    return (a, b)
}
