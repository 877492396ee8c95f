import Foundation
import Metrics
import Statistics
import Store

/// One run of a study as `nmt study show` reports it.
public struct StudyRunResult: Codable, Sendable {
    public var run: String
    public var arm: String
    public var lr: Double
    public var seed: UInt64
    /// "finished", "diverged", "failed", "running", "interrupted" or "missing".
    public var status: String
    public var updates: Int
    public var bestValidLoss: Double?
    public var bestValidUpdate: Int?
    /// The primary endpoint: the validation loss at the run's last update.
    public var finalValidLoss: Double?
    public var firstTrainLoss: Double?
    public var finalTrainLoss: Double?
    /// The first logged update whose training NLL is at or below the study's threshold.
    public var updatesToThreshold: Int?
    public var bleuLast: Double?
    public var chrFLast: Double?
    public var bleuAverage: Double?
    public var chrFAverage: Double?
    /// Training met a non-finite loss or gradient (a study run stops at the first one; the
    /// first study's runs after 10 in a row), or — in a version-1 study — its final training
    /// loss was above its first.
    public var diverged: Bool
    /// Finished without diverging, but its final validation loss is no better than the
    /// source-blind control's best: it learned nothing a model without the source cannot.
    public var failed: Bool
    /// Finished without diverging but never reached the loss threshold (version-1 studies' "stuck").
    public var stuck: Bool
    public var outcome: String?

    static func load(store: RunStore, study: String, run name: String, cell: StudyCell, settings: StudySettings, record: StudyRunRecord? = nil) throws -> StudyRunResult {
        let record = try record ?? store.studyRuns(study: study).first { $0.run == name }
        let metrics = try store.metrics(run: name)
        let validations = try store.validations(run: name)
        let best = validations.filter { $0.validLoss.isFinite }.min { $0.validLoss < $1.validLoss }
        let last = validations.max { $0.update < $1.update }
        let finished = record?.status == .finished
        var r = StudyRunResult(run: name, arm: cell.arm.name, lr: cell.lr, seed: cell.seed, status: record?.status.rawValue ?? "missing",
                               updates: metrics.last?.update ?? 0, bestValidLoss: best?.validLoss, bestValidUpdate: best?.update,
                               finalValidLoss: finished && last?.update == cell.arm.updates(studyUpdates: settings.maxUpdate) ? last?.validLoss : nil,
                               firstTrainLoss: metrics.first?.trainLoss, finalTrainLoss: metrics.last?.trainLoss,
                               updatesToThreshold: metrics.first { $0.nll <= settings.lossThreshold }?.update,
                               diverged: false, failed: false, stuck: false, outcome: record?.outcome)
        for e in try store.evaluations(run: name) where e.split == "test" {
            switch StudyWork.checkpointLabel(e) {
            case CheckpointSelector.last.description: r.bleuLast = e.bleu; r.chrFLast = e.chrF
            case CheckpointSelector.average.description: r.bleuAverage = e.bleu; r.chrFAverage = e.chrF
            default: break
            }
        }
        // The first study also called a run whose loss rose "diverged"; a study now calls it
        // failed when the control beats it (`StudyResults.markFailures`).
        let rose = settings.version == 1 && finished && metrics.count > 1 && !(r.finalTrainLoss! <= r.firstTrainLoss!)
        r.diverged = record?.outcome != nil || rose
        if r.diverged { r.status = "diverged" }
        r.stuck = finished && !r.diverged && r.updatesToThreshold == nil
        return r
    }

    /// Trained to the end (finished, diverged or failed): what a cell's statistics count.
    public var isDone: Bool { status == "finished" || status == "failed" || diverged }
    /// Trained to the end and learned: counts as stable for the largest stable learning rate.
    public var isStable: Bool { isDone && !diverged && !failed }
}

/// Mean and sample standard deviation over the seeds that have a value.
public struct SeedStatistic: Codable, Sendable, Equatable {
    public var mean: Double
    public var std: Double
    public var count: Int

