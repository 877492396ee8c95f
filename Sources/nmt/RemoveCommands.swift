import Application
import ArgumentParser
import Store

struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove runs and everything recorded for them; the file shrinks.",
        discussion: """
        Refuses a run still training and a run of a study (the study would train it
        again). Each run goes in one transaction: a kill leaves it whole or gone.
        """)

    @Argument(help: "The runs.") var names: [String] = []
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let o = try RunRemoval.remove(database: database.db, runs: names, console: console)
        print("removed \(o.runs) run\(o.runs == 1 ? "" : "s") from \(database.db): \(PruneCommand.megabytes(o.bytesBefore)) → \(PruneCommand.megabytes(o.bytesAfter))")
    }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Drop the checkpoints finished runs no longer need; the file shrinks.",
        discussion: """
        Keeps the checkpoints --keep names (default best,last,avg) of each finished run
        (all finished runs when none is named); --drop-moments also empties their
        optimizer state (two thirds of a checkpoint): they still translate and
        evaluate, and no longer resume.
          nmt prune --db out/small.sqlite
          nmt prune radam --keep avg --drop-moments
        """)

    @Argument(help: "The runs (default: every finished run).") var names: [String] = []
    @Option(help: "Checkpoints to keep: best, last, avg or ids, comma-separated.") var keep = "best,last,avg"
    @Flag(name: .customLong("drop-moments"), help: "Also empty the kept checkpoints' optimizer state (they no longer resume).")
    var dropMoments = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let selectors = try keep.split(separator: ",").map { part -> CheckpointSelector in
            guard let s = CheckpointSelector(String(part).trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--keep: '\(part)' is not best, last, avg or a checkpoint id")
            }
            return s
        }
        let o = try RunRemoval.prune(database: database.db, runs: names, keep: selectors, dropMoments: dropMoments, console: console)
        print("pruned \(o.runs) run\(o.runs == 1 ? "" : "s"): \(o.checkpoints) checkpoints dropped\(dropMoments ? ", optimizer state emptied" : ""); "
            + "\(database.db): \(Self.megabytes(o.bytesBefore)) → \(Self.megabytes(o.bytesAfter))")
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }
}
