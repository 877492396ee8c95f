import Foundation
import Metrics
import Store

/// One run of a study as `nmt study show` reports it.
public struct StudyRunResult: Codable, Sendable {
    public var run: String
    public var arm: String
    public var lr: Double
    public var seed: UInt64
    /// "finished", "diverged", "running", "interrupted" or "failed".
    public var status: String
    public var updates: Int
    public var bestValidLoss: Double?
    public var bestValidUpdate: Int?
    public var firstTrainLoss: Double?
    public var finalTrainLoss: Double?
    /// The first logged update whose training NLL is at or below the study's threshold.
    public var updatesToThreshold: Int?
    public var bleuLast: Double?
    public var chrFLast: Double?
    public var bleuAverage: Double?
    public var chrFAverage: Double?
    /// Training stopped on non-finite updates, or its final training loss is above its first.
    public var diverged: Bool
    /// Finished, did not diverge, and never reached the loss threshold.
    public var stuck: Bool
    public var outcome: String?

    static func load(store: RunStore, study: String, run name: String, cell: StudyCell, settings: StudySettings, record: StudyRunRecord? = nil) throws -> StudyRunResult {
        let record = try record ?? store.studyRuns(study: study).first { $0.run == name }
        let metrics = try store.metrics(run: name)
        let validations = try store.validations(run: name)
        let best = validations.filter { $0.validLoss.isFinite }.min { $0.validLoss < $1.validLoss }
        var r = StudyRunResult(run: name, arm: cell.arm.rawValue, lr: cell.lr, seed: cell.seed, status: record?.status.rawValue ?? "missing",
                               updates: metrics.last?.update ?? 0, bestValidLoss: best?.validLoss, bestValidUpdate: best?.update,
                               firstTrainLoss: metrics.first?.trainLoss, finalTrainLoss: metrics.last?.trainLoss,
                               updatesToThreshold: metrics.first { $0.nll <= settings.lossThreshold }?.update,
                               diverged: false, stuck: false, outcome: record?.outcome)
        for e in try store.evaluations(run: name) where e.split == "test" {
            switch StudyWork.checkpointLabel(e) {
            case CheckpointSelector.last.description: r.bleuLast = e.bleu; r.chrFLast = e.chrF
            case CheckpointSelector.average.description: r.bleuAverage = e.bleu; r.chrFAverage = e.chrF
            default: break
            }
        }
        let finished = record?.status == .finished
        let rose = finished && metrics.count > 1 && !(r.finalTrainLoss! <= r.firstTrainLoss!)
        r.diverged = record?.outcome != nil || rose
        if r.diverged { r.status = "diverged" }
        r.stuck = finished && !r.diverged && r.updatesToThreshold == nil
        return r
    }
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

/// One arm at one learning rate, over its seeds.
public struct StudyCellSummary: Codable, Sendable {
    public var arm: String
    public var lr: Double
    public var runs: Int
    public var finished: Int
    public var bestValidLoss: SeedStatistic?
    public var bleuLast: SeedStatistic?
    public var bleuAverage: SeedStatistic?
    public var chrFAverage: SeedStatistic?
    public var updatesToThreshold: SeedStatistic?
    public var reachedThreshold: Int
    public var diverged: Int
    public var stuck: Int
    /// Paired bootstrap (BLEU of the averaged checkpoints, 1,000 resamples) against
    /// `adam-warmup` at the same lr, one p-value per seed both have; nil for adam-warmup itself.
    public var pairedVsWarmup: [PairedSeedTest]?

    /// Some run of the cell is done (finished or diverged): an unreached threshold means "never", not "not yet".
    public var hasDoneRuns: Bool { finished + diverged > 0 }
}

public struct PairedSeedTest: Codable, Sendable {
    public var seed: UInt64
    public var bleu: Double
    public var baselineBLEU: Double
    public var pValue: Double
}

/// Everything `nmt study show` prints and `--format json` writes.
public struct StudyResults: Codable, Sendable {
    public var study: String
    public var settings: StudySettings
    public var commands: [String]
    public var runs: [StudyRunResult]
    public var cells: [StudyCellSummary]
    public var definitions: [String: String]

