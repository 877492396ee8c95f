import Collective
import Foundation
import Optim
import Store
import Transformer
import Tensor

/// The training loop: token-budget batches in a per-epoch shuffled order, gradient
/// accumulation over `updateFreq` batches, gradients normalised by target tokens (fairseq's
/// sample_size), optional global-norm clipping, one optimizer step at the schedule's rate.
/// Validation, metrics and checkpoints go through a `TrainingRecorder`.
///
/// Exact resume: everything that influences an update is a function of the saved state —
/// the batch order of (seed, epoch), dropout keyed by (seed, update, micro-batch), the
/// schedule of the update number — so a run resumed from a checkpoint after update N takes
/// bit-identical updates N+1, N+2, … (given the same thread count).
///
/// Data parallel: with a `collective` of N ranks, update u takes the same
/// `updateFreq × N` batches of the same global order as one process with update-freq N×F
/// would; rank r computes every N-th of them (with the same dropout keys), the gradient
/// buffer and the loss sums are summed over the ranks, and every rank takes the same update,
/// so all hold the same parameters. Stopping is agreed on (rank 0's clock and limits, a signal
/// on any rank), validation is split over the ranks and summed, and only the rank given a
/// recorder (rank 0) writes anything.
public final class Trainer {
    public enum StopReason: String, Sendable, CaseIterable {
        case maxUpdate = "reached --max-update"
        case maxEpoch = "reached --max-epoch"
        case maxTime = "reached --max-time"
        case patience = "no improvement for --patience validations"
        case interrupted = "interrupted"
    }

    public struct Progress: Sendable {
        public var update: Int
        public var epoch: Int
        public var loss: Double
        public var lr: Double
        public var tokensPerSecond: Double
        public var elapsedSeconds: Double
        /// Share of the run done towards its nearest limit (see `completedFraction`).
        public var completed: Double
    }

    public let model: TrainableModel
    public private(set) var optimizer: any Optimizer
    public let schedule: Schedule
    public let settings: TrainerSettings
    public let train: [Batcher.Pair]
    public let valid: [Batcher.Pair]
    public let trainBatches: Batcher
    public let validBatches: Batcher
    /// Where metrics, validations and checkpoints go; nil on the ranks that do not write them.
    public let recorder: TrainingRecorder?
    /// The ranks of a data-parallel job (`SingleProcess` for one process).
    public let collective: Collective
    public private(set) var state: TrainingState
    /// Time spent summing gradients over the ranks (`seconds`), waiting before that for the
    /// slowest rank to finish its batches (`waiting`), and the updates it was spent on.
    public private(set) var communication = (seconds: 0.0, waiting: 0.0, updates: 0)

    /// Measures the adaptive-rate diagnostics (nil with `--no-diagnostics`).
    let diagnostics: AdaptiveRateDiagnostics?

    /// Computes the valid-set BLEU of the current parameters, when asked for (`--eval-bleu`).
    public var validationScores: (() throws -> (bleu: Double, chrF: Double))?

    /// Set from a signal handler to finish the current update, checkpoint, and stop.
    nonisolated(unsafe) public static var stopRequested = false

    /// The clock every time measurement reads (--max-time, elapsed and tokens/s, communication
    /// time). The real clock by default; tests substitute one they drive, so nothing they
    /// assert depends on how fast the machine runs.
    var now: () -> Date = { Date() }

    /// When `run` started on `now`'s clock; nil before, when no training time has passed in
    /// this process (so a substituted clock is never compared with the real one).
    private var processStart: Date?
    private var lastCheckpointUpdate: Int
    private var lastValidationUpdate = -1
    private var lastValidationLoss: Double?
    private var lastSelectionValue: Double?