    init?(_ values: [Double?]) {
        let v = values.compactMap { $0 }.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        count = v.count
        let m = v.reduce(0, +) / Double(v.count)
        mean = m
        std = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
    }

    /// "mean ± std" with `digits` decimals (the mean alone for one seed), as `show` and the report print it.
    public func formatted(_ digits: Int) -> String {
        String(format: "%.\(digits)f", mean) + (count > 1 ? " ± " + String(format: "%.\(digits)f", std) : "")
    }
}

/// One arm against the baseline at one learning rate, on one endpoint, over the seeds where
/// both finished: the seed-level difference, its interval, and the verdict the design gives it.
public struct StudyComparison: Codable, Sendable {
    public var endpoint: String
    /// Seeds paired (both arms finished without diverging).
    public var seeds: [UInt64]
    public var statistics: PairedComparison?
    /// Holm-adjusted over the design's family of comparisons on this endpoint.
    public var adjustedPValue: Double?
    public var adjustedEquivalencePValue: Double?
    /// "different", "equivalent", "not shown equivalent", or why there is none ("too few seeds",
    /// "below the BLEU floor").
    public var verdict: String
    /// Whether a higher value of the endpoint is better (BLEU) or worse (loss).
    public var higherIsBetter: Bool

    /// The verdict with, for a difference, which side it favours.
    public var description: String {
        guard verdict == "different", let mean = statistics?.mean else { return verdict }
        return "different: " + ((mean > 0) == higherIsBetter ? "the arm better" : "the baseline better")
    }
}

/// One arm at one learning rate, over its seeds.
public struct StudyCellSummary: Codable, Sendable {
    public var arm: String
    public var lr: Double
    public var runs: Int
    public var finished: Int
    public var bestValidLoss: SeedStatistic?
    public var finalValidLoss: SeedStatistic?
    public var bleuLast: SeedStatistic?
    public var bleuAverage: SeedStatistic?
    public var chrFAverage: SeedStatistic?
    public var updatesToThreshold: SeedStatistic?
    public var reachedThreshold: Int
    public var diverged: Int
    public var failed: Int
    public var stuck: Int
    /// Against the baseline on the primary endpoint (final validation loss) and on test BLEU
    /// (averaged checkpoint); nil for the baseline and the control.
    public var lossVsBaseline: StudyComparison?
    public var bleuVsBaseline: StudyComparison?
    /// sacreBLEU's paired bootstrap of the averaged checkpoints' test BLEU against the baseline,
    /// one per seed both have: a secondary, per-seed look at sentences, never evidence about the arm.
    public var pairedVsBaseline: [PairedSeedTest]?

    /// Some run of the cell is done (finished or diverged): an unreached threshold means "never", not "not yet".
    public var hasDoneRuns: Bool { finished + diverged > 0 }
}

public struct PairedSeedTest: Codable, Sendable {
    public var seed: UInt64
    public var bleu: Double
    public var baselineBLEU: Double
    /// nil when the two systems' translations are identical (sacreBLEU's bootstrap gives
    /// p = 0.001 for identical systems, which would read as a difference).
    public var pValue: Double?
}

/// The largest learning rate of the grid at which every seed of an arm trained (finished, did
/// not diverge, did not fail), and the next grid point above it, where some seed did not.
public struct StableLearningRate: Codable, Sendable {
    public var arm: String
    /// nil: no learning rate of the grid was stable for every seed.
    public var largest: Double?
    /// The first grid point above `largest` (nil: `largest` is the top of the grid, so the
    /// limit is beyond it).
    public var next: Double?
    /// Every cell of the arm is done (the answer can no longer change).
    public var complete: Bool
}

