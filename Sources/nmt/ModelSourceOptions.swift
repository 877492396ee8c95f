import Application
import Foundation
import ArgumentParser
import Decoding
import Store

/// Which model to use: a run's checkpoint from the database, an exported safetensors file with
/// its vocabulary (no database needed), or — given neither — the bundled models/bible-es-en.
struct ModelSourceOptions: ParsableArguments {
    @Option(help: "Run whose checkpoint to use. Without --run and --model: the bundled model models/bible-es-en (Spanish→English).") var run: String?
    @OptionGroup var database: DatabaseOptions
    @Option(help: "best, last, avg (the newest `nmt average`), or a checkpoint id.", transform: { try CheckpointSelector.parse($0) })
    var checkpoint: CheckpointSelector = .best
    @Option(help: "An exported safetensors model (with --vocab), or a model bundle directory (instead of --run).") var model: String?
    @Option(help: "The BPE model for --model (a bundle has its own).") var vocab: String?
    @Flag(help: "Score only the run's lexical shortlist candidates (opt-in approximation; learn it with `nmt shortlist learn NAME`).")
    var shortlist = false

    func validate() throws {
        switch (run, model) {
        case (.some, .some): throw ValidationError("give either --run or --model, not both")
        case (nil, .some(let file)) where vocab == nil && !ModelBundle.isBundle(file):
            throw ValidationError("--model needs --vocab (the BPE model it was trained with), unless it is a bundle directory (nmt export --format bundle)")
        case (nil, _) where shortlist: throw ValidationError("--shortlist needs --run (a shortlist is stored with its run)")
        default: break
        }
    }

    /// The run's stored shortlist when --shortlist was given.
    func loadShortlist() throws -> LexicalShortlist? {
        guard shortlist, let run else { return nil }
        return try Shortlists.load(store: try RunDatabase.openExisting(database.db), run: run, database: database.db)
    }

    var source: ModelSource {
        if let model {
            return ModelBundle.isBundle(model) ? .bundle(directory: model, vocabulary: vocab) : .exported(model: model, vocabulary: vocab!)
        }
        guard let run else { return .bundled }
        return .run(database: database.db, name: run, checkpoint: checkpoint, vocabulary: vocab)
    }
}

extension CheckpointSelector {
    /// `--checkpoint`'s parser, with the one wording of its error.
    static func parse(_ text: String) throws -> CheckpointSelector {
        guard let selector = CheckpointSelector(text) else {
            throw ValidationError("--checkpoint must be best, last, avg or a checkpoint id, got '\(text)'")
        }
        return selector
    }
}