    public init(model: TrainableModel, optimizer: any Optimizer, schedule: Schedule, settings: TrainerSettings,
                train: [Batcher.Pair], valid: [Batcher.Pair], recorder: TrainingRecorder?, state: TrainingState = TrainingState(),
                collective: Collective = SingleProcess()) throws {
        try settings.validate()
        guard settings.rankCount == collective.size else {
            throw TrainingError.invalidSetting("the settings are for \(settings.rankCount) ranks, but the job has \(collective.size)")
        }
        try schedule.validate()
        self.model = model
        self.optimizer = optimizer
        self.schedule = schedule
        self.settings = settings
        let train = settings.sourceBlind == true ? Self.sourceBlind(train, seed: settings.seed) : train
        self.train = train
        self.valid = valid
        self.recorder = recorder
        self.collective = collective
        self.state = state
        self.trainBatches = Batcher(pairs: train, maxTokens: settings.maxTokens, maxLength: settings.maxLength)
        self.validBatches = Batcher(pairs: valid, maxTokens: settings.maxTokens, maxLength: settings.maxLength)
        self.lastCheckpointUpdate = state.update
        // The diagnostics only read the state, so the ranks that do not record skip them.
        self.diagnostics = settings.diagnostics && recorder != nil
            ? AdaptiveRateDiagnostics(groups: model.parameterGroups, histogramEvery: settings.histogramEvery) : nil
        guard !trainBatches.batches.isEmpty else {
            throw TrainingError.emptyTrainingSet(skippedTooLong: trainBatches.skippedTooLong, skippedEmpty: trainBatches.skippedEmpty)
        }
        guard optimizer.step == state.update else {
            throw TrainingError.badState("optimizer has taken \(optimizer.step) steps but the state says \(state.update) updates")
        }
    }

    /// The pairs with each target given another sentence's source: a permutation that is a
    /// pure function of the seed, so a resumed source-blind run sees the same pairs.
    static func sourceBlind(_ pairs: [Batcher.Pair], seed: UInt64) -> [Batcher.Pair] {
        var order = Array(pairs.indices)
        var rng = SplitMix64.stream(seed: seed, 0x5B_1D_C0_47_0000_0001)
        order.deterministicShuffle(using: &rng)
        return pairs.indices.map { Batcher.Pair(source: pairs[order[$0]].source, target: pairs[$0].target) }
    }

    var elapsed: Double { state.elapsedSeconds + (processStart.map { now().timeIntervalSince($0) } ?? 0) }

    /// How far the run is towards the nearest of its limits, 0...1: updates done of
    /// --max-update, epochs (with the batches of the current one) of --max-epoch, training
    /// time of --max-time. What the progress line's ETA is computed from, whichever limit is set.
    public var completedFraction: Double { completedFraction(elapsed: elapsed) }

    /// `completedFraction` with the training time read once by the caller, so a progress
    /// report's `completed` and `elapsedSeconds` describe the same instant.
    func completedFraction(elapsed: Double) -> Double {
        var done = 0.0
        if settings.maxUpdate > 0 { done = max(done, Double(state.update) / Double(settings.maxUpdate)) }
        if settings.maxEpoch > 0 && !trainBatches.batches.isEmpty {
            let epochs = Double(state.epoch - 1) + Double(state.batchInEpoch) / Double(trainBatches.batches.count)
            done = max(done, epochs / Double(settings.maxEpoch))
        }
        if settings.maxTimeSeconds > 0 { done = max(done, elapsed / settings.maxTimeSeconds) }
        return min(done, 1)
    }