/// Everything `nmt study show` prints and `--format json` writes.
public struct StudyResults: Codable, Sendable {
    public var study: String
    public var settings: StudySettings
    public var commands: [String]
    public var runs: [StudyRunResult]
    public var cells: [StudyCellSummary]
    public var stableLearningRates: [StableLearningRate]
    /// The source-blind control's best final validation loss: the failure line.
    public var controlLoss: Double?
    public var definitions: [String: String]
    /// What could not be computed, each a line (e.g. references that are not where the study
    /// stored them, so the paired bootstrap is missing).
    public var warnings: [String]

    public static let pairedSamples = 1000

    /// The test references the runs were evaluated against (the first `testLines` of them).
    static func references(_ s: StudySettings, database: String) throws -> TextLines {
        let path = try StoredPath.resolve(s.testTarget, database: database, what: "study's test references", flag: "--test-tgt (when running it)")
        guard let data = FileManager.default.contents(atPath: path) else { throw ApplicationError("\(path): cannot read the study's test references") }
        var bytes = Array(data)
        if let n = s.testLines {
            var seen = 0
            if let end = bytes.firstIndex(where: { b in if b == 10 { seen += 1 }; return seen == n }) { bytes = Array(bytes[...end]) }
        }
        return try TextLines(utf8: bytes, name: s.testTarget)
    }

