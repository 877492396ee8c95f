import Application
import ArgumentParser
import Foundation
import Store
import Training

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run: configuration, provenance, metric summary, checkpoints.")
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Flag(help: "Also print the adaptive-rate diagnostics: one compact table per parameter group over the updates.")
    var diagnostics = false
    @Option(name: .customLong("diagnostics-rows"), help: "Updates shown per group table (spread over the run, the early ones first).")
    var diagnosticsRows = 10
    @Flag(help: "Print only the run's settings, as a YAML file that `nmt train --config` accepts (rerun or vary it).")
    var config = false

    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        runtime.apply()
        let store = try RunDatabase.openExisting(database.db)
        let record = try store.run(named: name)
        let r = record.run
        if config {
            let stored = try RunConfiguration.decode(json: r.configurationJSON)
            let settings = TrainConfigFile.file(for: stored)
            var comments = ["Settings of run \(r.name) (nmt \(r.toolVersion), git \(r.gitCommit)).",
                            "Rerun: nmt train --config FILE --name NEW-NAME [flags that override these]"]
            let t = stored.trainer
            if t.rankCount > 1 {
                comments.append("Trained on \(t.rankCount) ranks: rerun with mpirun -np \(t.rankCount), or in one process with "
                    + "--update-freq \(t.batchesPerUpdate) for the same updates.")
            }
            print(try settings.yaml(comments: comments), terminator: "")
            return
        }
        print("run \(r.name) — \(record.status.rawValue)")
        print("started \(r.startedAt)\(record.endedAt.map { ", ended \($0)" } ?? "")")
        print("nmt \(r.toolVersion) (git \(r.gitCommit)), \(r.blas), seed \(r.seed)")
        print("vocabulary sha256 \(r.vocabularySHA256)")
        for f in r.corpus { print("\(f.role): \(f.path) sha256 \(f.sha256)") }
        let arm = try ArmSummary(RunConfiguration.decode(json: r.configurationJSON))
        print("arm: \(arm.optimizer), eps \(arm.eps), warmup \(arm.warmup), \(arm.variant)")
        print("configuration:")
        print(r.configurationJSON)
        let metrics = try store.metrics(run: name)
        let validations = try store.validations(run: name)
        if let first = metrics.first, let last = metrics.last {
            print("training: \(metrics.count) metric rows, updates \(first.update)–\(last.update); "
                  + "loss \(cell(first.trainLoss)) → \(cell(last.trainLoss)); last lr \(scientific(last.learningRate)); "
                  + "\(Int(last.tokensPerSecond)) tok/s; \(ProgressLine.format(duration: last.wallSeconds)) of training")
        } else {
            print("training: no metrics yet")
        }
        if let best = validations.filter({ $0.validLoss.isFinite }).min(by: { $0.validLoss < $1.validLoss }) {
            print("validation: \(validations.count) rows; best loss \(cell(best.validLoss)) (ppl \(cell(best.perplexity))) at update \(best.update)")
        }
        // The valid BLEU/chrF of each checkpoint's validation, and which one is "best".
        let metric = try RunConfiguration.decode(json: r.configurationJSON).trainer.selectionMetric
        let byUpdate = Dictionary(validations.map { ($0.update, $0) }, uniquingKeysWith: { $1 })
        let checkpoints = try store.checkpoints(run: name)
        let bestID = checkpoints.filter { $0.kind != .average && $0.rankValue != nil }.min { ($0.rankValue!, $0.id) < ($1.rankValue!, $1.id) }?.id
        var table = TextTable(["checkpoint", "update", "epoch", "kind", "valid loss", "valid BLEU", "valid chrF", "best by \(metric.rawValue)"])
        for c in checkpoints {
            let v = c.validLoss == nil ? nil : byUpdate[c.update]
            table.add([String(c.id), String(c.update), String(c.epoch), c.kind.rawValue, cell(c.validLoss), cell(v?.bleu), cell(v?.chrF),
                       c.id == bestID ? "*" : ""])
        }
        if !table.rows.isEmpty { print(table.render()) }
        let evaluations = try store.evaluations(run: name)
        if !evaluations.isEmpty {
            var ev = TextTable(["split", "checkpoint update", "BLEU", "chrF", "decoding"])
            for e in evaluations { ev.add([e.split, cell(e.checkpointUpdate), cell(e.bleu), cell(e.chrF), e.decodingJSON]) }
            print(ev.render())
        }
        if diagnostics { try DiagnosticsTables.print(store: store, run: name, metrics: metrics, rows: diagnosticsRows) }
    }
}
