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
    /// A model bundle directory (ModelBundle), its files checked against its manifest; `vocabulary` overrides its BPE model.
    case bundle(directory: String, vocabulary: String?)
    /// The model shipped in models/bible-es-en (BundledModel), when neither a run nor a file is given.
    case bundled

    /// A model ready to use, with what it came from.
    public struct Loaded {
        public var model: TransformerModel
        public var vocabulary: BPEModel
        /// The run and checkpoint, when the model came from the database.
        public var run: RestoredRun?
        /// The weights file, when the model came from one (an exported model or a bundle).
        public var modelFile: String?
        /// The bundle's manifest, when the model came from a bundle.
        public var bundle: ModelBundle.Manifest?
    }

    public func load(console: Console = Console(quiet: false)) throws -> Loaded {
        switch self {
        case .exported(let model, let vocabulary):
            return Loaded(model: try TransformerModel.load(from: URL(fileURLWithPath: model)), vocabulary: try BPEModel.load(path: vocabulary),
                          modelFile: model)
        case .bundle(let directory, let vocabulary):
            let location = ModelBundle.Location(directory: URL(fileURLWithPath: directory))
            let manifest = try ModelBundle.verify(location)
            var loaded = try ModelSource.exported(model: location.model, vocabulary: vocabulary ?? location.vocabulary).load(console: console)
            loaded.bundle = manifest
            return loaded
        case .bundled:
            let location = try BundledModel.locate()
            console.info("using \(BundledModel.summary(of: location)); --run or --model picks another")
            return try ModelSource.bundle(directory: location.directory.path, vocabulary: nil).load(console: console)
        case .run(let database, let name, let checkpoint, let vocabulary):
            let store = try RunDatabase.openExisting(database)
            let run = try RunRestore.restore(store: store, run: name, at: checkpoint, fallBackToLast: true, console: console)
            return Loaded(model: run.model, vocabulary: try RunRestore.vocabulary(of: run, path: vocabulary), run: run)
        }
    }
}