    /// Trains until a stopping condition and returns which one.
    public func run(progress: (Progress) -> Void = { _ in }) throws -> StopReason {
        processStart = now()
        var intervalLoss = LossSums(loss: state.pendingLoss, nll: state.pendingNLL, tokens: state.pendingTokens)
        // Time spent on updates only: validation and checkpoints do not dilute tokens/s.
        var intervalSeconds = 0.0
        var gradNorm = 0.0
        var lastReport = StepReport(step: 0, rhoT: nil, rectification: nil, adaptive: true)
        var order = trainBatches.order(epoch: state.epoch, seed: settings.seed)

        while true {
            if let reason = agreedStopReason() {
                try finish(reason: reason)
                return reason
            }
            // Accumulate gradients over up to updateFreq × ranks batches of the current epoch,
            // this rank's share of them, then sum over the ranks.
            let updateStart = now()
            model.zeroGradients()
            var sums = LossSums()
            var micro = 0
            while micro < settings.batchesPerUpdate && state.batchInEpoch + micro < order.count {
                if micro % collective.size == collective.rank {
                    let batch = trainBatches.batches[order[state.batchInEpoch + micro]].map { train[$0] }
                    let key = dropoutKey(update: state.update + 1, micro: micro)
                    sums += try model.forwardBackward(batch, labelSmoothing: settings.labelSmoothing, dropoutKey: key)
                }
                micro += 1
            }
            state.batchInEpoch += micro
            if collective.isDistributed { sums = sumOverRanks(sums, gradients: true) }
            if sums.tokens > 0 {
                try takeUpdate(sums: sums, gradNorm: &gradNorm, report: &lastReport, interval: &intervalLoss)
                intervalSeconds += now().timeIntervalSince(updateStart)
                (state.pendingLoss, state.pendingNLL, state.pendingTokens) = (intervalLoss.loss, intervalLoss.nll, intervalLoss.tokens)
                if state.update % settings.logEvery == 0 && intervalLoss.tokens > 0 {
                    let seconds = max(intervalSeconds, 1e-9)
                    let lr = schedule.learningRate(update: state.update)
                    let wall = elapsed   // one reading for the metrics, the progress and its `completed`
                    try recorder?.recordMetrics(TrainMetrics(
                        update: state.update, epoch: state.epoch,
                        loss: intervalLoss.loss / Double(intervalLoss.tokens), nll: intervalLoss.nll / Double(intervalLoss.tokens),
                        lr: lr, gradNorm: gradNorm, tokensPerSecond: Double(intervalLoss.tokens) / seconds,
                        wallSeconds: wall, rhoT: lastReport.rhoT, rectification: lastReport.rectification,
                        warmupFactor: schedule.warmupFactor(update: state.update)))
                    progress(Progress(update: state.update, epoch: state.epoch, loss: intervalLoss.loss / Double(intervalLoss.tokens),
                                      lr: lr, tokensPerSecond: Double(intervalLoss.tokens) / seconds, elapsedSeconds: wall,
                                      completed: completedFraction(elapsed: wall)))
                    intervalLoss = LossSums()
                    intervalSeconds = 0
                    (state.pendingLoss, state.pendingNLL, state.pendingTokens) = (0, 0, 0)
                }
                if settings.validEvery > 0 && state.update % settings.validEvery == 0 { try validate() }
                if settings.saveEvery > 0 && state.update % settings.saveEvery == 0 { try checkpoint() }
            }
            if state.batchInEpoch >= order.count {
                // Epoch end: validate and checkpoint, then move on.
                if lastValidationUpdate != state.update { try validate() }
                if lastCheckpointUpdate != state.update { try checkpoint(kind: .epoch) }
                if settings.maxEpoch > 0 && state.epoch >= settings.maxEpoch {
                    try finish(reason: .maxEpoch)
                    return .maxEpoch
                }
                state.epoch += 1
                state.batchInEpoch = 0
                order = trainBatches.order(epoch: state.epoch, seed: settings.seed)
            }
        }
    }

