import Application
import ArgumentParser
import Foundation
import Store
import Training

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs side by side.",
        discussion: """
        Shows the best valid loss, when it was reached, losses at fixed updates,
        divergence, and loss curves.
        """)
    @Argument(help: "Two or more run names.") var names: [String]
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Plot width in characters.") var width = 72
    @Option(help: "Plot height in lines.") var height = 16
    @Option(help: "Also test the runs' latest evaluations of this split against the first run (paired bootstrap, as sacreBLEU).")
    var split: String?
    @Flag(name: .customLong("paired-ar"), help: "With --split: approximate randomization instead of the paired bootstrap.") var pairedAR = false
    @Option(name: .customLong("paired-n"), help: "With --split: resamples (bootstrap, default 1000) or trials (randomization, default 10000).")
    var pairedN: Int?

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if names.isEmpty { throw ValidationError("name at least one run") }
        if split != nil && names.count < 2 { throw ValidationError("--split compares runs with the first: name at least two") }
        if let pairedN, pairedN < 1 { throw ValidationError("--paired-n must be at least 1, got \(pairedN)") }
    }

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        let runs = try names.map { name -> (RunRecord, [MetricRow], [ValidationRow], Double?) in
            let record = try store.run(named: name)
            let metrics = try store.metrics(run: name)
            let validations = try store.validations(run: name)
            let validBLEU = validations.compactMap(\.bleu).max()
            return (record, metrics, validations, try RunDatabase.bestBLEU(store: store, run: name, validBLEU: validBLEU))
        }
        let lastCommon = runs.map { $0.1.last?.update ?? 0 }.min() ?? 0
        let checkpoints = CompareCommand.milestones(upTo: lastCommon)
        var table = TextTable(["run", "optimizer", "lr", "eps", "warmup", "arm", "updates", "best valid loss", "at update", "best BLEU", "diverged"]
                              + checkpoints.map { "loss@\($0)" })
        for (record, metrics, validations, bleu) in runs {
            let best = validations.filter { $0.validLoss.isFinite }.min { $0.validLoss < $1.validLoss }
            let lossAt = checkpoints.map { u in metrics.last { $0.update <= u }.map { cell($0.trainLoss) } ?? "—" }
            let arm = try ArmSummary(RunConfiguration.decode(json: record.run.configurationJSON))
            table.add([record.run.name, arm.optimizer, scientific(record.run.learningRate), arm.eps, arm.warmup, arm.variant,
                       cell(metrics.last?.update), cell(best?.validLoss), cell(best?.update), cell(bleu),
                       CompareCommand.diverged(record, metrics) ? "yes" : "no"] + lossAt)
        }
        print(table.render())
        print()
        let series = runs.map { TerminalPlot.Series(name: $0.0.run.name, points: $0.1.map { (Double($0.update), $0.trainLoss) }) }
        // Clip at the first logged loss so one diverging run does not flatten the others.
        let yMax = runs.compactMap { $0.1.first?.trainLoss }.filter(\.isFinite).max()
        for line in TerminalPlot(width: width, height: height).render(series, yLabel: "training loss (per target token) by update", yMax: yMax) {
            print(line)
        }
        if let split {
            let test: SignificanceReport.Test = pairedAR ? .randomization(trials: pairedN ?? 10000) : .bootstrap(samples: pairedN ?? 1000)
            let seed = try BleuCommand.seed()
            print()
            print(try SplitComparison.report(store: store, runs: names, split: split, test: test, seed: seed).text(width: 2), terminator: "")
        }
    }

    /// Update counts to report losses at: 1-2-5 steps up to the last update all runs reached.
    static func milestones(upTo last: Int) -> [Int] {
        guard last > 0 else { return [] }
        var out: [Int] = []
        var scale = 1
        while scale <= last {
            for m in [1, 2, 5] where m * scale <= last { out.append(m * scale) }
            scale *= 10
        }
        return Array(out.suffix(4)) + (out.last == last ? [] : [last])
    }

    /// A run diverged if it failed, logged a non-finite loss, or ended above where it started.
    static func diverged(_ record: RunRecord, _ metrics: [MetricRow]) -> Bool {
        if record.status == .failed { return true }
        if metrics.contains(where: { !$0.trainLoss.isFinite }) { return true }
        if let first = metrics.first, let last = metrics.last, metrics.count > 2 { return last.trainLoss > first.trainLoss }
        return false
    }
}
