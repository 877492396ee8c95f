import Corpus
import Foundation
import Optim
import Parallelism
import Store
import Tensor
import Text
import Training
import Transformer

/// One training process of a run: a new run (`start`) or a stored one continued from its last
/// checkpoint (`resume`), then `run()` until a limit, a signal or an error, recording how it ended.
public final class TrainingRun {
    /// Limits that may be raised when a run is resumed (nil = as stored).
    public struct Limits: Sendable {
        public var maxUpdate: Int?
        public var maxEpoch: Int?
        public var maxTime: Double?
        public init(maxUpdate: Int? = nil, maxEpoch: Int? = nil, maxTime: Double? = nil) {
            self.maxUpdate = maxUpdate; self.maxEpoch = maxEpoch; self.maxTime = maxTime
        }
    }

    /// Everything a new run is made of; the model's shape is resolved once the vocabulary
    /// (and so its size) is known.
    public struct Plan {
        public var name: String?
        public var database: String
        public var preset: String
        public var model: (_ vocabularySize: Int) throws -> TransformerConfig
        public var optimizer: OptimizerConfig
        public var schedule: Schedule
        public var trainer: TrainerSettings
        public var data: RunConfiguration.DataFiles
        public var threads: Int
        /// The study cell this run is (`nmt study run`), tagged in the transaction that creates it.
        public var study: StudyMembership?

        public init(name: String?, database: String, preset: String, model: @escaping (Int) throws -> TransformerConfig,
                    optimizer: OptimizerConfig, schedule: Schedule, trainer: TrainerSettings, data: RunConfiguration.DataFiles, threads: Int,
                    study: StudyMembership? = nil) {
            self.name = name; self.database = database; self.preset = preset; self.model = model; self.optimizer = optimizer
            self.schedule = schedule; self.trainer = trainer; self.data = data; self.threads = threads; self.study = study
        }

        /// The configuration this plan stores for a vocabulary of `vocabularySize` pieces:
        /// positions are widened to fit `maxLength` (+ `<s>` and `</s>`).
        public func configuration(vocabularySize: Int) throws -> RunConfiguration {
            var modelConfig = try model(vocabularySize)
            modelConfig.maxPositions = max(modelConfig.maxPositions, trainer.maxLength + 2)
            return RunConfiguration(preset: preset, model: modelConfig, optimizer: optimizer, schedule: schedule,
                                    trainer: trainer, data: data, threads: threads)
        }
    }

    /// How a `run()` ended.
    public struct Summary: Sendable {
        public var name: String
        public var reason: Trainer.StopReason
        public var updates: Int
        public var bestValidLoss: Double?
        public var bestValidUpdate: Int?
        /// The best-checkpoint metric's best (lower is better; see BestCheckpointMetric).
        public var bestSelectionValue: Double?
        public var bestSelectionUpdate: Int?
        public var skippedNonFinite: Int
    }

    public let store: RunStore
    public let name: String
    public let config: RunConfiguration
    public let trainer: Trainer
    let console: Console

    /// The parts both ways in share: the trainer over the loaded corpus, recording to the
    /// store, and the validation-BLEU hook when the run asks for one.
    private init(store: RunStore, name: String, config: RunConfiguration, model: TransformerModel, optimizer: any Optimizer,
                 state: TrainingState?, corpora: CorpusFiles, vocabulary: BPEModel, console: Console) throws {
        self.store = store
        self.name = name
        self.config = config
        self.console = console
        trainer = try Trainer(model: model, optimizer: optimizer, schedule: config.schedule, settings: config.trainer,
                              train: corpora.train.pairs, valid: corpora.valid.pairs,
                              recorder: StoreRecorder(store: store, run: name, keepLast: config.trainer.keepLast), state: state ?? TrainingState())
        if config.trainer.evalBLEUBeam > 0 {
            let text = try ParallelCorpus.read(source: config.data.validSource, target: config.data.validTarget)
            let translator = try Translator(model: model, vocabulary: vocabulary,
                                            settings: .init(beam: config.trainer.evalBLEUBeam), maxTokens: config.trainer.maxTokens)
            let referenceName = config.data.validTarget
            trainer.validationScores = {
                let hypotheses = try translator.translate(text.source)
                let scores = try CorpusBLEU.score(hypotheses: hypotheses, references: text.target, name: referenceName)
                return (scores.bleu.score, scores.chrF)
            }
        }
    }

    // MARK: Starting and resuming

