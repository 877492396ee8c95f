import Foundation
import Store
import Text
import Training
import Transformer

/// Where a translating or scoring command gets its model: a run's checkpoint from the
/// database, or an exported safetensors file with its vocabulary (no database needed).
public enum ModelSource: Sendable {
    case run(database: String, name: String, checkpoint: CheckpointSelector, vocabulary: String?)
    case exported(model: String, vocabulary: String)

    /// A model ready to use, with what it came from.
    public struct Loaded {
        public var model: TransformerModel
        public var vocabulary: BPEModel
        /// The run and checkpoint, when the model came from the database.
        public var run: RestoredRun?
    }

    public func load(console: Console = Console(quiet: false)) throws -> Loaded {
        switch self {
        case .exported(let model, let vocabulary):
            return Loaded(model: try TransformerModel.load(from: URL(fileURLWithPath: model)), vocabulary: try BPEModel.load(path: vocabulary))
        case .run(let database, let name, let checkpoint, let vocabulary):
            let store = try RunDatabase.openExisting(database)
            let run = try RunRestore.restore(store: store, run: name, at: checkpoint, fallBackToLast: true, console: console)
            return Loaded(model: run.model, vocabulary: try RunRestore.vocabulary(of: run, path: vocabulary), run: run)
        }
    }
}
