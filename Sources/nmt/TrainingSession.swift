import Corpus
import Foundation
import Hashing
import Optim
import Store
import Tensor
import Text
import Training
import Transformer

/// One training process: opens the database, loads corpus and vocabulary, builds or restores
/// model and optimizer, runs the trainer, and records how the run ended.
final class TrainingSession {
    struct Limits {
        var maxUpdate: Int?
        var maxEpoch: Int?
        var maxTime: Double?
    }

    let store: RunStore
    let name: String
    let config: RunConfiguration
    let trainer: Trainer
    let quiet: Bool

    private init(store: RunStore, name: String, config: RunConfiguration, trainer: Trainer, quiet: Bool,
                 model: TransformerModel, vocabulary: BPEModel) throws {
        self.store = store
        self.name = name
        self.config = config
        self.trainer = trainer
        self.quiet = quiet
        if config.trainer.evalBLEUBeam > 0 {
            let text = try ParallelCorpus.read(source: config.data.validSource, target: config.data.validTarget)
            let translator = try Translator(model: model, vocabulary: vocabulary,
                                            settings: .init(beam: config.trainer.evalBLEUBeam), maxTokens: config.trainer.maxTokens)
            trainer.validationBLEU = {
                let hypotheses = try translator.translate(text.source)
                return try CorpusBLEU.score(hypotheses: hypotheses, references: text.target, name: config.data.validTarget).bleu.score
            }
        }
    }

    // MARK: Starting and resuming

    static func start(name: String?, db: String, modelOptions: ModelOptions, optimizerOptions: OptimizerOptions,
                      trainer settings: TrainerSettings, data: RunConfiguration.DataFiles, threads: Int, quiet: Bool) throws -> TrainingSession {
        applyThreads(threads)
        let vocabulary = try BPEModel.load(path: data.vocabulary)
        var modelConfig = try modelOptions.resolve(vocabularySize: vocabulary.vocabSize)
        modelConfig.maxPositions = max(modelConfig.maxPositions, settings.maxLength + 2)
        let (optimizer, schedule) = try optimizerOptions.resolve(maxUpdate: settings.maxUpdate)
        let config = RunConfiguration(preset: modelOptions.preset, model: modelConfig, optimizer: optimizer, schedule: schedule,
                                      trainer: settings, data: data, threads: threads)
        try config.validate()
        let corpora = try LoadedCorpora(config: config, vocabulary: vocabulary, db: db, quiet: quiet)
        let store = try RunStore(path: db)
        let runName = name ?? defaultName(config)
        if (try? store.run(named: runName)) != nil {
            throw TrainingError.invalidSetting("a run named '\(runName)' already exists in \(db): continue it with --resume \(runName), or choose another --name")
        }
        let model = try TransformerModel(config: modelConfig, seed: settings.seed)
        try store.createRun(NewRun(
            name: runName, configurationJSON: try config.json(), corpus: corpora.files, vocabularySHA256: vocabulary.hash,
            seed: settings.seed, toolVersion: NMT.version, gitCommit: gitCommit(), blas: BLASRuntime.description,
            optimizer: optimizer.kind.rawValue, learningRate: schedule.lr, warmupSteps: schedule.warmup))
        let trainer = try Trainer(model: model, optimizer: optimizer.makeOptimizer(parameterCount: model.parameterCount),
                                  schedule: schedule, settings: settings, train: corpora.train.pairs, valid: corpora.valid.pairs,
                                  recorder: StoreRecorder(store: store, run: runName, keepLast: settings.keepLast))
        log(quiet, "run \(runName): \(config.preset) (\(model.parameterCount) parameters), \(optimizer.kind.rawValue), lr \(schedule.lr), "
            + "\(schedule.kind.rawValue) schedule, warmup \(schedule.warmup); \(BLASRuntime.description)")
        corpora.report(trainer: trainer, quiet: quiet)
        return try TrainingSession(store: store, name: runName, config: config, trainer: trainer, quiet: quiet, model: model, vocabulary: vocabulary)
    }