    public static func start(_ plan: Plan, console: Console) throws -> TrainingRun {
        Parallel.setThreadCap(plan.threads)
        let vocabulary = try BPEModel.load(path: plan.data.vocabulary)
        let config = try plan.configuration(vocabularySize: vocabulary.vocabSize)
        try config.validate()
        let corpora = try CorpusFiles(config.data, vocabulary: vocabulary, database: plan.database, console: console)
        let store = try RunStore(path: plan.database)
        let runName = plan.name ?? defaultName(config)
        if (try? store.run(named: runName)) != nil {
            throw ApplicationError("a run named '\(runName)' already exists in \(plan.database): continue it with --resume \(runName), or choose another --name")
        }
        let model = try TransformerModel(config: config.model, seed: config.trainer.seed)
        try store.createRun(NewRun(
            name: runName, configurationJSON: try config.json(), corpus: corpora.files, vocabularySHA256: vocabulary.hash,
            seed: config.trainer.seed, toolVersion: BuildInfo.version, gitCommit: BuildInfo.gitCommit(), blas: BLASRuntime.description,
            optimizer: config.optimizer.kind.rawValue, learningRate: config.schedule.lr, warmupSteps: config.schedule.warmup),
            study: plan.study)
        let run = try TrainingRun(store: store, name: runName, config: config, model: model,
                                  optimizer: config.optimizer.makeOptimizer(parameterCount: model.parameterCount), state: nil,
                                  corpora: corpora, vocabulary: vocabulary, console: console)
        console.info("run \(runName): \(config.preset) (\(model.parameterCount) parameters), \(config.optimizer.kind.rawValue), lr \(config.schedule.lr), "
            + "\(config.schedule.kind.rawValue) schedule, warmup \(config.schedule.warmup); \(BLASRuntime.description)")
        corpora.report(trainer: run.trainer, console: console)
        return run
    }

    public static func resume(_ name: String, database: String, limits: Limits, threads: Int, console: Console) throws -> TrainingRun {
        guard FileManager.default.fileExists(atPath: database) else {
            throw ApplicationError("no run database at \(database) (give --db)")
        }
        let store = try RunStore(path: database)
        var restored = try RunRestore.restore(store: store, run: name, at: .last)
        // Limits may be raised on resume; the schedule stays as stored, so the learning rates
        // of updates already planned do not change.
        if let m = limits.maxUpdate { restored.config.trainer.maxUpdate = m }
        if let e = limits.maxEpoch { restored.config.trainer.maxEpoch = e }
        if let t = limits.maxTime { restored.config.trainer.maxTimeSeconds = t }
        let config = restored.config
        Parallel.setThreadCap(threads)
        let vocabulary = try BPEModel.load(path: config.data.vocabulary)
        guard vocabulary.hash == restored.record.run.vocabularySHA256 else {
            throw ApplicationError("\(config.data.vocabulary) has hash \(vocabulary.hash), but run '\(name)' was trained with \(restored.record.run.vocabularySHA256)")
        }
        let corpora = try CorpusFiles(config.data, vocabulary: vocabulary, database: database, console: console)
        try corpora.checkUnchanged(since: restored.record.run.corpus, run: name)
        let checkpoint = restored.checkpoint
        let optimizer = try config.optimizer.restoreOptimizer(parameterCount: restored.model.parameterCount,
                                                             from: Array(checkpoint.payload.optimizerState))
        let state = try Trainer.decodeState(Array(checkpoint.payload.trainingState))
        try store.reopenRun(name, resumingAfter: state.update)
        let run = try TrainingRun(store: store, name: name, config: config, model: restored.model, optimizer: optimizer, state: state,
                                  corpora: corpora, vocabulary: vocabulary, console: console)
        console.info("run \(name): resuming after update \(state.update) (epoch \(state.epoch)) from checkpoint \(checkpoint.info.id); \(BLASRuntime.description)")
        return run
    }

    // MARK: Running

    /// Trains until a limit or a signal, with a progress line; the run is marked finished,
    /// interrupted or (with the error rethrown) failed.
    public func run(onProgress: ((Trainer.Progress) -> Void)? = nil) throws -> Summary {
        StopSignals.install()
        let total = config.trainer.maxUpdate > 0 ? config.trainer.maxUpdate : nil
        let progress = ProgressLine("update", total: total, unit: "updates", quiet: console.quiet)
        let startUpdate = trainer.state.update
        let startFraction = trainer.completedFraction
        let reason: Trainer.StopReason
        do {
            reason = try trainer.run { p in
                onProgress?(p)
                progress.update(p.update - startUpdate, detail: "epoch \(p.epoch) | loss \(String(format2: p.loss)) | lr \(scientific(p.lr)) | \(Int(p.tokensPerSecond)) tok/s",
                                shownDone: p.update, fraction: (startFraction, p.completed))
            }
        } catch {
            progress.finish(trainer.state.update - startUpdate, shownDone: trainer.state.update)
            try? store.finishRun(name, status: .failed)
            throw error
        }
        progress.finish(trainer.state.update - startUpdate, shownDone: trainer.state.update)
        try store.finishRun(name, status: reason == .interrupted ? .interrupted : .finished)
        let s = trainer.state
        return Summary(name: name, reason: reason, updates: s.update, bestValidLoss: s.bestValidLoss, bestValidUpdate: s.bestValidUpdate,
                       bestSelectionValue: s.bestSelectionValue ?? s.bestValidLoss, bestSelectionUpdate: s.bestSelectionUpdate ?? s.bestValidUpdate,
                       skippedNonFinite: s.skippedNonFinite)
    }

    static func defaultName(_ c: RunConfiguration) -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        return "\(c.optimizer.kind.rawValue)-\(c.preset)-\(stamp)"
    }
}
