import Foundation
import Store

/// A table of the study's results as cells of text: modelled once here, rendered as text by
/// `nmt study show` and as HTML by the report (`--format json` writes `StudyResults` itself).
public struct StudyTable: Sendable {
    public var title: String
    public var headers: [String]
    public var rows: [[String]]
}

extension StudyResults {
    /// The settings in one paragraph.
    public var headline: String {
        let s = settings
        let done = runs.filter(\.isDone).count
        return "study \(study): \(s.arms.count) arms × \(s.lrs.count) lrs × \(s.seeds.count) seeds = \(runs.count) runs (\(done) done); "
            + "\(s.preset) (d \(s.model.modelDimension), \(s.model.encoderLayers)+\(s.model.decoderLayers) layers), \(s.maxUpdate) updates, "
            + "batches of \(s.trainer.maxTokens) tokens, betas \(s.beta1),\(s.beta2), ε \(s.eps) (\((s.epsPlacement ?? .torch).rawValue)), "
            + "weight decay \(s.weightDecay), linear decay (\(s.lrConvention.rawValue) steps); test: beam \(s.beam)"
            + (s.testLines.map { ", first \($0) sentences" } ?? "") + (s.baseline.map { "; baseline \($0)" } ?? "")
    }

    /// The design as planned (nil for a study planned before designs were stored).
    public var designLines: [String]? { settings.design?.lines }

    /// Each arm: what it is.
    public var armsTable: StudyTable {
        StudyTable(title: "arms", headers: ["arm", "what it is"], rows: settings.arms.map { [$0.name + ($0.name == settings.baseline ? " (baseline)" : ""), $0.summary] })
    }

    /// Per arm × lr: mean ± std over seeds of every endpoint, and what went wrong.
    public var cellsTable: StudyTable {
        func pm(_ x: SeedStatistic?, _ d: Int) -> String { x?.formatted(d) ?? "-" }
        var rows: [[String]] = []
        for c in cells {
            let reached = c.updatesToThreshold.map { pm($0, 0) + (c.reachedThreshold < c.runs ? " (\(c.reachedThreshold)/\(c.runs))" : "") }
                ?? (c.hasDoneRuns ? "never" : "-")
            rows.append([String(c.lr), c.arm, "\(c.finished)/\(c.runs)", pm(c.finalValidLoss, 3), pm(c.bestValidLoss, 3), pm(c.bleuAverage, 2),
                         pm(c.chrFAverage, 2), reached, String(c.diverged), String(c.failed)])
        }
        return StudyTable(title: "per arm and learning rate (mean ± std over seeds)",
                          headers: ["lr", "arm", "runs", "final valid loss", "best valid loss", "BLEU avg", "chrF avg", "updates to thr.", "diverged", "failed"],
                          rows: rows)
    }

    /// Every comparison with the baseline: the seed-level difference, its interval, the
    /// Holm-adjusted p-value, TOST and the verdict.
    public var comparisonsTable: StudyTable {
        var rows: [[String]] = []
        func p(_ x: Double?) -> String { x.map { $0 < 0.001 ? String(format: "%.1e", $0) : String(format: "%.3f", $0) } ?? "-" }
        for c in cells {
            for (comparison, digits) in [(c.lossVsBaseline, 3), (c.bleuVsBaseline, 2)] {
                guard let comparison else { continue }
                let s = comparison.statistics
                let difference = s.map { String(format: "%+.\(digits)f [%+.\(digits)f, %+.\(digits)f]", $0.mean, $0.intervalLow, $0.intervalHigh) } ?? "-"
                rows.append([String(c.lr), c.arm, comparison.endpoint, String(comparison.seeds.count), difference, p(s?.pValue), p(comparison.adjustedPValue),
                             p(comparison.adjustedEquivalencePValue), comparison.description])
            }
        }
        let level = Int(((settings.design ?? StudyDesign()).confidence * 100).rounded())
        return StudyTable(title: "against the baseline (\(settings.baseline ?? "none")), paired by seed",
                          headers: ["lr", "arm", "endpoint", "seeds", "difference [\(level)% CI]", "p", "p Holm", "TOST p Holm", "verdict"], rows: rows)
    }

    /// The largest stable learning rate of each arm.
    public var stabilityTable: StudyTable {
        StudyTable(title: "largest stable learning rate (every seed finished, none diverged or failed)", headers: ["arm", "largest stable lr", "limit lies in"],
                   rows: stableLearningRates.map { s in
                       let limit: String
                       if let largest = s.largest { limit = s.next.map { "[\(largest), \($0))" } ?? "≥ \(largest) (top of the grid)" }
                       else { limit = "< \(settings.lrs.min() ?? 0) (bottom of the grid)" }
                       return [s.arm, s.largest.map { String($0) } ?? "none", limit + (s.complete ? "" : " (so far)")]
                   })
    }

    /// sacreBLEU's per-seed paired bootstrap against the baseline (secondary).
    public var bootstrapTable: StudyTable {
        var rows: [[String]] = []
        for c in cells {
            guard let tests = c.pairedVsBaseline, !tests.isEmpty else { continue }
            rows.append([String(c.lr), c.arm, tests.map { t in
                String(format: "s%llu %+.2f ", t.seed, t.bleu - t.baselineBLEU) + (t.pValue.map { String(format: "p=%.3f", $0) } ?? "identical")
            }.joined(separator: "; ")])
        }
        return StudyTable(title: "per-seed paired bootstrap of test BLEU against the baseline (secondary)", headers: ["lr", "arm", "ΔBLEU and p per seed"], rows: rows)
    }

    /// The tables `show` and the report print, in order.
    public var tables: [StudyTable] { [armsTable, cellsTable, comparisonsTable, stabilityTable, bootstrapTable] }
}

/// `nmt study show --storage`: what each run of a study takes in the database file (its
/// share of each table's pages, by rows), and the file itself.
public enum StudyStorage {
    public static func table(store: RunStore, study: String) throws -> StudyTable {
        var rows: [[String]] = []
        var total = 0
        for member in try store.studyRuns(study: study) {
            let bytes = try store.storedBytes(run: member.run)
            total += bytes
            rows.append([member.run, String(format: "%.1f kB", Double(bytes) / 1000)])
        }
        let file = try store.fileBytes()
        rows.append(["all \(rows.count) runs", String(format: "%.1f kB", Double(total) / 1000)])
        rows.append(["the database file", String(format: "%.1f kB", Double(file) / 1000)])
        return StudyTable(title: "storage (each run's share of the pages of the tables it has rows in)", headers: ["run", "bytes"], rows: rows)
    }
}
