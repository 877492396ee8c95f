import Application
import ArgumentParser
import Foundation
import Optim
import Store
import Text
import Training

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "The warmup-vs-RAdam study: plan, run, show, report, merge.",
        discussion: """
        A study is a planned grid of arms × learning rates × seeds: `plan` stores its
        design, `run` trains it (in shards if you like, then `merge`), `show` and
        `report` give its results, judged by seed-level comparisons with the baseline
        (docs/study-method.md).
        """,
        subcommands: [StudyPlanCommand.self, StudyRunCommand.self, StudyShowCommand.self, StudyReportCommand.self, StudyMergeCommand.self])
}

/// The flags that define a study (its plan): shared by `study plan` and `study run`.
struct StudyGridOptions: ParsableArguments {
    @Flag(help: "A miniature of the design (every arm, a small model, 40 updates, 100 test sentences): a few minutes.")
    var quick = false
    @Option(help: "Comma-separated arms (default: adam,adam-warmup,adam-untuned,radam,control).") var arms: String?
    @Option(help: "Comma-separated step-warmup lengths of adam-warmup (and adam-preln-warmup), one arm each; the first is the baseline's (default 200; quick 12).")
    var warmups: String?
    @Option(help: "The arm every other arm is compared with (default: adam-warmup-<first warmup>).") var baseline: String?
    @Option(help: "Comma-separated peak learning rates (default 5e-4,1e-3,2e-3,4e-3,8e-3,1.6e-2; quick 1e-3,3e-3).") var lrs: String?
    @Option(help: "Comma-separated seeds (default 1,2,3,4,5; quick 1,2).") var seeds: String?
    @Option(name: .customLong("max-update"), help: "Updates per run, T (default 1500; quick 40). Adam-2k runs T + --freeze.") var maxUpdate: Int?
    @Option(help: "Instead of --max-update: fit the study into this wall time (90m, 2h): updates per run from a calibration of this machine.")
    var budget: String?
    @Option(help: "Encoder and decoder layers (default: the preset's).") var layers: Int?
    @OptionGroup(title: "Model") var model: ModelOptions

    @OptionGroup(title: "Corpus") var corpus: CorpusOptions
    @Option(name: .customLong("test-src")) var testSrc = "data/bible/test.es"
    @Option(name: .customLong("test-tgt")) var testTgt = "data/bible/test.en"

    @Option(help: "Adam betas 'b1,b2' (default 0.9,0.98).") var betas = "0.9,0.98"
    @Option(help: "Adam epsilon of every arm but adam-eps.") var eps = 1e-8
    @Option(name: .customLong("eps-placement"), help: "Where the Adam arms add epsilon: inside (fairseq's Adam and the authors' code; the default) or torch.")
    var epsPlacement: EpsilonPlacement = .inside
    @Option(name: .customLong("weight-decay"), help: "Decoupled weight decay (default 1e-4; quick 0).") var weightDecay: Double?
    @Option(help: "adam-2k's updates that only accumulate v (default 100; quick 6).") var freeze: Int?
    @Option(name: .customLong("max-tokens"), help: "Tokens per batch (default 1024).") var maxTokens: Int?
    @Option(name: .customLong("max-len")) var maxLen = 256
    @Option(name: .customLong("update-freq")) var updateFreq = 1
    @Option(name: .customLong("label-smoothing")) var labelSmoothing = 0.1
    @Option(name: .customLong("clip-norm")) var clipNorm = 0.0
    @Option(name: .customLong("valid-every")) var validEvery: Int?
    @Option(name: .customLong("log-every")) var logEvery = 10
    @Option(name: .customLong("save-every")) var saveEvery: Int?
    @Option(name: .customLong("keep-last")) var keepLast: Int?
    @Option(name: .customLong("average-last"), help: "Final checkpoints averaged for the test evaluation (default 5; quick 3).")
    var averageLast: Int?
    @Option(name: .customLong("histogram-every")) var histogramEvery: Int?
    @Option(help: "Beam size of the test-set evaluations.") var beam = 5
    @Option(name: .customLong("test-lines"), help: "Evaluate only the first N test sentences (quick: 100).") var testLines: Int?
    @Flag(name: .customLong("evaluate-last"), help: "Also evaluate each run's last checkpoint (default: the average of the last --average-last only).")
    var evaluateLast = false
    @Flag(name: .customLong("keep-checkpoints"), help: "Keep each run's last and averaged checkpoints (default: a done run keeps none, so the study stays small).")
    var keepCheckpoints = false
    @Option(name: .customLong("loss-threshold"), help: "Training NLL (nats/token) for 'updates to threshold' (default: the unigram entropy of the training targets).")
    var lossThreshold: Double?
    @Option(name: .customLong("gradient-noise-at"), help: "Measure each run's adaptive-rate variance over gradient noise at these updates (e.g. 1,10,50,100; default none; quick 1,10).")
    var gradientNoiseAt: String?
    @Option(name: .customLong("gradient-noise-batches"), help: "Mini-batch gradients per gradient-noise measurement (default 8).") var gradientNoiseBatches = 8
    @Option(help: "Family-wise α of the comparisons (Holm) and of TOST (default 0.05).") var alpha = 0.05
    @Option(name: .customLong("loss-margin"), help: "Equivalence margin on the final validation loss, nats/token (default 0.05).") var lossMargin = 0.05
    @Option(name: .customLong("bleu-margin"), help: "Equivalence margin on test BLEU (default 0.5).") var bleuMargin = 0.5
    @Option(name: .customLong("bleu-floor"), help: "BLEU differences get a verdict only when both arms reach this BLEU (default 5).") var bleuFloor = 5.0

