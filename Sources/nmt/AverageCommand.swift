import ArgumentParser
import Foundation
import Store

struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average a run's last N training checkpoints into a new checkpoint of the run (select it with --checkpoint avg).",
        discussion: "Only checkpoints still kept can be averaged: train with --keep-last N or more.")
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "How many of the newest training checkpoints to average.") var last = 10

    func validate() throws { if last < 1 { throw ValidationError("--last must be at least 1") } }

    func run() throws {
        try withCleanErrors {
            let store = try openExistingStore(database.db)
            let infos = try store.checkpoints(run: name).filter { $0.kind != CheckpointSelector.averageKind }
            guard infos.count >= last else {
                throw CLIError("run \(name) keeps \(infos.count) training checkpoints, fewer than --last \(last) (train with --keep-last \(last) or more)")
            }
            let chosen = Array(infos.suffix(last))
            let checkpoints = try chosen.map { try store.loadCheckpoint(run: name, .id($0.id)) }
            let averaged = try CheckpointAverage.mean(checkpoints.map(\.payload.weights))
            let newest = checkpoints.last!
            // Optimizer and training state of the newest member keep the row complete; resuming
            // never picks an averaged checkpoint.
            let id = try store.saveCheckpoint(
                CheckpointPayload(weights: averaged, optimizerState: newest.payload.optimizerState, trainingState: newest.payload.trainingState),
                run: name, update: newest.info.update, epoch: newest.info.epoch, validLoss: nil,
                kind: CheckpointSelector.averageKind, keepLast: Int.max / 2)
            print("run \(name): checkpoint \(id) = average of \(chosen.count) checkpoints (updates \(chosen.map { String($0.update) }.joined(separator: ", ")))")
        }
    }
}

enum CheckpointAverage {
    /// Element-wise mean, accumulated in Double so the order of checkpoints does not matter
    /// and averaging one checkpoint returns it exactly.
    static func mean(_ weights: [[Float]]) throws -> [Float] {
        guard let count = weights.first?.count else { throw CLIError("nothing to average") }
        guard weights.allSatisfy({ $0.count == count }) else { throw CLIError("checkpoints have different sizes") }
        var sum = [Double](repeating: 0, count: count)
        for w in weights { for i in 0..<count { sum[i] += Double(w[i]) } }
        let n = Double(weights.count)
        return sum.map { Float($0 / n) }
    }
}
