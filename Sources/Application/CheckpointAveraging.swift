import Foundation
import Store

/// `nmt average`: the mean of a run's newest training checkpoints, stored as a new checkpoint
/// of the run (kind `average`, selected with `--checkpoint avg`).
public enum CheckpointAveraging {
    public struct Outcome: Sendable {
        public var checkpointID: Int64
        /// The updates of the checkpoints averaged, oldest first.
        public var updates: [Int]
    }

    public static func average(store: RunStore, run name: String, last: Int) throws -> Outcome {
        let infos = try store.checkpoints(run: name).filter { $0.kind != .average }
        guard infos.count >= last else {
            throw ApplicationError("run \(name) keeps \(infos.count) training checkpoints, fewer than --last \(last) (train with --keep-last \(last) or more)")
        }
        let chosen = Array(infos.suffix(last))
        let checkpoints = try chosen.map { try RunRestore.checkpoint(store: store, run: name, at: .id($0.id)) }
        let averaged = try mean(checkpoints.map(\.payload.weights))
        let newest = checkpoints.last!
        // Optimizer and training state of the newest member keep the row complete; resuming
        // never picks an averaged checkpoint.
        let id = try store.saveCheckpoint(
            CheckpointPayload(weights: averaged, optimizerState: newest.payload.optimizerState, trainingState: newest.payload.trainingState),
            run: name, update: newest.info.update, epoch: newest.info.epoch, validLoss: nil, kind: .average, keepLast: Int.max / 2)
        return Outcome(checkpointID: id, updates: chosen.map(\.update))
    }

    /// Element-wise mean, accumulated in Double so the order of checkpoints does not matter
    /// and averaging one checkpoint returns it exactly.
    public static func mean(_ weights: [[Float]]) throws -> [Float] {
        guard let count = weights.first?.count else { throw ApplicationError("nothing to average") }
        guard weights.allSatisfy({ $0.count == count }) else { throw ApplicationError("checkpoints have different sizes") }
        var sum = [Double](repeating: 0, count: count)
        for w in weights { for i in 0..<count { sum[i] += Double(w[i]) } }
        let n = Double(weights.count)
        return sum.map { Float($0 / n) }
    }
}