    private func takeUpdate(sums: LossSums, gradNorm: inout Double, report: inout StepReport, interval: inout LossSums) throws {
        let grads = model.gradients
        // Gradients of the summed loss → of the per-token mean.
        let scale = Float(1.0 / Double(sums.tokens))
        let g = grads.baseAddress!
        for i in 0..<grads.count { g[i] *= scale }
        let norm = settings.clipNorm > 0
            ? GradientClipping.clip(grads, maxNorm: settings.clipNorm)
            : GradientClipping.globalNorm(UnsafeBufferPointer(grads))
        guard sums.isFinite && norm.isFinite else {
            state.skippedNonFinite += 1
            state.nonFiniteStreak += 1
            FileHandle.standardError.write(Data("warning: update \(state.update + 1) skipped: non-finite \(sums.isFinite ? "gradient" : "loss") (\(state.nonFiniteStreak) in a row)\n".utf8))
            if state.nonFiniteStreak >= settings.divergenceStreak { throw TrainingError.diverged(update: state.update, streak: state.nonFiniteStreak) }
            return
        }
        state.nonFiniteStreak = 0
        let lr = schedule.learningRate(update: state.update + 1)
        let measured = diagnostics.flatMap { d -> (AdaptiveRateDiagnostics, Bool)? in
            let next = state.update + 1, histogram = d.wantsHistogram(update: next)
            return next % settings.logEvery == 0 || histogram ? (d, histogram) : nil
        }
        let before = measured == nil ? [] : Array(model.parameters)
        report = optimizer.update(parameters: model.parameters, gradients: UnsafeBufferPointer(grads), lr: lr)
        state.update += 1
        if let (d, histogram) = measured {
            let rectification = report.rectification
            let record = optimizer.withSecondMoment { moment in
                d.measure(update: state.update, before: before, parameters: UnsafeBufferPointer(model.parameters),
                          gradients: UnsafeBufferPointer(grads), moment: moment, rectification: rectification, histogram: histogram)
            }
            try recorder?.recordDiagnostics(record)
        }
        state.tokensSeen += sums.tokens
        gradNorm = norm
        interval += sums
    }

    /// The loss sums (and with `gradients` the gradient buffer) summed over the ranks.
    private func sumOverRanks(_ sums: LossSums, gradients: Bool) -> LossSums {
        if gradients {
            // The barrier separates waiting for the slowest rank from the transfer itself (it
            // costs one message latency), so the figure is the all-reduce's own cost.
            let arrived = now()
            collective.barrier()
            let start = now()
            collective.allReduceSum(model.gradients)
            communication.waiting += start.timeIntervalSince(arrived)
            communication.seconds += now().timeIntervalSince(start)
            communication.updates += 1
        }
        let total = collective.allReduceSum([sums.loss, sums.nll, Double(sums.tokens)])
        return LossSums(loss: total[0], nll: total[1], tokens: Int(total[2]))
    }

    /// The stop reason every rank acts on: rank 0's (its clock decides --max-time), or
    /// `.interrupted` when a signal reached any rank. One process: its own.
    private func agreedStopReason() -> StopReason? {
        let local = stopReason()
        guard collective.isDistributed else { return local }
        let code = collective.isRoot ? local.map { Double(StopReason.allCases.firstIndex(of: $0)! + 1) } ?? 0 : 0
        let agreed = collective.allReduceSum([code, Trainer.stopRequested ? 1 : 0])
        if agreed[1] > 0 { return .interrupted }
        return agreed[0] > 0 ? StopReason.allCases[Int(agreed[0]) - 1] : nil
    }

    /// Stops the job when a rank's parameters or second moments differ from rank 0's (they are
    /// meant to be the same bits on every rank; a difference means the ranks train different
    /// models from here on).
    private func checkRanksAgree() throws {
        var digest = ReplicaDigest()
        digest.add(UnsafeBufferPointer(model.parameters))
        optimizer.withSecondMoment { moment in if let v = moment?.v { digest.add(v) } }
        let mine = withUnsafeBytes(of: digest.value) { Array($0) }
        let rootDigest = collective.broadcast(mine, root: 0)
        let disagreeing = collective.allReduceSum([rootDigest == mine ? 0 : 1])[0]
        if disagreeing > 0 { throw TrainingError.ranksDisagree(update: state.update, ranks: Int(disagreeing), size: collective.size) }
    }