    static func resume(name: String, db: String, limits: Limits, threads: Int, quiet: Bool) throws -> TrainingSession {
        guard FileManager.default.fileExists(atPath: db) else {
            throw TrainingError.invalidSetting("no run database at \(db) (give --db)")
        }
        let store = try RunStore(path: db)
        let record = try store.run(named: name)
        var config = try RunConfiguration.decode(json: record.run.configurationJSON)
        // Limits may be raised on resume; the schedule stays as stored, so the learning rates
        // of updates already planned do not change.
        if let m = limits.maxUpdate { config.trainer.maxUpdate = m }
        if let e = limits.maxEpoch { config.trainer.maxEpoch = e }
        if let t = limits.maxTime { config.trainer.maxTimeSeconds = t }
        applyThreads(threads)
        let vocabulary = try BPEModel.load(path: config.data.vocabulary)
        guard vocabulary.hash == record.run.vocabularySHA256 else {
            throw TrainingError.invalidSetting("\(config.data.vocabulary) has hash \(vocabulary.hash), but run '\(name)' was trained with \(record.run.vocabularySHA256)")
        }
        let corpora = try LoadedCorpora(config: config, vocabulary: vocabulary, db: db, quiet: quiet)
        for file in corpora.files {
            if let stored = record.run.corpus.first(where: { $0.role == file.role }), stored.sha256 != file.sha256 {
                throw TrainingError.invalidSetting("\(file.path) changed since run '\(name)' started (SHA-256 \(file.sha256.prefix(12))…, stored \(stored.sha256.prefix(12))…)")
            }
        }
        let model = try TransformerModel(config: config.model, seed: config.trainer.seed)
        let checkpoint = try store.loadCheckpoint(run: name, .last)
        guard checkpoint.payload.weights.count == model.parameterCount else {
            throw TrainingError.badState("checkpoint \(checkpoint.info.id) holds \(checkpoint.payload.weights.count) weights, the model has \(model.parameterCount)")
        }
        _ = model.parameters.update(fromContentsOf: checkpoint.payload.weights)
        let optimizer = try config.optimizer.restoreOptimizer(parameterCount: model.parameterCount, from: Array(checkpoint.payload.optimizerState))
        let state = try Trainer.decodeState(Array(checkpoint.payload.trainingState))
        try store.reopenRun(name, resumingAfter: state.update)
        let trainer = try Trainer(model: model, optimizer: optimizer, schedule: config.schedule, settings: config.trainer,
                                  train: corpora.train.pairs, valid: corpora.valid.pairs,
                                  recorder: StoreRecorder(store: store, run: name, keepLast: config.trainer.keepLast), state: state)
        log(quiet, "run \(name): resuming after update \(state.update) (epoch \(state.epoch)) from checkpoint \(checkpoint.info.id); \(BLASRuntime.description)")
        return try TrainingSession(store: store, name: name, config: config, trainer: trainer, quiet: quiet, model: model, vocabulary: vocabulary)
    }

    // MARK: Running

    func run() throws {
        installStopHandlers()
        let total = config.trainer.maxUpdate > 0 ? config.trainer.maxUpdate : nil
        let progress = ProgressLine("update", total: total, unit: "updates", quiet: quiet)
        let startUpdate = trainer.state.update
        let reason: Trainer.StopReason
        do {
            reason = try trainer.run { p in
                progress.update(p.update - startUpdate, detail: "epoch \(p.epoch) | loss \(String(format2: p.loss)) | lr \(scientific(p.lr)) | \(Int(p.tokensPerSecond)) tok/s",
                                shownDone: p.update)
            }
        } catch {
            progress.finish(trainer.state.update - startUpdate, shownDone: trainer.state.update)
            try? store.finishRun(name, status: .failed)
            throw error
        }
        progress.finish(trainer.state.update - startUpdate, shownDone: trainer.state.update)
        try store.finishRun(name, status: reason == .interrupted ? .interrupted : .finished)
        let best = trainer.state.bestValidLoss.map { "best valid loss \(String(format2: $0)) at update \(trainer.state.bestValidUpdate ?? 0)" } ?? "no validation"
        print("run \(name): stopped after \(trainer.state.update) updates (\(reason.rawValue)); \(best); "
              + "skipped \(trainer.state.skippedNonFinite) non-finite updates")
    }

