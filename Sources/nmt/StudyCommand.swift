import Application
import ArgumentParser
import Foundation
import Store
import Text
import Training

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "The warmup-vs-RAdam study: a grid of arms × learning rates × seeds, its results and an HTML report.",
        subcommands: [StudyRunCommand.self, StudyShowCommand.self, StudyReportCommand.self])
}

struct StudyRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train and evaluate every run of a study that is not done yet (resumable: run the same command again).",
        discussion: """
        Arms: \(StudyArm.allCases.map { "\n  \($0.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \($0.summary)" }.joined())
        Every arm shares model, data, batch order, seeds, peak lr and the linear decay to zero at --max-update.
        Each finished run is evaluated on the test split (beam search, last checkpoint and the average of the last
        --average-last), translations stored. Killed at any point (kill -9 too), the same command resumes.
        Examples:
          nmt study run demo --quick
          nmt study run bible                       the default study (57 minutes on 2 cores here)
          nmt study run bible --seeds 1,2,3 --extend add a seed to it
        """)

    @Argument(help: "Study name (letters, digits, '-', '_').") var name: String
    @Flag(help: "A miniature of the default grid (every arm, a small model, 40 updates, 100 test sentences): a few minutes.")
    var quick = false
    @Option(help: "Comma-separated arms (default: all).") var arms: String?
    @Option(help: "Comma-separated peak learning rates (default 5e-4,1e-3,2e-3; quick 1e-3,3e-3).") var lrs: String?
    @Option(help: "Comma-separated seeds (default 1,2; quick 1,2).") var seeds: String?
    @Option(name: .customLong("max-update"), help: "Updates per run (default 500; quick 40).") var maxUpdate: Int?
    @Option(help: "Instead of --max-update: fit the study into this wall time (90m, 2h): updates per run from a calibration of this machine.")
    var budget: String?
    @Option(help: "Runs trained at the same time (default 2; threads per run = --threads / --jobs).") var jobs: Int?
    @Flag(help: "Add the arms, lrs or seeds given to an existing study of this name.") var extend = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup(title: "Model") var model: ModelOptions

    @OptionGroup(title: "Corpus") var corpus: CorpusOptions
    @Option(name: .customLong("test-src")) var testSrc = "data/bible/test.es"
    @Option(name: .customLong("test-tgt")) var testTgt = "data/bible/test.en"

    @Option(help: "Adam betas 'b1,b2' (default 0.9,0.98).") var betas = "0.9,0.98"
    @Option(help: "Adam epsilon of every arm but adam-eps.") var eps = 1e-8
    @Option(name: .customLong("weight-decay")) var weightDecay = 0.0
    @Option(help: "adam-warmup's linear warmup (default 200; quick 12).") var warmup: Int?
    @Option(help: "adam-2k's updates that only accumulate v (default 100; quick 6).") var freeze: Int?
    @Option(name: .customLong("max-tokens"), help: "Tokens per batch (default 1024; quick 1024).") var maxTokens: Int?
    @Option(name: .customLong("max-len")) var maxLen = 256
    @Option(name: .customLong("update-freq")) var updateFreq = 1
    @Option(name: .customLong("label-smoothing")) var labelSmoothing = 0.1
    @Option(name: .customLong("clip-norm")) var clipNorm = 0.0
    @Option(name: .customLong("valid-every")) var validEvery: Int?
    @Option(name: .customLong("log-every")) var logEvery = 10
    @Option(name: .customLong("save-every")) var saveEvery: Int?
    @Option(name: .customLong("keep-last")) var keepLast: Int?
    @Option(name: .customLong("average-last"), help: "Final checkpoints averaged for the second evaluation (default 5; quick 3).")
    var averageLast: Int?
    @Option(name: .customLong("histogram-every")) var histogramEvery: Int?
    @Option(help: "Beam size of the test-set evaluations.") var beam = 5
    @Option(name: .customLong("test-lines"), help: "Evaluate only the first N test sentences (quick: 100).") var testLines: Int?
    @Option(name: .customLong("loss-threshold"), help: "Training NLL (nats/token) a run must reach not to count as stuck (default: the unigram entropy of the training targets).")
    var lossThreshold: Double?
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let d = quick ? StudyDefaults.quick : StudyDefaults.full
        let jobs = jobs ?? min(d.jobs, runtime.threads)
        guard jobs >= 1 else { throw CLIError("--jobs must be at least 1") }
        let armList = try arms.map { try Self.list($0, flag: "--arms").map(StudyArm.parse) } ?? d.arms
        let lrList = try lrs.map { try Self.list($0, flag: "--lrs").map { s -> Double in
            guard let v = Double(s) else { throw CLIError("--lrs: '\(s)' is not a number") }
            return v
        } } ?? d.lrs
        let seedList = try seeds.map { try Self.list($0, flag: "--seeds").map { s -> UInt64 in
            guard let v = UInt64(s) else { throw CLIError("--seeds: '\(s)' is not a non-negative whole number") }
            return v
        } } ?? d.seeds
        if budget != nil && maxUpdate != nil { throw CLIError("give --max-update or --budget, not both") }
        let budgetSeconds = try budget.map { b -> Double in
            guard let s = DurationParser.seconds(b), s > 0 else { throw CLIError("--budget must look like 90m, 2h or 1h30m, got '\(b)'") }
            return s
        }
        let parts = betas.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let b1 = parts[0], let b2 = parts[1] else { throw CLIError("--betas must be two numbers like '0.9,0.98', got '\(betas)'") }
        guard FileManager.default.isReadableFile(atPath: corpus.vocab) else { throw CLIError("\(corpus.vocab): cannot read the --vocab file") }
        let vocabulary = try BPEModel.load(path: corpus.vocab)
        var config = try model.resolve(vocabularySize: vocabulary.vocabSize)
        if quick, let shrink = d.model {
            // --quick shrinks the preset only where the user did not set a dimension.
            var small = config
            shrink(&small)
            if model.dModel == nil { config.modelDimension = small.modelDimension }
            if model.heads == nil { config.heads = small.heads }
            if model.ffn == nil { config.ffnDimension = small.ffnDimension }
            if model.encoderLayers == nil { config.encoderLayers = small.encoderLayers }
            if model.decoderLayers == nil { config.decoderLayers = small.decoderLayers }
        }
        if model.preNorm { throw CLIError("--pre-norm: the study trains post-LN; the adam-preln arm is the pre-LN control") }
        config.maxPositions = max(config.maxPositions, maxLen + 2)
        var trainer = TrainerSettings()
        trainer.maxTokens = maxTokens ?? d.maxTokens
        trainer.maxLength = maxLen
        trainer.updateFreq = updateFreq
        trainer.labelSmoothing = labelSmoothing
        trainer.clipNorm = clipNorm
        trainer.validEvery = validEvery ?? d.validEvery
        trainer.logEvery = logEvery
        trainer.saveEvery = saveEvery ?? d.saveEvery
        trainer.keepLast = keepLast ?? d.keepLast
        trainer.histogramEvery = histogramEvery ?? d.histogramEvery
        trainer.diagnostics = true
        var settings = StudySettings(
            arms: armList, lrs: lrList, seeds: seedList, maxUpdate: maxUpdate ?? d.maxUpdate, preset: model.preset, model: config,
            beta1: b1, beta2: b2, eps: eps, weightDecay: weightDecay, warmup: warmup ?? d.warmup, freeze: freeze ?? d.freeze,
            trainer: trainer, data: corpus.dataFiles(),
            testSource: testSrc, testTarget: testTgt, testLines: testLines ?? d.testLines, beam: beam,
            averageLast: averageLast ?? d.averageLast, threadsPerRun: max(1, runtime.threads / jobs))
        if let budgetSeconds {
            try settings.validate()
            settings.maxUpdate = try StudyBudget.maxUpdate(budgetSeconds: budgetSeconds, settings: settings, jobs: jobs, console: console)
        }
        let command = (["nmt"] + CommandLine.arguments.dropFirst()).map(Self.shellQuoted).joined(separator: " ")
        let outcome = try StudyRunner.run(StudyRunner.Request(
            name: name, database: database.db, settings: settings, lossThreshold: lossThreshold, extend: extend, jobs: jobs,
            command: command), console: console)
        let state = outcome.interrupted ? "interrupted (run the same command to resume)" : "complete"
        print("study \(name): \(state); trained \(outcome.trained) and evaluated \(outcome.evaluated) checkpoints this time, "
            + "\(outcome.diverged) diverged, in \(ProgressLine.format(duration: outcome.seconds)). See: nmt study show \(name) --db \(database.db)")
        if outcome.interrupted { throw ExitCode(130) }
    }

    static func list(_ text: String, flag: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if items.allSatisfy(\.isEmpty) { throw CLIError("\(flag) is empty: give a comma-separated list") }
        if let i = items.firstIndex(where: \.isEmpty) { throw CLIError("\(flag): item \(i + 1) of '\(text)' is empty") }
        return items
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./,=:".contains($0) }) && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
