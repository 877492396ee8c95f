/// Everything besides weights and optimizer moments that a run needs to resume exactly
/// (marian's training_state habit: one value, saved and loaded symmetrically).
/// The schedule needs no state (it is a function of `update`), dropout is keyed by
/// (seed, update, micro-batch), and the batch order by (seed, epoch).
public struct TrainingState: Codable, Equatable, Sendable {
    /// Updates taken so far.
    public var update: Int = 0
    /// The epoch in progress (1-based).
    public var epoch: Int = 1
    /// Batches of the current epoch's order already consumed.
    public var batchInEpoch: Int = 0
    public var bestValidLoss: Double? = nil
    public var bestValidUpdate: Int? = nil
    /// The best value of the run's best-checkpoint metric, lower is better (nil until a
    /// validation measured it; states saved before the metric existed have only the loss).
    public var bestSelectionValue: Double? = nil
    public var bestSelectionUpdate: Int? = nil
    /// Validations in a row without improvement of the best-checkpoint metric (`--patience`).
    public var validationsWithoutImprovement: Int = 0
    /// Updates skipped for a non-finite loss or gradient, in all and in a row.
    public var skippedNonFinite: Int = 0
    public var nonFiniteStreak: Int = 0
    /// Training time already spent before this process (for `--max-time` across resumes).
    public var elapsedSeconds: Double = 0
    public var tokensSeen: Int = 0
    /// Loss sums of the updates since the last metrics row, so a run resumed from a checkpoint
    /// between two rows (e.g. at an epoch end) logs the same next row as an uninterrupted run.
    public var pendingLoss: Double = 0
    public var pendingNLL: Double = 0
    public var pendingTokens: Int = 0

    public init() {}
}
