import Foundation
import Application
import ArgumentParser

struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average checkpoints of a run into a new checkpoint of the run.",
        discussion: """
        Select the new checkpoint with --checkpoint avg.
        The members are the newest N training checkpoints (--last, the default: 10),
        the N best by the run's --best-checkpoint-metric (--best), or the checkpoints
        named by id (--checkpoints, as `nmt show NAME` lists them). Only checkpoints
        still kept can be averaged: train with --keep-last N or more.
          nmt average radam --last 5
          nmt average radam --best 3
          nmt average radam --checkpoints 12,15,18
        """)
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "Average the newest N training checkpoints (default 10).") var last: Int?
    @Option(help: "Average the N best checkpoints by the run's best-checkpoint metric.") var best: Int?
    @Option(help: "Average these checkpoint ids, comma-separated.", transform: Self.parseIDs) var checkpoints: [Int64]?
    @OptionGroup var runtime: RuntimeOptions

    static func parseIDs(_ text: String) throws -> [Int64] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let id = Int64(part.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw ValidationError("--checkpoints takes ids separated by commas such as 12,15,18, got '\(text)'")
            }
            return id
        }
    }

    var members: CheckpointAveraging.Members {
        if let best { return .best(best) }
        if let checkpoints { return .ids(checkpoints) }
        return .last(last ?? 10)
    }

    func validate() throws {
        if [last != nil, best != nil, checkpoints != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --last, --best, --checkpoints")
        }
        if let last, last < 1 { throw ValidationError("--last must be at least 1") }
        if let best, best < 1 { throw ValidationError("--best must be at least 1") }
    }

    func run() throws {
        runtime.apply()
        let outcome = try CheckpointAveraging.average(store: try RunDatabase.openExisting(database.db), run: name, members: members)
        print("run \(name): checkpoint \(outcome.checkpointID) = average of \(outcome.updates.count) checkpoints (updates \(outcome.updates.map(String.init).joined(separator: ", ")))")
    }
}
