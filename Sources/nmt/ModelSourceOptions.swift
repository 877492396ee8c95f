import Application
import ArgumentParser
import Decoding
import Store

/// Which model to use: a run's checkpoint from the database, or an exported safetensors file
/// with its vocabulary (no database needed).
struct ModelSourceOptions: ParsableArguments {
    @Option(help: "Run whose checkpoint to use.") var run: String?
    @OptionGroup var database: DatabaseOptions
    @Option(help: "best, last, avg (the newest `nmt average`), or a checkpoint id.", transform: { try CheckpointSelector.parse($0) })
    var checkpoint: CheckpointSelector = .best
    @Option(help: "An exported safetensors model (instead of --run).") var model: String?
    @Option(help: "The BPE model for --model.") var vocab: String?
    @Flag(help: "Score only the run's lexical shortlist candidates (opt-in approximation; learn it with `nmt shortlist learn NAME`).")
    var shortlist = false

    func validate() throws {
        switch (run, model) {
        case (nil, nil): throw ValidationError("give --run NAME, or --model FILE with --vocab FILE")
        case (.some, .some): throw ValidationError("give either --run or --model, not both")
        case (nil, .some) where vocab == nil: throw ValidationError("--model needs --vocab (the BPE model it was trained with)")
        case (nil, .some) where shortlist: throw ValidationError("--shortlist needs --run (a shortlist is stored with its run)")
        default: break
        }
    }

    /// The run's stored shortlist when --shortlist was given.
    func loadShortlist() throws -> LexicalShortlist? {
        guard shortlist, let run else { return nil }
        return try Shortlists.load(store: try RunDatabase.openExisting(database.db), run: run, database: database.db)
    }

    var source: ModelSource {
        if let model { return .exported(model: model, vocabulary: vocab!) }
        return .run(database: database.db, name: run!, checkpoint: checkpoint, vocabulary: vocab)
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