    public static let pairedSamples = 1000

    /// The test references the runs were evaluated against (the first `testLines` of them).
    static func references(_ s: StudySettings) -> TextLines? {
        guard let data = FileManager.default.contents(atPath: s.testTarget) else { return nil }
        var bytes = Array(data)
        if let n = s.testLines {
            var seen = 0
            if let end = bytes.firstIndex(where: { b in if b == 10 { seen += 1 }; return seen == n }) { bytes = Array(bytes[...end]) }
        }
        return try? TextLines(utf8: bytes, name: s.testTarget)
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
                runs.append(StudyRunResult(run: runName, arm: cell.arm.rawValue, lr: cell.lr, seed: cell.seed, status: "missing", updates: 0,
                                           diverged: false, stuck: false))
            }
        }
        let references = Self.references(settings)
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
        var cells: [StudyCellSummary] = []
        for lr in settings.lrs {
            for arm in settings.arms {
                let all = runs.filter { $0.arm == arm.rawValue && $0.lr == lr }
                // Statistics over the runs that are done (finished or diverged): a study read
                // while it trains does not mix in half-trained runs.
                let mine = all.filter { $0.status == "finished" || $0.diverged }
                var summary = StudyCellSummary(
                    arm: arm.rawValue, lr: lr, runs: all.count, finished: mine.filter { $0.status == "finished" }.count,
                    bestValidLoss: SeedStatistic(mine.map(\.bestValidLoss)), bleuLast: SeedStatistic(mine.map(\.bleuLast)),
                    bleuAverage: SeedStatistic(mine.map(\.bleuAverage)), chrFAverage: SeedStatistic(mine.map(\.chrFAverage)),
                    updatesToThreshold: SeedStatistic(mine.map { $0.updatesToThreshold.map(Double.init) }),
                    reachedThreshold: mine.filter { $0.updatesToThreshold != nil }.count,
                    diverged: mine.filter(\.diverged).count, stuck: mine.filter(\.stuck).count, pairedVsWarmup: nil)
                if arm != .adamWarmup, settings.arms.contains(.adamWarmup), let references {
                    var tests: [PairedSeedTest] = []
                    for r in mine {
                        let base = StudyCell(arm: .adamWarmup, lr: lr, seed: r.seed).runName(study: name)
                        guard let h = try hypotheses(r.run), let b = try hypotheses(base), h.count == references.count, b.count == references.count else { continue }
                        let stats = SegmentStatistics.bleu(systems: [b, h], references: [references], options: BLEUOptions())
                        let p = Resampling.pairedBootstrap(baseline: stats[0], system: stats[1], samples: pairedSamples)
                        tests.append(PairedSeedTest(seed: r.seed, bleu: stats[1].corpusScore, baselineBLEU: stats[0].corpusScore, pValue: p.pValue))
                    }
                    summary.pairedVsWarmup = tests
                }
                cells.append(summary)
            }
        }
        let definitions = [
            "loss threshold": String(format: "%.3f nats/token: %@", settings.lossThreshold,
                                     "the entropy of the training targets' unigram distribution (a model ignoring source and prefix)"),
            "updates to threshold": "first logged update whose training NLL is at or below the threshold (mean over the seeds that reached it)",
            "diverged": "training stopped after 10 non-finite updates in a row, or its final training loss is above its first",
            "stuck": "finished without diverging but never reached the loss threshold",
            "paired test": "sacreBLEU's paired bootstrap (\(pairedSamples) resamples, seed \(Resampling.defaultSeed)) of the averaged checkpoint's test BLEU against adam-warmup at the same lr and seed",
        ]
        return StudyResults(study: name, settings: settings, commands: record.commands, runs: runs, cells: cells, definitions: definitions)
    }
}