    public static func load(store: RunStore, study name: String) throws -> StudyResults {
        guard let record = try store.study(named: name) else {
            let known = try store.studyNames()
            throw ApplicationError("no study named '\(name)' in \(store.database.path)" + (known.isEmpty ? "" : " (studies: \(known.joined(separator: ", ")))"))
        }
        let settings = try StudySettings.decode(record.settingsJSON, study: name)
        let stored = Dictionary(try store.studyRuns(study: name).map { ($0.run, $0) }, uniquingKeysWith: { a, _ in a })
        var runs: [StudyRunResult] = []
        for cell in settings.cells {
            let runName = cell.runName(study: name)
            if let rec = stored[runName] {
                runs.append(try StudyRunResult.load(store: store, study: name, run: runName, cell: cell, settings: settings, record: rec))
            } else {
                runs.append(StudyRunResult(run: runName, arm: cell.arm.name, lr: cell.lr, seed: cell.seed, status: "missing", updates: 0,
                                           diverged: false, failed: false, stuck: false))
            }
        }
        let controlLoss = Self.markFailures(&runs, settings: settings)
        var warnings: [String] = []
        let references: TextLines?
        do { references = try Self.references(settings, database: store.database.path) } catch {
            references = nil
            if settings.baseline != nil { warnings.append("\(error); the per-seed paired bootstrap is left out") }
        }
        var hypothesisCache: [String: TextLines] = [:]
        func hypotheses(_ run: String) throws -> TextLines? {
            if let h = hypothesisCache[run] { return h }
            guard stored[run] != nil else { return nil }
            guard let e = try store.evaluations(run: run).last(where: { $0.split == "test" && StudyWork.checkpointLabel($0) == CheckpointSelector.average.description }),
                  let text = e.hypotheses else { return nil }
            let lines = try TextLines(utf8: Array(text.utf8), name: "\(run)'s test translations")
            hypothesisCache[run] = lines
            return lines
        }
        let design = settings.design ?? StudyDesign()
        var cells: [StudyCellSummary] = []
        for lr in settings.lrs {
            for arm in settings.arms {
                let all = runs.filter { $0.arm == arm.name && $0.lr == lr }
                guard !all.isEmpty else { continue }
                // Statistics over the runs that are done: a study read while it trains does not
                // mix in half-trained runs.
                let mine = all.filter(\.isDone)
                var summary = StudyCellSummary(
                    arm: arm.name, lr: lr, runs: all.count, finished: mine.filter { !$0.diverged }.count,
                    bestValidLoss: SeedStatistic(mine.map(\.bestValidLoss)), finalValidLoss: SeedStatistic(mine.map(\.finalValidLoss)),
                    bleuLast: SeedStatistic(mine.map(\.bleuLast)),
                    bleuAverage: SeedStatistic(mine.map(\.bleuAverage)), chrFAverage: SeedStatistic(mine.map(\.chrFAverage)),
                    updatesToThreshold: SeedStatistic(mine.map { $0.updatesToThreshold.map(Double.init) }),
                    reachedThreshold: mine.filter { $0.updatesToThreshold != nil }.count,
                    diverged: mine.filter(\.diverged).count, failed: mine.filter(\.failed).count, stuck: mine.filter(\.stuck).count)
                if let baseline = settings.baseline, arm.name != baseline, !arm.sourceBlind {
                    let base = runs.filter { $0.arm == baseline && $0.lr == lr && $0.isDone && !$0.diverged }
                    func pairs(_ value: KeyPath<StudyRunResult, Double?>) -> [(seed: UInt64, arm: Double, base: Double)] {
                        mine.filter { !$0.diverged }.compactMap { r in
                            guard let a = r[keyPath: value], let b = base.first(where: { $0.seed == r.seed })?[keyPath: value] else { return nil }
                            return (r.seed, a, b)
                        }
                    }
                    let loss = pairs(\.finalValidLoss)
                    summary.lossVsBaseline = StudyComparison(
                        endpoint: "final validation loss", seeds: loss.map(\.seed),
                        statistics: PairedComparison(loss.map(\.arm), minus: loss.map(\.base), confidence: design.confidence, margin: design.lossMargin),
                        verdict: "", higherIsBetter: false)
                    let bleu = pairs(\.bleuAverage)
                    summary.bleuVsBaseline = StudyComparison(
                        endpoint: "test BLEU (averaged checkpoint)", seeds: bleu.map(\.seed),
                        statistics: PairedComparison(bleu.map(\.arm), minus: bleu.map(\.base), confidence: design.confidence, margin: design.bleuMargin),
                        verdict: "", higherIsBetter: true)
                    let armBLEU = bleu.map(\.arm).reduce(0, +) / Double(max(1, bleu.count)), baseBLEU = bleu.map(\.base).reduce(0, +) / Double(max(1, bleu.count))
                    if !bleu.isEmpty && min(armBLEU, baseBLEU) < design.bleuFloor { summary.bleuVsBaseline?.verdict = "below the BLEU floor" }
                    if let references {
                        var tests: [PairedSeedTest] = []
                        for r in mine where !r.diverged {
                            let baseRun = StudyCell(arm: settings.arm(named: baseline)!, lr: lr, seed: r.seed).runName(study: name)
                            guard let h = try hypotheses(r.run), let b = try hypotheses(baseRun), h.count == references.count, b.count == references.count else { continue }
                            let stats = SegmentStatistics.bleu(systems: [b, h], references: [references], options: BLEUOptions())
                            let identical = h.scalars == b.scalars && h.starts == b.starts
                            let p = identical ? nil : Resampling.pairedBootstrap(baseline: stats[0], system: stats[1], samples: pairedSamples).pValue
                            tests.append(PairedSeedTest(seed: r.seed, bleu: stats[1].corpusScore, baselineBLEU: stats[0].corpusScore, pValue: p))
                        }
                        summary.pairedVsBaseline = tests
                    }
                }
                cells.append(summary)
            }
        }
        Self.judge(&cells, design: design)
        let definitions = [
            "final validation loss": "the primary endpoint: validation loss (nats/token) at the run's last update",
            "loss threshold": String(format: "%.3f nats/token: %@", settings.lossThreshold,
                                     "the entropy of the training targets' unigram distribution (a model ignoring source and prefix)"),
            "updates to threshold": "first logged update whose training NLL is at or below the threshold (mean over the seeds that reached it)",
            "diverged": settings.trainer.divergenceStreak == 1
                ? "a non-finite loss or gradient: the run stops at the first one, so no study run skips an update"
                : "training stopped after \(settings.trainer.divergenceStreak) non-finite updates in a row (earlier ones were skipped)"
                    + (settings.version == 1 ? ", or its final training loss is above its first" : ""),
            "failed": controlLoss.map { String(format: "finished, but its final validation loss is no better than %.3f, ", $0)
                + "the best the source-blind control reached (sources shuffled across sentences, first seed, every lr)" }
                ?? "needs the source-blind control arm ('control'), which this study does not have",
            "stuck": "finished without diverging but never reached the loss threshold",
            "comparison": design.lines.joined(separator: "; "),
            "paired test": "sacreBLEU's paired bootstrap (\(pairedSamples) resamples, seed \(Resampling.defaultSeed)) of the averaged checkpoint's test BLEU "
                + "against the baseline at the same lr and seed: a per-seed look at test sentences, secondary to the seed-level comparison",
            "largest stable lr": "the largest learning rate of the grid at which every seed of the arm finished without diverging or failing",
        ]
        return StudyResults(study: name, settings: settings, commands: record.commands, runs: runs, cells: cells,
                            stableLearningRates: Self.stableLearningRates(runs: runs, settings: settings), controlLoss: controlLoss,
                            definitions: definitions, warnings: warnings)
    }

