import ArgumentParser
import Foundation
import Store
import Text
import Training
import Transformer

/// Which model to use: a run's checkpoint from the database, or an exported safetensors file
/// with its vocabulary (no database needed).
struct ModelSourceOptions: ParsableArguments {
    @Option(help: "Run whose checkpoint to use.") var run: String?
    @OptionGroup var database: DatabaseOptions
    @Option(help: "best, last, avg (the newest `nmt average`), or a checkpoint id.") var checkpoint = "best"
    @Option(help: "An exported safetensors model (instead of --run).") var model: String?
    @Option(help: "The BPE model for --model.") var vocab: String?

    func validate() throws {
        switch (run, model) {
        case (nil, nil): throw ValidationError("give --run NAME, or --model FILE with --vocab FILE")
        case (.some, .some): throw ValidationError("give either --run or --model, not both")
        case (nil, .some) where vocab == nil: throw ValidationError("--model needs --vocab (the BPE model it was trained with)")
        default: break
        }
    }

    struct Loaded {
        var model: TransformerModel
        var vocabulary: BPEModel
        /// The run and checkpoint, when the model came from the database.
        var run: String?
        var checkpoint: CheckpointInfo?
        var config: RunConfiguration?
        var store: RunStore?
    }

    func load() throws -> Loaded {
        if let path = model {
            let m = try TransformerModel.load(from: URL(fileURLWithPath: path))
            return Loaded(model: m, vocabulary: try BPEModel.load(path: vocab!))
        }
        let store = try openExistingStore(database.db)
        let (m, info, config) = try loadRunModel(store: store, run: run!, checkpoint: checkpoint)
        let vocabPath = vocab ?? config.data.vocabulary
        let vocabulary = try BPEModel.load(path: vocabPath)
        let expected = try store.run(named: run!).run.vocabularySHA256
        guard vocabulary.hash == expected else {
            throw CLIError("\(vocabPath) has hash \(vocabulary.hash.prefix(12))…, but run \(run!) was trained with \(expected.prefix(12))…")
        }
        return Loaded(model: m, vocabulary: vocabulary, run: run, checkpoint: info, config: config, store: store)
    }
}
