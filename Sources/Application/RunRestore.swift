import Foundation
import Store
import Text
import Training
import Transformer

/// A run's model as stored at one checkpoint: the one way back from the database to a model,
/// used by resume, eval, translate, score, export and average.
public struct RestoredRun {
    public var store: RunStore
    public var name: String
    public var record: RunRecord
    public var config: RunConfiguration
    public var model: TransformerModel
    public var checkpoint: Checkpoint
}

public enum RunRestore {
    /// The run `name` at `selector`, its model built from the stored configuration and loaded
    /// with the checkpoint's weights. With `fallBackToLast`, a run that never validated (so has
    /// no best checkpoint yet) gives its last one, and the console says so.
    public static func restore(store: RunStore, run name: String, at selector: CheckpointSelector, fallBackToLast: Bool = false,
                               console: Console = Console(quiet: false)) throws -> RestoredRun {
        let record = try store.run(named: name)
        let config = try RunConfiguration.decode(json: record.run.configurationJSON)
        let checkpoint = try self.checkpoint(store: store, run: name, at: selector, fallBackToLast: fallBackToLast, console: console)
        let model = try TransformerModel(config: config.model, seed: config.trainer.seed)
        try load(checkpoint, into: model, run: name)
        return RestoredRun(store: store, name: name, record: record, config: config, model: model, checkpoint: checkpoint)
    }

    /// One checkpoint of a run, with the best → last fallback of `restore`.
    public static func checkpoint(store: RunStore, run name: String, at selector: CheckpointSelector, fallBackToLast: Bool = false,
                                  console: Console = Console(quiet: false)) throws -> Checkpoint {
        do {
            return try store.loadCheckpoint(run: name, selector)
        } catch StoreError.checkpointNotFound where selector == .best && fallBackToLast {
            let last = try store.loadCheckpoint(run: name, .last)
            console.warn("run \(name) has no validated checkpoint; using the last one (update \(last.info.update))")
            return last
        }
    }

    /// A checkpoint's weights into a model built for them (the sizes must agree).
    public static func load(_ checkpoint: Checkpoint, into model: TransformerModel, run name: String) throws {
        guard checkpoint.payload.weights.count == model.parameterCount else {
            throw ApplicationError("checkpoint \(checkpoint.info.id) of run \(name) holds \(checkpoint.payload.weights.count) weights, its model has \(model.parameterCount)")
        }
        _ = model.parameters.update(fromContentsOf: checkpoint.payload.weights)
    }

    /// The run's vocabulary (or `path` instead of the stored one), checked against the hash
    /// the run was trained with. The stored path is found from any directory (`StoredPath`).
    public static func vocabulary(of run: RestoredRun, path: String? = nil) throws -> BPEModel {
        // Only a file with the run's vocabulary hash is taken from the places looked in.
        let vocabPath = try path ?? StoredPath.resolve(run.config.data.vocabulary, database: run.store.database.path,
                                                       sha256: run.record.run.vocabularySHA256, what: "vocabulary of run \(run.name)",
                                                       flag: "--vocab", hash: { try BPEModel.load(path: $0).hash })
        let vocabulary = try BPEModel.load(path: vocabPath)
        let expected = run.record.run.vocabularySHA256
        guard vocabulary.hash == expected else {
            throw ApplicationError("\(vocabPath) has hash \(vocabulary.hash.prefix(12))…, but run \(run.name) was trained with \(expected.prefix(12))…")
        }
        return vocabulary
    }
}