    var defaults: StudyDefaults { quick ? .quick : .full }

    /// The settings these flags describe, with `threads` split over `jobs` runs at a time.
    func settings(threads: Int, jobs: Int) throws -> StudySettings {
        let d = defaults
        let warmupList = try warmups.map { try Self.list($0, flag: "--warmups").map { s -> Int in
            guard let v = Int(s), v > 0 else { throw CLIError("--warmups: '\(s)' is not a positive whole number of updates") }
            return v
        } } ?? d.warmups
        let freezeUpdates = freeze ?? d.freeze
        let armNames = try arms.map { try Self.list($0, flag: "--arms") } ?? d.arms
        let armList = try StudyArmCatalog.arms(named: armNames, warmups: warmupList, freeze: freezeUpdates)
        let lrList = try lrs.map { try Self.list($0, flag: "--lrs").map { s -> Double in
            guard let v = Double(s) else { throw CLIError("--lrs: '\(s)' is not a number") }
            return v
        } } ?? d.lrs
        let seedList = try seeds.map { try Self.list($0, flag: "--seeds").map { s -> UInt64 in
            guard let v = UInt64(s) else { throw CLIError("--seeds: '\(s)' is not a non-negative whole number") }
            return v
        } } ?? d.seeds
        if budget != nil && maxUpdate != nil { throw CLIError("give --max-update or --budget, not both") }
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
        if let layers {
            guard layers >= 1 else { throw CLIError("--layers must be at least 1, got \(layers)") }
            config.encoderLayers = layers
            config.decoderLayers = layers
        }
        if model.preNorm { throw CLIError("--pre-norm: the study trains post-LN; the adam-preln arms are the pre-LN controls") }
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
        // A study run stops at its first non-finite update: nothing is skipped silently.
        trainer.nonFiniteLimit = 1
        var design = StudyDesign()
        design.alpha = alpha
        design.lossMargin = lossMargin
        design.bleuMargin = bleuMargin
        design.bleuFloor = bleuFloor
        let defaultBaseline = armList.first { $0.warmupUpdates == warmupList.first && $0.optimizer == .adam && !$0.preNorm && !$0.sourceBlind }?.name
        var settings = StudySettings(
            arms: armList, lrs: lrList, seeds: seedList, maxUpdate: maxUpdate ?? d.maxUpdate, preset: model.preset, model: config,
            beta1: b1, beta2: b2, eps: eps, epsPlacement: epsPlacement, weightDecay: weightDecay ?? d.weightDecay, trainer: trainer,
            data: corpus.dataFiles(), testSource: testSrc, testTarget: testTgt, testLines: testLines ?? d.testLines, beam: beam,
            averageLast: averageLast ?? d.averageLast, evaluate: evaluateLast ? ["last", "avg"] : ["avg"], threadsPerRun: max(1, threads / jobs),
            baseline: baseline ?? defaultBaseline, design: design, keepCheckpoints: keepCheckpoints,
            gradientNoiseAt: try gradientNoiseAt.map { try Self.list($0, flag: "--gradient-noise-at").map { s -> Int in
                guard let u = Int(s) else { throw CLIError("--gradient-noise-at: '\(s)' is not an update number") }
                return u
            } } ?? d.gradientNoiseAt, gradientNoiseBatches: gradientNoiseBatches)
        if let budget {
            guard let seconds = DurationParser.seconds(budget), seconds > 0 else { throw CLIError("--budget must look like 90m, 2h or 1h30m, got '\(budget)'") }
            try settings.validate()
            settings.maxUpdate = try StudyBudget.maxUpdate(budgetSeconds: seconds, settings: settings, jobs: jobs, console: Console(quiet: false))
        }
        return settings
    }

