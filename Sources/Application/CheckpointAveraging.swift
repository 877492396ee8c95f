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

    /// Which checkpoints to average.
    public enum Members: Equatable, Sendable {
        /// The newest N training checkpoints.
        case last(Int)
        /// The N best by the run's best-checkpoint metric (among those taken at a validation).
        case best(Int)
        /// These checkpoint ids.
        case ids([Int64])
    }

    public static func average(store: RunStore, run name: String, last: Int) throws -> Outcome {
        try average(store: store, run: name, members: .last(last))
    }

    public static func average(store: RunStore, run name: String, members: Members) throws -> Outcome {
        let infos = try store.checkpoints(run: name).filter { $0.kind != .average }
        let chosen = try choose(members, from: infos, run: name)
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

    /// The members, oldest update first (so "newest" below is the newest of them).
    static func choose(_ members: Members, from infos: [CheckpointInfo], run name: String) throws -> [CheckpointInfo] {
        switch members {
        case .last(let n):
            guard infos.count >= n else {
                throw ApplicationError("run \(name) keeps \(infos.count) training checkpoints, fewer than --last \(n) (train with --keep-last \(n) or more)")
            }
            return Array(infos.suffix(n))
        case .best(let n):
            let ranked = infos.filter { $0.rankValue != nil }
            guard ranked.count >= n else {
                throw ApplicationError("run \(name) keeps \(ranked.count) checkpoints taken at a validation, fewer than --best \(n) (keep more with --keep-last, validate at each --save-every)")
            }
            let best = ranked.sorted { ($0.rankValue!, $0.id) < ($1.rankValue!, $1.id) }.prefix(n)
            return infos.filter { info in best.contains { $0.id == info.id } }
        case .ids(let ids):
            guard !ids.isEmpty else { throw ApplicationError("--checkpoints needs at least one id") }
            if let repeated = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
                throw ApplicationError("--checkpoints names checkpoint \(repeated) twice")
            }
            for id in ids where !infos.contains(where: { $0.id == id }) {
                throw ApplicationError("run \(name) has no training checkpoint \(id) (nmt show \(name) lists its checkpoints)")
            }
            return infos.filter { ids.contains($0.id) }
        }
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
