import Application
import ArgumentParser
import Foundation
import Store

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's checkpoint as a safetensors model (names in docs/safetensors.md; loads in PyTorch).")
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "best, last, or a checkpoint id.", transform: { try CheckpointSelector.parse($0) }) var checkpoint: CheckpointSelector = .best
    @Option(help: "Output file.") var out: String
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let run = try RunRestore.restore(store: try RunDatabase.openExisting(database.db), run: name, at: checkpoint, fallBackToLast: true,
                                         console: console)
        try run.model.save(to: URL(fileURLWithPath: out))
        print("wrote \(out): run \(name), checkpoint \(run.checkpoint.info.id) (update \(run.checkpoint.info.update)), \(run.model.parameterCount) parameters")
    }
}