    static func list(_ text: String, flag: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if items.allSatisfy(\.isEmpty) { throw CLIError("\(flag) is empty: give a comma-separated list") }
        if let i = items.firstIndex(where: \.isEmpty) { throw CLIError("\(flag): item \(i + 1) of '\(text)' is empty") }
        return items
    }

    /// The command line as a shell would read it back, kept with the study.
    static func commandLine() -> String {
        (["nmt"] + CommandLine.arguments.dropFirst()).map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./,=:".contains($0) }) && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

struct StudyPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Store a study's design before any run, and estimate its cost here.",
        discussion: """
        The design: arms, lrs, seeds, updates, endpoints, comparisons, margins and α.
        Arms:\(StudyArmCatalog.help(warmups: StudyDefaults.full.warmups, freeze: StudyDefaults.full.freeze))
        Every arm shares model, data, batch order, seeds, peak lr and the linear decay
        to zero at --max-update. After the plan, `nmt study run NAME` (no other flags)
        trains it; a run with other settings is refused unless --extend. The cost
        estimate times 20 updates of the first cell on this machine.
        Examples:
          nmt study plan bible
          nmt study plan deep --layers 6 --lrs 5e-4,1e-3 --seeds 1,2,3 \\
              --arms adam,adam-warmup,radam,adam-preln,adam-preln-warmup
        """)

    @Argument(help: "Study name (letters, digits, '-', '_').") var name: String
    @OptionGroup var grid: StudyGridOptions
    @Option(help: "Runs trained at the same time (default 2; threads per run = --threads / --jobs).") var jobs: Int?
    @Flag(name: .customLong("no-estimate"), help: "Do not time updates to estimate the study's CPU-hours.") var noEstimate = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let jobs = jobs ?? min(grid.defaults.jobs, runtime.threads)
        guard jobs >= 1 else { throw CLIError("--jobs must be at least 1") }
        let settings = try grid.settings(threads: runtime.threads, jobs: jobs)
        let planned = try StudyRunner.plan(StudyRunner.Request(
            name: name, database: database.db, settings: settings, lossThreshold: grid.lossThreshold, extend: false, jobs: jobs,
            command: StudyGridOptions.commandLine()), console: console)
        let s = planned.settings
        print("study \(name): \(planned.created ? "planned" : "already planned with these settings") in \(database.db)")
        print("  \(s.cells.count) runs: \(s.arms.count) arms × \(s.lrs.count) lrs × \(s.seeds.count) seeds (\(s.arms.filter { $0.seedLimit != nil }.map(\.name).joined(separator: ", ")) on fewer seeds); "
            + "\(s.maxUpdate) updates each, \(s.totalUpdates) in all")
        for arm in s.arms { print("  \(arm.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(arm.summary)\(arm.name == s.baseline ? " [baseline]" : "")") }
        for line in s.design?.lines ?? [] { print("  " + line) }
        if !noEstimate {
            let seconds = try StudyBudget.secondsPerUpdate(settings: s)
            let cpuHours = seconds * Double(s.totalUpdates) * Double(s.threadsPerRun) / 3600
            let wallHours = seconds * Double(s.totalUpdates) / Double(jobs) / 3600
            print(String(format: "  estimated training cost here: %.2f CPU-hours (%.3f s per update with %d thread%@, %d runs at a time: %.2f hours of wall time); "
                + "the test-set evaluations come on top", cpuHours, seconds, s.threadsPerRun, s.threadsPerRun == 1 ? "" : "s", jobs, wallHours))
        }
        print("run it with: nmt study run \(name) --db \(database.db)   (or in shards: --shard I/N, each in a copy of this database; then nmt study merge)")
    }
}

