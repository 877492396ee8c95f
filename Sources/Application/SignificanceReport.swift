import Metrics

/// Several systems scored against the first (the baseline) with sacreBLEU's paired tests, and
/// the table sacreBLEU prints for them (tabulate's fancy_grid, its header and footer text), so
/// `nmt bleu --paired-bs/--paired-ar` and `nmt compare --split` read like `sacrebleu`.
public struct SignificanceReport {
    public enum Test: Sendable {
        case bootstrap(samples: Int)
        case randomization(trials: Int)
    }

    /// A system's results, per metric in `metrics` order.
    public struct Row {
        public var system: String
        /// The baseline has no p-value.
        public var results: [Resampling.PairedResult]
    }

    public let test: Test
    public let seed: UInt64
    public let metricNames: [String]
    public let signatures: [String]
    public let rows: [Row]

    /// `systems[0]` is the baseline; each entry holds one SegmentStatistics per metric, same order.
    public init(systems: [(name: String, metrics: [SegmentStatistics])], test: Test, seed: UInt64 = Resampling.defaultSeed) {
        precondition(systems.count >= 2 && systems.allSatisfy { $0.metrics.count == systems[0].metrics.count })
        self.test = test
        self.seed = seed
        let baseline = systems[0].metrics
        metricNames = baseline.map(\.name)
        signatures = baseline.map { stats in
            switch test {
            case .bootstrap(let n): return Signature.withResampling(stats.signature, bootstrap: n, randomization: nil, seed: seed)
            case .randomization(let n): return Signature.withResampling(stats.signature, bootstrap: nil, randomization: n, seed: seed)
            }
        }
        var rows: [Row] = []
        switch test {
        case .bootstrap(let n):
            // One seed: every system (and the baseline's own estimate) sees the same resamples,
            // so the indices and the baseline's resampled scores are computed once.
            let indices = Resampling.bootstrapIndices(segments: baseline[0].segments, samples: n, seed: seed)
            let baselineScores = baseline.map { Resampling.resampledScores($0, indices: indices, samples: n) }
            rows.append(Row(system: "Baseline: \(systems[0].name)", results: zip(baseline, baselineScores).map {
                Resampling.PairedResult(score: $0.corpusScore, pValue: .nan, estimate: Resampling.estimate($1))
            }))
            for system in systems.dropFirst() {
                rows.append(Row(system: system.name, results: system.metrics.indices.map { m in
                    Resampling.pairedBootstrap(baselineScores: baselineScores[m], baselineScore: baseline[m].corpusScore,
                                               system: system.metrics[m], indices: indices, samples: n)
                }))
            }
        case .randomization(let n):
            rows.append(Row(system: "Baseline: \(systems[0].name)", results: baseline.map {
                Resampling.PairedResult(score: $0.corpusScore, pValue: .nan, estimate: nil)
            }))
            for system in systems.dropFirst() {
                rows.append(Row(system: system.name, results: zip(baseline, system.metrics).map {
                    Resampling.pairedRandomization(baseline: $0, system: $1, trials: n, seed: seed)
                }))
            }
        }
        self.rows = rows
    }

    var isBootstrap: Bool { if case .bootstrap = test { return true } else { return false } }

    /// sacreBLEU's text report: the table, the test's explanation, the signatures.
    public func text(width: Int) -> String {
        func fixed(_ v: Double) -> String { String(format: "%.\(width)f", v) }
        let headers = ["System"] + metricNames.map { isBootstrap ? "\($0) (μ ± 95% CI)" : $0 }
        let cells: [[[String]]] = rows.enumerated().map { r, row in
            [[row.system]] + row.results.map { result in
                var line = fixed(result.score)
                if let e = result.estimate { line += " (\(fixed(e.mean)) ± \(fixed(e.halfWidth)))" }
                if r == 0 { return [line] }
                let p = "(p = \(String(format: "%.4f", result.pValue)))" + (result.pValue > 0.05 ? "" : "*")
                return [line, p]
            }
        }
        var out = FancyGrid.render(headers: headers, rows: cells) + "\n\n"
        let message: String
        switch test {
        case .bootstrap(let n): message = "Paired bootstrap resampling test with \(n) resampling trials"
        case .randomization(let n): message = "Paired approximate randomization test with \(n) trials"
        }
        let rule = String(repeating: "-", count: message.count)
        out += "\(rule)\n\(message)\n\(rule)\n"
        out += " - Each system is pairwise compared to \(rows[0].system).\n"
        out += isBootstrap ? "   Actual system score / bootstrap estimated true mean / 95% CI are provided for each metric.\n"
                           : "   Actual system score is provided for each metric.\n"
        out += """

         - Null hypothesis: the system and the baseline translations are essentially
           generated by the same underlying process. For a given system and the baseline,
           the p-value is roughly the probability of the absolute score difference (delta)
           or higher occurring due to chance, under the assumption that the null hypothesis is correct.

         - Assuming a significance threshold of 0.05, the null hypothesis can be rejected
           for p-values < 0.05 (marked with "*"). This means that the delta is unlikely to be attributed
           to chance, hence the system is significantly "different" than the baseline.
           Otherwise, the p-values are highlighted in red.

         - NOTE: Significance does not tell whether a system is "better" than the baseline but rather
           emphasizes the "difference" of the systems in terms of the replicability of the delta.

        -----------------
        Metric signatures
        -----------------

        """
        for (name, signature) in zip(metricNames, signatures) {
            out += " - \(name.padding(toLength: max(10, name.count), withPad: " ", startingAt: 0)) \(signature)\n"
        }
        return out
    }
}

/// tabulate's `fancy_grid` with sacreBLEU's alignment: the first column right-aligned, the others
/// centred; a cell may hold several lines; every header is at least two wider than its text.
public enum FancyGrid {
    public static func render(headers: [String], rows: [[[String]]]) -> String {
        let columns = headers.count
        var widths = headers.map { $0.count + 2 }
        for row in rows { for (c, lines) in row.enumerated() { for l in lines { widths[c] = max(widths[c], l.count) } } }
        func align(_ text: String, _ c: Int) -> String {
            let pad = widths[c] - text.count
            if c == 0 { return String(repeating: " ", count: pad) + text }
            let left = pad / 2
            return String(repeating: " ", count: left) + text + String(repeating: " ", count: pad - left)
        }
        func border(_ l: String, _ fill: String, _ m: String, _ r: String) -> String {
            l + widths.map { String(repeating: fill, count: $0 + 2) }.joined(separator: m) + r
        }
        func line(_ cells: [String]) -> String {
            "│ " + (0..<columns).map { align(cells[$0], $0) }.joined(separator: " │ ") + " │"
        }
        var out = [border("╒", "═", "╤", "╕"), line(headers), border("╞", "═", "╪", "╡")]
        for (r, row) in rows.enumerated() {
            let height = row.map(\.count).max() ?? 1
            for k in 0..<height { out.append(line(row.map { k < $0.count ? $0[k] : "" })) }
            out.append(r == rows.count - 1 ? border("╘", "═", "╧", "╛") : border("├", "─", "┼", "┤"))
        }
        return out.joined(separator: "\n")
    }
}