    /// Marks finished runs whose final validation loss is no better than the control's best as
    /// failed; returns that line (nil without a finished control run).
    static func markFailures(_ runs: inout [StudyRunResult], settings: StudySettings) -> Double? {
        guard let control = settings.control else { return nil }
        let bar = runs.filter { $0.arm == control.name && $0.isDone && !$0.diverged }.compactMap(\.finalValidLoss).min()
        guard let bar else { return nil }
        for i in runs.indices where runs[i].arm != control.name && runs[i].status == "finished" && !runs[i].diverged {
            if let loss = runs[i].finalValidLoss, loss >= bar {
                runs[i].failed = true
                runs[i].status = "failed"
            }
        }
        return bar
    }

    /// Holm over each endpoint's family, then each comparison's verdict.
    static func judge(_ cells: inout [StudyCellSummary], design: StudyDesign) {
        for endpoint in [\StudyCellSummary.lossVsBaseline, \StudyCellSummary.bleuVsBaseline] {
            let family = cells.indices.filter { cells[$0][keyPath: endpoint].map { $0.verdict.isEmpty } ?? false }
            let p = Holm.adjust(family.map { cells[$0][keyPath: endpoint]?.statistics?.pValue })
            let tost = Holm.adjust(family.map { cells[$0][keyPath: endpoint]?.statistics?.equivalencePValue })
            for (k, i) in family.enumerated() {
                guard var c = cells[i][keyPath: endpoint] else { continue }
                c.adjustedPValue = p[k]
                c.adjustedEquivalencePValue = tost[k]
                if c.statistics == nil {
                    c.verdict = "too few seeds"
                } else if let p = p[k], p < design.alpha {
                    c.verdict = "different"
                } else if let q = tost[k], q < design.alpha {
                    c.verdict = "equivalent"
                } else {
                    c.verdict = "not shown equivalent"
                }
                cells[i][keyPath: endpoint] = c
            }
        }
    }

    static func stableLearningRates(runs: [StudyRunResult], settings: StudySettings) -> [StableLearningRate] {
        let lrs = settings.lrs.sorted()
        return settings.arms.filter { !$0.sourceBlind }.map { arm in
            let mine = runs.filter { $0.arm == arm.name }
            let stable = lrs.filter { lr in
                let cell = mine.filter { $0.lr == lr }
                return !cell.isEmpty && cell.allSatisfy(\.isStable)
            }
            let largest = stable.last
            let next = largest.flatMap { l in lrs.first { $0 > l } }
            return StableLearningRate(arm: arm.name, largest: largest, next: next, complete: mine.allSatisfy(\.isDone))
        }
    }
}
