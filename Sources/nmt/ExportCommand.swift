import ArgumentParser
import Foundation
import Store
import Training
import Transformer

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's checkpoint as a safetensors model (names in docs/safetensors.md; loads in PyTorch).")
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "best, last, or a checkpoint id.") var checkpoint = "best"
    @Option(help: "Output file.") var out: String

    func run() throws {
        try withCleanErrors {
            let store = try openExistingStore(database.db)
            let (model, info, _) = try loadRunModel(store: store, run: name, checkpoint: checkpoint)
            try model.save(to: URL(fileURLWithPath: out))
            print("wrote \(out): run \(name), checkpoint \(info.id) (update \(info.update)), \(model.parameterCount) parameters")
        }
    }
}

/// A run's model at a checkpoint (best, last, avg, or an id), with the run's configuration.
func loadRunModel(store: RunStore, run: String, checkpoint: String) throws -> (TransformerModel, CheckpointInfo, RunConfiguration) {
    let record = try store.run(named: run)
    let config = try RunConfiguration.decode(json: record.run.configurationJSON)
    guard let selector = CheckpointSelector(checkpoint) else {
        throw CLIError("--checkpoint must be best, last, avg or a checkpoint id, got '\(checkpoint)'")
    }
    let loaded: Checkpoint
    do {
        loaded = try store.loadCheckpoint(run: run, selector)
    } catch StoreError.checkpointNotFound where selector == .best {
        // A run stopped before its first validation has no best yet: fall back, and say so.
        loaded = try store.loadCheckpoint(run: run, .last)
        FileHandle.standardError.write(Data("nmt: run \(run) has no validated checkpoint; using the last one (update \(loaded.info.update))\n".utf8))
    }
    let model = try TransformerModel(config: config.model, seed: config.trainer.seed)
    guard loaded.payload.weights.count == model.parameterCount else {
        throw CLIError("checkpoint \(loaded.info.id) of run \(run) holds \(loaded.payload.weights.count) weights, its model has \(model.parameterCount)")
    }
    _ = model.parameters.update(fromContentsOf: loaded.payload.weights)
    return (model, loaded.info, config)
}
