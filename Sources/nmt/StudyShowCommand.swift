import Application
import ArgumentParser
import Foundation
import Store

struct StudyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A study's results: per arm × lr, mean ± std over seeds, divergence, and paired tests against adam-warmup.")

    enum Format: String, ExpressibleByArgument { case text, json }

    @Argument(help: "Study name.") var name: String
    @Option(help: "text or json.") var format: Format = .text
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        let results = try StudyResults.load(store: store, study: name)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        case .text:
            print(Self.text(results))
        }
    }

    static func text(_ r: StudyResults) -> String {
        let s = r.settings
        let done = r.runs.filter { $0.status == "finished" || $0.diverged }.count
        var out = "study \(r.study): \(s.arms.count) arms × \(s.lrs.count) lrs × \(s.seeds.count) seeds = \(r.runs.count) runs (\(done) done); "
            + "\(s.preset) (d \(s.model.modelDimension), \(s.model.encoderLayers)+\(s.model.decoderLayers) layers), \(s.maxUpdate) updates, "
            + "batches of \(s.trainer.maxTokens) tokens, betas \(s.beta1),\(s.beta2), linear decay; test: beam \(s.beam)"
            + (s.testLines.map { ", first \($0) sentences" } ?? "") + "\n\n"
        func pm(_ x: SeedStatistic?, _ digits: Int) -> String { x?.formatted(digits) ?? "-" }
        var table = TextTable(["lr", "arm", "runs", "best valid loss", "BLEU last", "BLEU avg", "chrF avg", "updates to thr.", "diverged", "stuck", "vs adam-warmup (p per seed)"])
        for c in r.cells {
            let paired = c.pairedVsWarmup.map { tests in
                tests.isEmpty ? "-" : tests.map { String(format: "%+.2f p=%.3f", $0.bleu - $0.baselineBLEU, $0.pValue) }.joined(separator: "; ")
            } ?? (c.arm == "adam-warmup" ? "(baseline)" : "-")
            let reached = c.updatesToThreshold.map { pm($0, 0) + (c.reachedThreshold < c.runs ? " (\(c.reachedThreshold)/\(c.runs))" : "") } ?? (c.hasDoneRuns ? "never" : "-")
            table.add([String(c.lr), c.arm, "\(c.finished)/\(c.runs)", pm(c.bestValidLoss, 3), pm(c.bleuLast, 2), pm(c.bleuAverage, 2),
                       pm(c.chrFAverage, 2), reached, String(c.diverged), String(c.stuck), paired])
        }
        out += table.render() + "\n\n"
        out += "mean ± std over seeds; BLEU/chrF of the test split (sacreBLEU 13a, chrF2); 'avg' = average of the last \(s.averageLast) checkpoints\n"
        for key in r.definitions.keys.sorted() { out += "\(key): \(r.definitions[key]!)\n" }
        return out
    }
}