    // MARK: Helpers

    static func applyThreads(_ n: Int) {
        Parallel.setThreadCap(n)
        OptimThreads.count = n
    }

    static func defaultName(_ c: RunConfiguration) -> String {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        return "\(c.optimizer.kind.rawValue)-\(c.preset)-\(stamp)"
    }

    static func gitCommit() -> String {
        if let env = ProcessInfo.processInfo.environment["NMT_GIT_COMMIT"] { return env }
        // The commit of the checkout this binary was built in (…/.build/<config>/nmt), not of the
        // working directory, which is usually somewhere else.
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let checkout = executable.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", checkout.path, "rev-parse", "--short", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "unknown" }
        process.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return process.terminationStatus == 0 && !out.isEmpty ? out : "unknown"
    }

    func installStopHandlers() {
        // Finish the update in flight, checkpoint, mark the run interrupted.
        signal(SIGINT) { _ in Trainer.stopRequested = true }
        signal(SIGTERM) { _ in Trainer.stopRequested = true }
        // A parent may have spawned us from a thread that blocks signals (thread pools do, and
        // posix_spawn passes the mask on): unblock them, or SIGTERM would never arrive.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}

func log(_ quiet: Bool, _ message: String) {
    if !quiet { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}

func scientific(_ v: Double) -> String {
    guard v > 0 else { return "0" }
    var exponent = 0
    var m = v
    while m < 1 { m *= 10; exponent -= 1 }
    while m >= 10 { m /= 10; exponent += 1 }
    return "\(String(format2: m))e\(exponent)"
}

/// Train and valid sets read, checked and encoded.
struct LoadedCorpora {
    let train: EncodedCorpus
    let valid: EncodedCorpus
    let files: [CorpusFile]

    init(config: RunConfiguration, vocabulary: BPEModel, db: String, quiet: Bool) throws {
        let d = config.data
        let trainText = try ParallelCorpus.read(source: d.trainSource, target: d.trainTarget)
        let validText = try ParallelCorpus.read(source: d.validSource, target: d.validTarget)
        let hashes = try [d.trainSource, d.trainTarget, d.validSource, d.validTarget].map(LoadedCorpora.fileSHA256)
        let cache = URL(fileURLWithPath: db).deletingLastPathComponent().appendingPathComponent(".nmt-cache").path
        train = EncodedCorpus.load(source: trainText.source, target: trainText.target, sourceSHA256: hashes[0], targetSHA256: hashes[1],
                                   model: vocabulary, cacheDirectory: cache)
        valid = EncodedCorpus.load(source: validText.source, target: validText.target, sourceSHA256: hashes[2], targetSHA256: hashes[3],
                                   model: vocabulary, cacheDirectory: cache)
        files = [CorpusFile(role: "train.source", path: d.trainSource, sha256: hashes[0]),
                 CorpusFile(role: "train.target", path: d.trainTarget, sha256: hashes[1]),
                 CorpusFile(role: "valid.source", path: d.validSource, sha256: hashes[2]),
                 CorpusFile(role: "valid.target", path: d.validTarget, sha256: hashes[3])]
        let unknown = train.unknownCharacters + valid.unknownCharacters
        if unknown > 0 { log(quiet, "warning: \(unknown) characters unknown to \(d.vocabulary) were encoded as <unk>") }
    }

    func report(trainer: Trainer, quiet: Bool) {
        let t = trainer.trainBatches, v = trainer.validBatches
        log(quiet, "train: \(train.pairs.count) pairs in \(t.batches.count) batches of ≤ \(t.maxTokens) tokens; "
            + "skipped \(t.skippedTooLong) over-long and \(t.skippedEmpty) empty pairs. valid: \(valid.pairs.count) pairs "
            + "(skipped \(v.skippedTooLong) over-long, \(v.skippedEmpty) empty)")
    }

    static func fileSHA256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw TrainingError.invalidSetting("cannot read \(path)") }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hash.update($0) }
        }
        return hash.hexDigest()
    }
}
