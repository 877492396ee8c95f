import Collective
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
///
/// In a data-parallel job (`mpirun -np N nmt train …`) every rank makes one: rank 0 alone opens
/// the store, creates or restores the run and sends what the others need (`RankHandshake`):
/// the run's name and configuration, the corpus and vocabulary hashes, and the weights,
/// optimizer state and training state to start from. The other ranks read the same corpus and
/// vocabulary files and never touch the database.
public final class TrainingRun {
    /// Limits that may be raised when a run is resumed (nil = as stored).
    public struct Limits: Sendable {
        public var maxUpdate: Int?
        public var maxEpoch: Int?
        public var maxTime: Double?
        public init(maxUpdate: Int? = nil, maxEpoch: Int? = nil, maxTime: Double? = nil) {
            self.maxUpdate = maxUpdate; self.maxEpoch = maxEpoch; self.maxTime = maxTime
        }

        /// The limits given, in place of the stored ones.
        func apply(to trainer: inout TrainerSettings) {
            if let maxUpdate { trainer.maxUpdate = maxUpdate }
            if let maxEpoch { trainer.maxEpoch = maxEpoch }
            if let maxTime { trainer.maxTimeSeconds = maxTime }
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

    /// The run database; nil on the ranks that do not write (all but rank 0).
    public let store: RunStore?
    public let name: String
    public let config: RunConfiguration
    public let trainer: Trainer
    public let collective: Collective
    let console: Console
    /// This process's claim to write the run (`DatabaseLock.run`), held while the object lives;
    /// nil on the ranks that do not write.
    private let writerLock: DatabaseLock?

    /// The parts both ways in share: the trainer over the loaded corpus, recording to the
    /// store, and the validation-BLEU hook when the run asks for one.
    private init(store: RunStore?, name: String, config: RunConfiguration, model: TransformerModel, optimizer: any Optimizer,
                 state: TrainingState?, corpora: CorpusFiles, vocabulary: BPEModel, collective: Collective, console: Console,
                 writerLock: DatabaseLock?) throws {
        self.store = store
        self.writerLock = writerLock
        self.name = name
        self.config = config
        self.collective = collective
        self.console = console
        let recorder = store.map { StoreRecorder(store: $0, run: name, keepLast: config.trainer.keepLast) }
        if let recorder, collective.isDistributed {
            let resume = "mpirun -np \(collective.size) nmt train --resume \(name) --db \(recorder.store.database.path)"
            func note(checkpoint update: Int?) {
                let kept = update.map { "its last checkpoint (update \($0)) is intact; continue it with `\(resume)`" }
                    ?? "it has no checkpoint yet, so there is nothing to continue"
                StopSignals.setNote("nmt: rank 0: stop signal: finishing the update in flight on every rank, then checkpointing. If mpirun is ending "
                    + "the job because a rank died, that cannot happen; run \(name): \(kept)\n")
            }
            note(checkpoint: state?.update)
            recorder.afterCheckpoint = { note(checkpoint: $0) }
        }
        trainer = try Trainer(model: model, optimizer: optimizer, schedule: config.schedule, settings: config.trainer,
                              train: corpora.train.pairs, valid: corpora.valid.pairs, recorder: recorder,
                              state: state ?? TrainingState(), collective: collective)
        if config.trainer.evalBLEUBeam > 0 {
            let text = try ParallelCorpus.read(source: config.data.validSource, target: config.data.validTarget)
            let translator = try Translator(model: model, vocabulary: vocabulary,
                                            settings: .init(beam: config.trainer.evalBLEUBeam), maxTokens: config.trainer.maxTokens)
            let referenceName = config.data.validTarget
            trainer.validationScores = {
                // Each rank translates every N-th sentence; all ranks then score all of them.
                let hypotheses = try collective.shareOut(text.source) { try translator.translate($0) }
                let scores = try CorpusBLEU.score(hypotheses: hypotheses, references: text.target, name: referenceName)
                return (scores.bleu.score, scores.chrF)
            }
        }
    }

    // MARK: Starting and resuming

    public static func start(_ plan: Plan, collective: Collective = SingleProcess(), console: Console) throws -> TrainingRun {
        try start(plan, collective: collective, console: console, lock: nil)
    }

    /// `lock`: the run's writer claim when the caller holds it already (a resume that starts
    /// the run again); otherwise it is taken here.
    private static func start(_ plan: Plan, collective: Collective, console: Console, lock held: DatabaseLock?) throws -> TrainingRun {
        Parallel.setThreadCap(plan.threads)
        guard collective.isRoot else { return try joinAsWorker(collective: collective, database: plan.database, console: console) }
        let vocabulary = try BPEModel.load(path: plan.data.vocabulary)
        var config = try plan.configuration(vocabularySize: vocabulary.vocabSize)
        config.trainer.ranks = collective.isDistributed ? collective.size : nil
        try config.validate()
        let corpora = try CorpusFiles(config.data, vocabulary: vocabulary, database: plan.database, console: console)
        let store = try RunStore(path: plan.database)
        let runName = plan.name ?? defaultName(config)
        try checkName(runName)
        // One writer per run: a second `train` of this name, or a resume of it, is refused.
        let lock = try held ?? DatabaseLock.run(runName, database: plan.database)
        if (try? store.run(named: runName)) != nil {
            throw ApplicationError("a run named '\(runName)' already exists in \(plan.database): continue it with --resume \(runName), or choose another --name")
        }
        let model = try TransformerModel(config: config.model, seed: config.trainer.seed)
        try store.createRun(NewRun(
            name: runName, configurationJSON: try config.json(), corpus: corpora.files, vocabularySHA256: vocabulary.hash,
            seed: config.trainer.seed, toolVersion: BuildInfo.version, gitCommit: BuildInfo.gitCommit(), blas: BLASRuntime.description,
            optimizer: config.optimizer.kind.rawValue, learningRate: config.schedule.lr, warmupSteps: config.schedule.warmup),
            study: plan.study)
        let optimizer = config.optimizer.makeOptimizer(parameterCount: model.parameterCount)
        if collective.isDistributed {
            try RankHandshake(name: runName, configurationJSON: try config.json(), vocabularySHA256: vocabulary.hash, corpus: corpora.files,
                              optimizer: nil, state: nil).send(weights: model.parameters, over: collective)
        }
        let run: TrainingRun
        do {
            run = try TrainingRun(store: store, name: runName, config: config, model: model, optimizer: optimizer, state: nil,
                                  corpora: corpora, vocabulary: vocabulary, collective: collective, console: console, writerLock: lock)
        } catch {
            // Refused after its row was written (e.g. no training pair left once over-long ones
            // are skipped): the row goes too, so the name is free and no run sits in 'running'.
            try? store.deleteRun(runName)
            throw error
        }
        console.info("run \(runName): \(config.preset) (\(model.parameterCount) parameters), \(config.optimizer.kind.rawValue), lr \(config.schedule.lr), "
            + "\(config.schedule.kind.rawValue) schedule, warmup \(config.schedule.warmup); \(BLASRuntime.description)\(collective.jobDescription(config.trainer))")
        corpora.report(trainer: run.trainer, console: console)
        return run
    }

    public static func resume(_ name: String, database: String, limits: Limits, threads: Int, collective: Collective = SingleProcess(),
                              console: Console) throws -> TrainingRun {
        guard collective.isRoot else {
            Parallel.setThreadCap(threads)
            return try joinAsWorker(collective: collective, database: database, console: console)
        }
        guard FileManager.default.fileExists(atPath: database) else {
            throw ApplicationError("no run database at \(database) (give --db)")
        }
        let store = try RunStore(path: database)
        // Refused while another process trains the run: two writers would each save their own
        // checkpoints of the same updates (and a run still before its first would be deleted below).
        _ = try store.run(named: name)
        let lock = try DatabaseLock.run(name, database: database)
        // Killed before its first checkpoint: nothing to resume from, so the run starts again
        // from its stored configuration (its updates are a function of it; nothing is lost).
        if try store.checkpointInfo(run: name, .last) == nil {
            let record = try store.run(named: name)
            if try store.study(ofRun: name) != nil {
                throw ApplicationError("run '\(name)' has no checkpoint and belongs to a study: `nmt study run` starts it again")
            }
            var config = try RunConfiguration.decode(json: record.run.configurationJSON)
            limits.apply(to: &config.trainer)
            console.info("run \(name) has no checkpoint (stopped before its first): starting it again from its stored configuration")
            try store.deleteRun(name)
            return try start(Plan(name: name, database: database, preset: config.preset, model: { [config] _ in config.model },
                                  optimizer: config.optimizer, schedule: config.schedule, trainer: config.trainer, data: config.data,
                                  threads: threads), collective: collective, console: console, lock: lock)
        }
        var restored = try RunRestore.restore(store: store, run: name, at: .last)
        // Limits may be raised on resume; the schedule stays as stored, so the learning rates
        // of updates already planned do not change.
        // Past the end of a linear decay to 0 every update runs at rate 0: done as asked, not silently.
        let schedule = restored.config.schedule
        if let m = limits.maxUpdate, schedule.kind == .linear && schedule.minLR == 0 && schedule.maxUpdate > 0 && m > schedule.maxUpdate {
            console.warn("run '\(name)': its linear schedule decays to 0 at update \(schedule.maxUpdate), so updates "
                + "\(schedule.maxUpdate + 1)–\(m) run at rate 0; for more training, train a new run (nmt show \(name) --config gives its settings) with a longer --max-update")
        }
        limits.apply(to: &restored.config.trainer)
        // Another number of ranks than before takes the same updates: the batches of an
        // update are shared out anew.
        let stored = restored.config.trainer
        guard let onRanks = stored.onRanks(collective.size) else {
            throw ApplicationError("run '\(name)' takes \(stored.batchesPerUpdate) batches per update (update-freq \(stored.updateFreq) on \(stored.rankCount) ranks), "
                + "which \(collective.size) ranks cannot share evenly: resume it on a number of ranks that divides \(stored.batchesPerUpdate)")
        }
        restored.config.trainer = onRanks
        let config = restored.config
        Parallel.setThreadCap(threads)
        let vocabulary = try BPEModel.load(path: config.data.vocabulary)
        guard vocabulary.hash == restored.record.run.vocabularySHA256 else {
            throw ApplicationError("\(config.data.vocabulary) has hash \(vocabulary.hash), but run '\(name)' was trained with \(restored.record.run.vocabularySHA256)")
        }
        let corpora = try CorpusFiles(config.data, vocabulary: vocabulary, database: database, console: console)
        try corpora.checkUnchanged(since: restored.record.run.corpus, run: name)
        let checkpoint = restored.checkpoint
        guard !checkpoint.payload.optimizerState.isEmpty else {
            throw ApplicationError("run '\(name)': the optimizer state of checkpoint \(checkpoint.info.id) was dropped (nmt prune --drop-moments); "
                + "the run translates and evaluates, and cannot be resumed")
        }
        let optimizer = try config.optimizer.restoreOptimizer(parameterCount: restored.model.parameterCount,
                                                             from: Array(checkpoint.payload.optimizerState))
        let state = try Trainer.decodeState(Array(checkpoint.payload.trainingState))
        try store.reopenRun(name, resumingAfter: state.update)
        if collective.isDistributed {
            try RankHandshake(name: name, configurationJSON: try config.json(), vocabularySHA256: vocabulary.hash, corpus: corpora.files,
                              optimizer: Array(checkpoint.payload.optimizerState), state: Array(checkpoint.payload.trainingState))
                .send(weights: restored.model.parameters, over: collective)
        }
        let run = try TrainingRun(store: store, name: name, config: config, model: restored.model, optimizer: optimizer, state: state,
                                  corpora: corpora, vocabulary: vocabulary, collective: collective, console: console, writerLock: lock)
        console.info("run \(name): resuming after update \(state.update) (epoch \(state.epoch)) from checkpoint \(checkpoint.info.id); "
            + "\(BLASRuntime.description)\(collective.jobDescription(config.trainer))")
        if stored.rankCount != collective.size {
            console.info("run \(name) trained on \(stored.rankCount) rank(s) with update-freq \(stored.updateFreq); on \(collective.size) it takes update-freq \(config.trainer.updateFreq): the same \(config.trainer.batchesPerUpdate) batches per update")
        }
        return run
    }

    /// A rank other than 0: the run as rank 0 describes it, from the same files, without the store.
    private static func joinAsWorker(collective: Collective, database: String, console: Console) throws -> TrainingRun {
        let (described, receiveWeights) = try RankHandshake.receive(over: collective)
        var handshake = described
        let config = try RunConfiguration.decode(json: handshake.configurationJSON)
        let vocabulary = try BPEModel.load(path: config.data.vocabulary)
        guard vocabulary.hash == handshake.vocabularySHA256 else {
            throw ApplicationError("rank \(collective.rank): \(config.data.vocabulary) has hash \(vocabulary.hash.prefix(12))…, rank 0's has \(handshake.vocabularySHA256.prefix(12))…")
        }
        // The encoded-corpus cache is next to the database (the same --db on every rank), and
        // rank 0 has filled it by now.
        let corpora = try CorpusFiles(config.data, vocabulary: vocabulary, database: database, console: console)
        for (mine, root) in zip(corpora.files, handshake.corpus) where mine.sha256 != root.sha256 {
            throw ApplicationError("rank \(collective.rank): \(mine.path) differs from rank 0's (SHA-256 \(mine.sha256.prefix(12))… vs \(root.sha256.prefix(12))…)")
        }
        let model = try TransformerModel(config: config.model, seed: config.trainer.seed)
        handshake = receiveWeights(model.parameters)
        let optimizer = try handshake.optimizer.map { try config.optimizer.restoreOptimizer(parameterCount: model.parameterCount, from: $0) }
            ?? config.optimizer.makeOptimizer(parameterCount: model.parameterCount)
        let state = try handshake.state.map(Trainer.decodeState)
        return try TrainingRun(store: nil, name: handshake.name, config: config, model: model, optimizer: optimizer, state: state,
                               corpora: corpora, vocabulary: vocabulary, collective: collective, console: console, writerLock: nil)
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
        // Each validation and checkpoint as a line of its own, TTY or not.
        if let recorder = trainer.recorder as? StoreRecorder {
            recorder.afterValidation = { [trainer, console] v in
                progress.clear()
                console.info(Self.validationLine(v, state: trainer.state, metric: trainer.settings.selectionMetric))
            }
            recorder.afterSave = { [console] update, kind in
                progress.clear()
                console.info("checkpoint saved at update \(update) (\(kind.rawValue))")
            }
        }
        let reason: Trainer.StopReason
        do {
            reason = try trainer.run { p in
                onProgress?(p)
                progress.update(p.update - startUpdate, detail: "epoch \(p.epoch) | loss \(String(format2: p.loss)) | lr \(scientific(p.lr)) | \(Int(p.tokensPerSecond)) tok/s",
                                shownDone: p.update, fraction: (startFraction, p.completed))
            }
        } catch {
            progress.finish(trainer.state.update - startUpdate, shownDone: trainer.state.update)
            try? store?.finishRun(name, status: .failed)
            throw error
        }
        progress.finish(trainer.state.update - startUpdate, shownDone: trainer.state.update)
        try store?.finishRun(name, status: reason == .interrupted ? .interrupted : .finished)
        // The database file alone holds the run from here on (copies and archives of it too).
        try? store?.checkpointWAL()
        let comm = trainer.communication
        if comm.updates > 0 {
            let perUpdate = { (seconds: Double) in String(format: "%.1f", 1000 * seconds / Double(comm.updates)) }
            console.info("all-reduce of the gradients: \(perUpdate(comm.seconds)) ms per update, after \(perUpdate(comm.waiting)) ms waiting for the slowest rank "
                + "(\(comm.updates) updates, \(collective.size) ranks, \(String(format: "%.1f", Double(trainer.model.parameterCount) * 4 / 1e6)) MB of gradients)")
        }
        let s = trainer.state
        return Summary(name: name, reason: reason, updates: s.update, bestValidLoss: s.bestValidLoss, bestValidUpdate: s.bestValidUpdate,
                       bestSelectionValue: s.bestSelectionValue ?? s.bestValidLoss, bestSelectionUpdate: s.bestSelectionUpdate ?? s.bestValidUpdate,
                       skippedNonFinite: s.skippedNonFinite)
    }

    /// "validation at update 500 (epoch 2): loss 5.123, nll 4.870, ppl 130.3, BLEU 12.34, chrF 40.12; best loss 5.123 (update 500)"
    static func validationLine(_ v: ValidationResult, state: TrainingState, metric: BestCheckpointMetric) -> String {
        var line = "validation at update \(v.update) (epoch \(v.epoch)): loss \(String(format: "%.3f", v.loss)), nll \(String(format: "%.3f", v.nll)), "
            + "ppl \(String(format: "%.1f", v.perplexity))"
        if let bleu = v.bleu { line += ", BLEU \(String(format: "%.2f", bleu))" }
        if let chrF = v.chrF { line += ", chrF \(String(format: "%.2f", chrF))" }
        let best = state.bestSelectionValue ?? (metric == .loss ? state.bestValidLoss : nil)
        let bestUpdate = state.bestSelectionUpdate ?? (metric == .loss ? state.bestValidUpdate : nil)
        if let best, let bestUpdate {
            line += "; best \(metric.rawValue) \(String(format: metric == .loss ? "%.3f" : "%.2f", metric.display(best))) (update \(bestUpdate))"
        }
        return line
    }

    /// A run's name becomes part of file names (`--learn-vocab` writes NAME.bpe beside the
    /// database) and of study run names: letters, digits, '.', '_' and '-', not starting with
    /// '.' or '-', at most 200 characters.
    public static func checkName(_ name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) }
        guard !name.isEmpty, name.count <= 200, allowed, !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw ApplicationError("run name '\(name.unicodeScalars.map { $0.value < 0x20 ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())' "
                + "must be 1–200 letters, digits, '.', '_' or '-', not starting with '.' or '-'")
        }
    }

    static func defaultName(_ c: RunConfiguration) -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        return "\(c.optimizer.kind.rawValue)-\(c.preset)-\(stamp)"
    }
}
