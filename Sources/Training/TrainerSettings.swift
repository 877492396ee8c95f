/// The training-loop settings of a run (stored verbatim with it as part of its configuration).
public struct TrainerSettings: Codable, Equatable, Sendable {
    public var maxTokens = 4096
    public var maxLength = 256
    public var updateFreq = 1
    public var labelSmoothing = 0.1
    public var clipNorm = 0.0
    public var maxUpdate = 0          // 0 = no limit
    public var maxEpoch = 0           // 0 = no limit
    public var maxTimeSeconds = 0.0   // 0 = no limit
    public var validEvery = 500       // 0 = only at epoch ends
    public var logEvery = 10
    public var saveEvery = 1000       // 0 = only at epoch ends
    public var keepLast = 3
    public var patience = 0           // 0 = never stop early
    public var seed: UInt64 = 1
    /// Translate the valid set at each validation and record its BLEU (beam size; 0 = off).
    public var evalBLEUBeam = 0
    /// Record the adaptive-rate diagnostics every `logEvery` updates (`--no-diagnostics`).
    public var diagnostics = true
    /// Gradient histograms after the early updates every this many updates (0 = early only).
    public var histogramEvery = 500
    /// What "best" means for checkpoints, `--patience` and `nmt average --best`; nil is the
    /// validation loss (kept nil rather than `.loss` so the stored configuration of a run that
    /// does not choose stays byte-identical to older versions').
    public var bestCheckpointMetric: BestCheckpointMetric? = nil

    public var selectionMetric: BestCheckpointMetric { bestCheckpointMetric ?? .loss }

    /// Updates with a non-finite loss or gradient are skipped; this many in a row stop the run as
    /// diverged. nil is 10 (and keeps older stored configurations byte-identical); a study sets
    /// 1, so that no skipped update ever hides in its results.
    public var nonFiniteLimit: Int? = nil
    public var divergenceStreak: Int { nonFiniteLimit ?? 10 }

    /// Train on the pairs with their sources shuffled across sentences (a permutation fixed by
    /// the seed), validate on the real pairs: the source-blind control a study measures failure
    /// against — what a model reaches without using the source. nil is off.
    public var sourceBlind: Bool? = nil

    /// The ranks of the data-parallel job this run trains on (`mpirun -np N`); nil is one
    /// process, so a one-process run's stored configuration is what it was before ranks existed.
    /// Each update takes `updateFreq` batches on each rank: `batchesPerUpdate` in all.
    public var ranks: Int? = nil
    public var rankCount: Int { ranks ?? 1 }
    public var batchesPerUpdate: Int { updateFreq * rankCount }

