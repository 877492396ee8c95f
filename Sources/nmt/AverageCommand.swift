import Application
import ArgumentParser

struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average a run's last N training checkpoints into a new checkpoint of the run (select it with --checkpoint avg).",
        discussion: "Only checkpoints still kept can be averaged: train with --keep-last N or more.")
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "How many of the newest training checkpoints to average.") var last = 10
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws { if last < 1 { throw ValidationError("--last must be at least 1") } }

    func run() throws {
        runtime.apply()
        let outcome = try CheckpointAveraging.average(store: try RunDatabase.openExisting(database.db), run: name, last: last)
        print("run \(name): checkpoint \(outcome.checkpointID) = average of \(outcome.updates.count) checkpoints (updates \(outcome.updates.map(String.init).joined(separator: ", ")))")
    }
}