    /// Dropout randomness of micro-batch `micro` of update `update`: a pure function of the seed.
    func dropoutKey(update: Int, micro: Int) -> UInt64 {
        var rng = SplitMix64.stream(seed: settings.seed, UInt64(update) << 8 | UInt64(micro & 0xFF))
        return rng.next()
    }

    private func stopReason() -> StopReason? {
        if Trainer.stopRequested { return .interrupted }
        if settings.maxUpdate > 0 && state.update >= settings.maxUpdate { return .maxUpdate }
        if settings.maxTimeSeconds > 0 && elapsed >= settings.maxTimeSeconds { return .maxTime }
        if settings.patience > 0 && state.validationsWithoutImprovement >= settings.patience { return .patience }
        return nil
    }

    /// Validation loss per target token over the whole valid set, recorded with the run.
    @discardableResult
    public func validate() throws -> ValidationResult? {
        lastValidationUpdate = state.update
        lastValidationLoss = nil
        lastSelectionValue = nil
        if collective.isDistributed { try checkRanksAgree() }
        guard !validBatches.batches.isEmpty else { return nil }
        var sums = LossSums()
        for (index, batch) in validBatches.batches.enumerated() where index % collective.size == collective.rank {
            sums += try model.evaluate(batch.map { valid[$0] }, labelSmoothing: settings.labelSmoothing)
        }
        if collective.isDistributed { sums = sumOverRanks(sums, gradients: false) }
        guard sums.tokens > 0 else { return nil }
        let scores = try validationScores?()
        let result = ValidationResult(update: state.update, epoch: state.epoch,
                                      loss: sums.loss / Double(sums.tokens), nll: sums.nll / Double(sums.tokens),
                                      bleu: scores?.bleu, chrF: scores?.chrF)
        // "Best" and --patience follow the chosen metric. A state saved before it existed
        // has only the loss, which is the metric such runs used.
        let metric = settings.selectionMetric
        let value = metric.selectionValue(result)
        let best = state.bestSelectionValue ?? (metric == .loss ? state.bestValidLoss : nil)
        if let value, best.map({ value < $0 }) ?? true {
            state.bestSelectionValue = value
            state.bestSelectionUpdate = state.update
            state.validationsWithoutImprovement = 0
        } else {
            state.validationsWithoutImprovement += 1
        }
        if result.loss.isFinite && (state.bestValidLoss.map { result.loss < $0 } ?? true) {
            state.bestValidLoss = result.loss
            state.bestValidUpdate = state.update
        }
        lastValidationLoss = result.loss
        lastSelectionValue = value
        try recorder?.recordValidation(result)
        return result
    }

    private func checkpoint(kind: CheckpointKind = .periodic) throws {
        lastCheckpointUpdate = state.update
        guard let recorder else { return }
        var saved = state
        saved.elapsedSeconds = elapsed
        let atValidation = lastValidationUpdate == state.update
        try recorder.saveCheckpoint(TrainingCheckpoint(
            update: state.update, epoch: state.epoch, validLoss: atValidation ? lastValidationLoss : nil,
            selectionValue: atValidation ? lastSelectionValue : nil, kind: kind,
            weights: Array(model.parameters), optimizer: optimizer.serialized(),
            state: Array(try JSONEncoder.sorted.encode(saved))))
    }

    private func finish(reason: StopReason) throws {
        if state.update > 0 && lastValidationUpdate != state.update && reason != .interrupted { try validate() }
        if lastCheckpointUpdate != state.update { try checkpoint(kind: reason == .interrupted ? .interrupted : .final) }
    }

    public static func decodeState(_ bytes: [UInt8]) throws -> TrainingState {
        do { return try JSONDecoder().decode(TrainingState.self, from: Data(bytes)) }
        catch { throw TrainingError.badState("cannot decode the saved training state: \(error)") }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
