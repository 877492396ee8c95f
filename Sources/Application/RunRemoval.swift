import Foundation
import Store

/// `nmt rm` and `nmt prune`: runs you no longer want, and the weight of finished ones. Every
/// change to one run is one SQLite transaction, so a kill at any instant leaves each run whole
/// or gone; the file shrinks afterwards (VACUUM), which a kill only leaves undone.
public enum RunRemoval {
    public struct Outcome: Sendable {
        public var runs: Int
        public var checkpoints: Int
        public var bytesBefore: Int
        public var bytesAfter: Int
    }

    /// Removes the named runs and everything recorded for them. Refuses, before changing
    /// anything, a name that is not a run, a run still training, and a study's run (the study
    /// would train it again: remove the study's database, or keep the run).
    public static func remove(database: String, runs names: [String], console: Console) throws -> Outcome {
        guard !names.isEmpty else { throw ApplicationError("name at least one run to remove") }
        let store = try RunDatabase.openExisting(database)
        for name in names {
            let record = try store.run(named: name)
            if record.status == .running {
                throw ApplicationError("run '\(name)' is training (status running); stop it first, or if it was killed, `nmt train --resume \(name)` first")
            }
            if try store.study(ofRun: name) != nil { throw ApplicationError("run '\(name)' belongs to a study, which would train it again; it is kept") }
        }
        let before = try store.fileBytes()
        for name in names { try store.deleteRun(name) }
        try store.vacuum()
        return Outcome(runs: names.count, checkpoints: 0, bytesBefore: before, bytesAfter: try store.fileBytes())
    }

    /// Drops the checkpoints of finished runs other than those `keep` names (best, last, avg or
    /// ids), and with `dropMoments` the optimizer state of the kept ones. No names: every
    /// finished run. Runs still training or interrupted are refused when named, skipped otherwise.
    public static func prune(database: String, runs names: [String], keep: [CheckpointSelector], dropMoments: Bool,
                             console: Console) throws -> Outcome {
        let store = try RunDatabase.openExisting(database)
        let targets: [String]
        if names.isEmpty {
            targets = try store.listRuns().filter { $0.status == .finished }.map(\.name)
        } else {
            for name in names {
                let status = try store.run(named: name).status
                if status != .finished && status != .failed {
                    throw ApplicationError("run '\(name)' is \(status.rawValue): only finished runs are pruned (it may still need its checkpoints to resume)")
                }
            }
            targets = names
        }
        let before = try store.fileBytes()
        var removed = 0
        for name in targets {
            let kept = Set(try keep.compactMap { try store.checkpointInfo(run: name, $0)?.id })
            removed += try store.checkpoints(run: name).filter { !kept.contains($0.id) }.count
            try store.deleteCheckpoints(run: name, keeping: kept)
            if dropMoments { try store.dropOptimizerStates(run: name) }
        }
        try store.vacuum()
        return Outcome(runs: targets.count, checkpoints: removed, bytesBefore: before, bytesAfter: try store.fileBytes())
    }
}