    /// The same updates on `count` ranks: the batches per update stay, `updateFreq` becomes
    /// their share per rank (a run resumed on another number of ranks). Nil when they cannot
    /// be split evenly.
    public func onRanks(_ count: Int) -> TrainerSettings? {
        guard count >= 1, batchesPerUpdate % count == 0 else { return nil }
        var settings = self
        settings.updateFreq = batchesPerUpdate / count
        settings.ranks = count > 1 ? count : nil
        return settings
    }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxTokens, maxLength, updateFreq, labelSmoothing, clipNorm, maxUpdate, maxEpoch, maxTimeSeconds, validEvery, logEvery,
             saveEvery, keepLast, patience, seed, evalBLEUBeam, diagnostics, histogramEvery, bestCheckpointMetric, ranks,
             nonFiniteLimit, sourceBlind
    }

    /// Settings stored by older versions lack later keys (evalBLEUBeam, diagnostics, …): an
    /// absent key takes its default, which reproduces the old training exactly (diagnostics
    /// only read the state).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainerSettings()
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens) ?? d.maxTokens
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength) ?? d.maxLength
        updateFreq = try c.decodeIfPresent(Int.self, forKey: .updateFreq) ?? d.updateFreq
        labelSmoothing = try c.decodeIfPresent(Double.self, forKey: .labelSmoothing) ?? d.labelSmoothing
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm) ?? d.clipNorm
        maxUpdate = try c.decodeIfPresent(Int.self, forKey: .maxUpdate) ?? d.maxUpdate
        maxEpoch = try c.decodeIfPresent(Int.self, forKey: .maxEpoch) ?? d.maxEpoch
        maxTimeSeconds = try c.decodeIfPresent(Double.self, forKey: .maxTimeSeconds) ?? d.maxTimeSeconds
        validEvery = try c.decodeIfPresent(Int.self, forKey: .validEvery) ?? d.validEvery
        logEvery = try c.decodeIfPresent(Int.self, forKey: .logEvery) ?? d.logEvery
        saveEvery = try c.decodeIfPresent(Int.self, forKey: .saveEvery) ?? d.saveEvery
        keepLast = try c.decodeIfPresent(Int.self, forKey: .keepLast) ?? d.keepLast
        patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? d.patience
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        evalBLEUBeam = try c.decodeIfPresent(Int.self, forKey: .evalBLEUBeam) ?? 0
        diagnostics = try c.decodeIfPresent(Bool.self, forKey: .diagnostics) ?? d.diagnostics
        histogramEvery = try c.decodeIfPresent(Int.self, forKey: .histogramEvery) ?? d.histogramEvery
        bestCheckpointMetric = try c.decodeIfPresent(BestCheckpointMetric.self, forKey: .bestCheckpointMetric)
        ranks = try c.decodeIfPresent(Int.self, forKey: .ranks)
        nonFiniteLimit = try c.decodeIfPresent(Int.self, forKey: .nonFiniteLimit)
        sourceBlind = try c.decodeIfPresent(Bool.self, forKey: .sourceBlind)
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw TrainingError.invalidSetting(message) } }
        try check(maxTokens >= 16, "--max-tokens must be at least 16, got \(maxTokens)")
        try check(maxTokens <= 1 << 20, "--max-tokens must be at most \(1 << 20) tokens per batch, got \(maxTokens)")
        try check(maxLength <= 1 << 16, "--max-len must be at most \(1 << 16), got \(maxLength)")
        try check(updateFreq <= 1 << 16, "--update-freq must be at most \(1 << 16), got \(updateFreq)")
        try check(evalBLEUBeam <= 64, "--eval-bleu-beam must be at most 64 (the work per sentence grows with it), got \(evalBLEUBeam)")
        try check(maxLength >= 2, "--max-len must be at least 2, got \(maxLength)")
        try check(updateFreq >= 1, "--update-freq must be at least 1, got \(updateFreq)")
        try check(rankCount >= 1, "the number of ranks must be at least 1, got \(rankCount)")
        try check(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1), got \(labelSmoothing)")
        try check(clipNorm >= 0 && clipNorm.isFinite, "--clip-norm must be non-negative and finite, got \(clipNorm)")
        try check(maxUpdate >= 0 && maxEpoch >= 0 && maxTimeSeconds >= 0 && maxTimeSeconds.isFinite, "limits must be non-negative and finite")
        try check(maxUpdate > 0 || maxEpoch > 0 || maxTimeSeconds > 0, "give at least one of --max-update, --max-epoch, --max-time")
        try check(logEvery >= 1, "--log-every must be at least 1, got \(logEvery)")
        try check(validEvery >= 0 && saveEvery >= 0, "--valid-every and --save-every must be non-negative")
        try check(keepLast >= 1, "--keep-last must be at least 1, got \(keepLast)")
        try check(patience >= 0, "--patience must be non-negative, got \(patience)")
        try check(divergenceStreak >= 1, "the non-finite update limit must be at least 1, got \(divergenceStreak)")
        try check(histogramEvery >= 0, "--histogram-every must be non-negative, got \(histogramEvery)")
        try check(selectionMetric == .loss || evalBLEUBeam > 0,
                  "--best-checkpoint-metric \(selectionMetric.rawValue) needs --eval-bleu (the valid set is translated at each validation)")
    }
}

/// The validation metric that picks the best checkpoint.
public enum BestCheckpointMetric: String, Codable, CaseIterable, Sendable {
    case loss, bleu, chrf

    /// The metric's value in a validation, oriented so that lower is better (−BLEU, −chrF);
    /// nil when the validation did not measure it or it is not finite.
    public func selectionValue(_ v: ValidationResult) -> Double? {
        let value: Double?
        switch self {
        case .loss: value = v.loss
        case .bleu: value = v.bleu.map { -$0 }
        case .chrf: value = v.chrF.map { -$0 }
        }
        return value.flatMap { $0.isFinite ? $0 : nil }
    }

    /// The value as people read it (BLEU and chrF positive again).
    public func display(_ selectionValue: Double) -> Double { self == .loss ? selectionValue : -selectionValue }
}

public enum TrainingError: Error, CustomStringConvertible {
    case invalidSetting(String)
    case diverged(update: Int, streak: Int)
    case emptyTrainingSet(skippedTooLong: Int, skippedEmpty: Int)
    case badState(String)
    case ranksDisagree(update: Int, ranks: Int, size: Int)

    public var description: String {
        switch self {
        case .invalidSetting(let m): return m
        case .diverged(let update, let streak):
            return "training stopped: \(streak) updates in a row had a non-finite loss or gradient (after update \(update)); the last good checkpoint is intact"
        case .emptyTrainingSet(let long, let empty):
            return "no training pairs left after skipping \(long) over-long and \(empty) empty pairs (raise --max-len or --max-tokens)"
        case .badState(let m): return "training state: \(m)"
        case .ranksDisagree(let update, let ranks, let size):
            return "after update \(update), \(ranks) of \(size) ranks hold parameters or optimizer moments that differ from rank 0's (checksum): "
                + "the ranks no longer train one model, so the job stops; the last checkpoint is intact"
        }
    }
}
