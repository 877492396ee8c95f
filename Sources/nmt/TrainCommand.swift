import Application
import ArgumentParser
import Foundation
import Optim
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a Transformer (Adam with warmup, RAdam, or SGD).",
        discussion: """
        Runs, metrics and checkpoints go to SQLite.
        Examples:
          nmt train --name adam-warmup --preset tiny --optimizer adam --lr 1e-3 \\
              --warmup 500 --max-update 2000
          nmt train --name radam --preset tiny --optimizer radam --lr 1e-3 \\
              --max-update 2000
          nmt train --resume radam                resume a run from its last checkpoint
                                                  (after a crash or kill -9 too)
          nmt train --config run.yaml --lr 2e-3   the settings of run.yaml, with another
                                                  learning rate
        Defaults use the built-in corpus (make data) and vocab/bible.8k.bpe.
        """)

    @Option(help: ArgumentHelp("A YAML file of train settings: each key is a flag's name ('lr: 1e-3', 'eval-bleu: true', 'warmup: untuned'); flags on the command line override it. `nmt show NAME --config` writes one.", valueName: "run.yaml"))
    var config: String?   // read (and removed) by TrainConfigFile.expandNamingPlaces before parsing
    @Option(help: "Run name (unique in the database). Generated if absent.") var name: String?
    @Option(help: "Continue the named run from its last checkpoint.") var resume: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup(title: "Model") var model: ModelOptions

    @OptionGroup(title: "Corpus") var corpus: CorpusOptions
    @Option(name: .customLong("learn-vocab"), help: ArgumentHelp(
        "Learn a joint BPE of this many pieces from --src and --tgt for this run (written next to the database as NAME.bpe) instead of using --vocab."))
    var learnVocab: Int?

    @OptionGroup(title: "Optimizer") var optim: OptimizerOptions

    @Option(name: .customLong("max-tokens"), help: "Tokens per batch (padded).") var maxTokens = 4096
    @Option(name: .customLong("max-len"), help: "Skip pairs with a side longer than this many tokens.") var maxLen = 256
    @Option(name: .customLong("update-freq"), help: "Batches accumulated per update.") var updateFreq = 1
    @Option(name: .customLong("label-smoothing")) var labelSmoothing = 0.1
    @Option(name: .customLong("max-update"), help: "Stop after this many updates.") var maxUpdate: Int?
    @Option(name: .customLong("max-epoch"), help: "Stop after this many epochs.") var maxEpoch: Int?
    @Option(name: .customLong("max-time"), help: "Stop after this much training time: 90s, 45m, 2h, 1h30m.") var maxTime: String?
    @Option(name: .customLong("valid-every"), help: "Validate every N updates (and at each epoch end; 0 = epoch ends only).")
    var validEvery = 500
    @Option(name: .customLong("log-every"), help: "Record training metrics every N updates.") var logEvery = 10
    @Option(name: .customLong("save-every"), help: "Checkpoint every N updates (and at each epoch end).") var saveEvery = 1000
    @Option(name: .customLong("keep-last"), help: "Checkpoints kept besides the best.") var keepLast = 3
    @Option(help: "Stop after N validations without improvement (0 = never).") var patience = 0
    @Option(help: "Random seed (initialisation, batch order, dropout).") var seed: UInt64 = 1
    @Flag(name: .customLong("eval-bleu"), help: "At each validation, translate the valid set and record its BLEU.") var evalBLEU = false
    @Option(name: .customLong("eval-bleu-beam"), help: "Beam size for --eval-bleu (1 = greedy, fast).") var evalBLEUBeam = 1
    @Option(name: .customLong("best-checkpoint-metric"),
            help: "What makes a checkpoint the best one (kept by retention, picked as 'best' by translate, eval and export, counted by patience, averaged by average's best): loss, or bleu or chrf on the valid set (with --eval-bleu).")
    var bestCheckpointMetric: BestCheckpointMetric = .loss
    @Flag(name: .customLong("no-diagnostics"), help: "Do not record the adaptive-rate diagnostics (per-group psi statistics, update norms, |g| histograms).")
    var noDiagnostics = false
    @Option(name: .customLong("histogram-every"), help: "Record |g| histograms every N updates after updates 1, 5, 10, 25, 50, 75, 100 (0 = those only).")
    var histogramEvery = 500
    @Option(name: .customLong("nonfinite-limit"), help: "Updates with a non-finite loss or gradient are skipped; this many in a row stop the run as diverged (default 10; a study uses 1).")
    var nonfiniteLimit: Int?
    @Flag(name: .customLong("source-blind"), help: "Train with the sources shuffled across sentences (validate on the real pairs): the study's source-blind control.")
    var sourceBlind = false
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if let maxTime, DurationParser.seconds(maxTime) == nil {
            throw ValidationError("--max-time must look like 90s, 45m, 2h or 1h30m, got '\(maxTime)'")
        }
        if resume != nil && name != nil { throw ValidationError("--resume names the run already; drop --name") }
        // A flag a resumed run would ignore (its settings are stored) is refused.
        if resume != nil, let flag = CommandLineFlags.first(in: CommandLine.arguments, notIn: Self.resumeFlags) {
            throw ValidationError("--resume continues a run with its stored settings; \(flag) would be ignored: drop it "
                + "(only --max-update, --max-epoch, --max-time, --db, --threads and --quiet apply to a resumed run)")
        }
        if histogramEvery < 0 { throw ValidationError("--histogram-every must be non-negative, got \(histogramEvery)") }
        if let learnVocab, learnVocab < 5 { throw ValidationError("--learn-vocab must be at least 5 (4 special tokens and a character)") }
        if learnVocab != nil && name == nil { throw ValidationError("--learn-vocab needs --name (the vocabulary file is named after the run)") }
    }

    func run() throws {
        var console = runtime.apply()
        // Under mpirun: rank 0 speaks for the job (and alone writes the database).
        let job = try Job.collective()
        if !job.isRoot { console.quiet = true }
        let run: TrainingRun
        if let resume {
            run = try TrainingRun.resume(resume, database: database.db, limits: limitOverrides(), threads: runtime.threads, collective: job, console: console)
        } else {
            var vocabPath = corpus.vocab
            if let name { try TrainingRun.checkName(name) }
            if let learnVocab, let name, job.isRoot {
                vocabPath = try RunVocabulary.learn(size: learnVocab, run: name, database: database.db, files: [corpus.src, corpus.tgt], console: console)
            }
            let plan = try plan(vocabulary: vocabPath)
            run = try TrainingRun.start(plan, collective: job, console: console)
            // Said once the run is accepted, so a refused one still ends in one error line.
            for warning in optim.warnings(schedule: plan.schedule, maxUpdate: maxUpdate ?? 0) where job.isRoot { console.warn(warning) }
        }
        let s = try run.run()
        Job.finish()
        guard job.isRoot else { return }
        var best = s.bestValidLoss.map { "best valid loss \(String(format2: $0)) at update \(s.bestValidUpdate ?? 0)" } ?? "no validation"
        let metric = run.config.trainer.selectionMetric
        if metric != .loss, let value = s.bestSelectionValue {
            best += ", best valid \(metric.rawValue) \(String(format2: metric.display(value))) at update \(s.bestSelectionUpdate ?? 0)"
        }
        print("run \(s.name): stopped after \(s.updates) updates (\(s.reason.rawValue)); \(best); skipped \(s.skippedNonFinite) non-finite updates")
    }

    /// Flags a resumed run may take: its limits and how this process runs.
    static let resumeFlags: Set<String> = ["--resume", "--max-update", "--max-epoch", "--max-time", "--db", "--threads", "--quiet"]

    /// The run these flags describe (with `vocabulary` in place of --vocab when given).
    func plan(vocabulary: String? = nil) throws -> TrainingRun.Plan {
        let (optimizer, schedule) = try optim.resolve(maxUpdate: maxUpdate ?? 0)
        return TrainingRun.Plan(name: name, database: database.db, preset: model.preset, model: model.resolve(vocabularySize:),
                                optimizer: optimizer, schedule: schedule, trainer: trainerSettings(),
                                data: corpus.dataFiles(vocabulary: vocabulary ?? corpus.vocab), threads: runtime.threads)
    }

    func trainerSettings() -> TrainerSettings {
        let limits = limitOverrides()
        var trainer = TrainerSettings()
        trainer.maxTokens = maxTokens
        trainer.maxLength = maxLen
        trainer.updateFreq = updateFreq
        trainer.labelSmoothing = labelSmoothing
        trainer.clipNorm = optim.clipNorm
        trainer.maxUpdate = limits.maxUpdate ?? 0
        trainer.maxEpoch = limits.maxEpoch ?? 0
        trainer.maxTimeSeconds = limits.maxTime ?? 0
        trainer.validEvery = validEvery
        trainer.logEvery = logEvery
        trainer.saveEvery = saveEvery
        trainer.keepLast = keepLast
        trainer.patience = patience
        trainer.seed = seed
        trainer.evalBLEUBeam = evalBLEU ? evalBLEUBeam : 0
        trainer.bestCheckpointMetric = bestCheckpointMetric == .loss ? nil : bestCheckpointMetric
        trainer.diagnostics = !noDiagnostics
        trainer.histogramEvery = histogramEvery
        trainer.nonFiniteLimit = nonfiniteLimit
        trainer.sourceBlind = sourceBlind ? true : nil
        return trainer
    }

    func limitOverrides() -> TrainingRun.Limits {
        TrainingRun.Limits(maxUpdate: maxUpdate, maxEpoch: maxEpoch, maxTime: maxTime.flatMap(DurationParser.seconds))
    }
}