struct StudyRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train and evaluate every run of a study not done yet (resumable).",
        discussion: """
        Killed at any point (kill -9 too), run the same command again to resume.
        With only the study's name (and --db, --jobs, --shard, --threads), runs the
        stored plan (nmt study plan). With grid flags, plans the study from them first
        (or checks them against the stored plan).
        Arms:\(StudyArmCatalog.help(warmups: StudyDefaults.full.warmups, freeze: StudyDefaults.full.freeze))
        Each finished run is evaluated on the test split (beam search, the average of
        the last --average-last checkpoints), translations stored; then its checkpoints
        are dropped (--keep-checkpoints keeps them).
        Examples:
          nmt study run demo --quick
          nmt study plan bible && nmt study run bible
          nmt study run bible --db shard2.sqlite --shard 2/4
                                  one shard, in its own copy of the planned database
          nmt study run bible --seeds 1,2,3,4,5,6 --extend     add a seed
        """)

    @Argument(help: "Study name (letters, digits, '-', '_').") var name: String
    @OptionGroup var grid: StudyGridOptions
    @Option(help: "Runs trained at the same time (default 2; threads per run = --threads / --jobs).") var jobs: Int?
    @Option(help: "Run only the I-th of N interleaved parts of the study's runs (I/N, e.g. 2/4): cell k goes to shard (k mod N) + 1.")
    var shard: String?
    @Flag(help: "Add the arms, lrs or seeds given to an existing study of this name.") var extend = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    /// Flags that do not define the study: with only these, `run` takes the stored plan.
    static let runOnlyFlags: Set<String> = ["--db", "--jobs", "--shard", "--threads", "--quiet"]

    func run() throws {
        let console = runtime.apply()
        let jobs = jobs ?? min(grid.defaults.jobs, runtime.threads)
        guard jobs >= 1 else { throw CLIError("--jobs must be at least 1") }
        let shardSpec = try shard.map(StudyShard.init(parsing:))
        // Any flag that defines the study: plan it from the flags (or check them against the plan).
        let gridFlagsGiven = CommandLineFlags.first(in: CommandLine.arguments, notIn: Self.runOnlyFlags) != nil
        let settings = gridFlagsGiven ? try grid.settings(threads: runtime.threads, jobs: jobs) : nil
        let outcome = try StudyRunner.run(StudyRunner.Request(
            name: name, database: database.db, settings: settings, lossThreshold: grid.lossThreshold, extend: extend, jobs: jobs,
            shard: shardSpec, command: StudyGridOptions.commandLine()), console: console)
        let state = outcome.interrupted ? "interrupted (run the same command to resume)" : "complete"
        print("study \(name)\(shardSpec.map { " shard \($0)" } ?? ""): \(state); trained \(outcome.trained) and evaluated \(outcome.evaluated) checkpoints this time, "
            + "\(outcome.diverged) diverged, in \(ProgressLine.format(duration: outcome.seconds)). See: nmt study show \(name) --db \(database.db)")
        if outcome.interrupted { throw ExitCode(130) }
    }
}

struct StudyMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the databases of a study's shards into one.",
        discussion: """
        Every input must hold the same plan, and no run may be in two inputs.
        Example (a study in 4 shards, e.g. a Slurm job array or 4 machines):
          nmt study plan bible --db plan.sqlite
          for i in 1 2 3 4; do cp plan.sqlite shard$i.sqlite; done
          nmt study run bible --db shard$I.sqlite --shard $I/4        (job I)
          nmt study merge bible.sqlite shard1.sqlite shard2.sqlite \\
              shard3.sqlite shard4.sqlite
        """)

    @Argument(help: "The merged database (created if missing).") var output: String
    @Argument(help: "The shards' databases.") var inputs: [String] = []
    @Option(help: "The study to merge, when a database holds several.") var study: String?
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let outcome = try StudyMerge.merge(output: output, inputs: inputs, study: study, console: console)
        print("study \(outcome.study): merged \(outcome.runs) runs from \(outcome.inputs) database\(outcome.inputs == 1 ? "" : "s") into \(output)")
    }
}
