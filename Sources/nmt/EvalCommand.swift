import Application
import ArgumentParser
import Store

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Translate a split with a run's checkpoint and score BLEU and chrF.",
        discussion: """
        Scores as nmt bleu does, and stores the evaluation with the run.
        The split's files default to the run's validation files with 'valid' replaced
        by the split name (data/bible/test.es and data/bible/test.en for the built-in
        corpus); --src/--ref override them.
        """)
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "test or valid.") var split = "test"
    @Option(help: "best, last, avg, or a checkpoint id.", transform: { try CheckpointSelector.parse($0) }) var checkpoint: CheckpointSelector = .best
    @OptionGroup(title: "Decoding") var decoding: DecodingOptions
    @Option(help: "Source file (default: from the run's data).") var src: String?
    @Option(help: "Reference file (default: from the run's data).") var ref: String?
    @Option(help: "Where to write the translations (default: NAME.SPLIT.hyp, or NAME.SPLIT.2.hyp, … if taken).") var out: String?
    @Option(help: "The run's BPE model, when not where the run recorded it (checked against the run's hash).") var vocab: String?
    @Flag(help: "Score only the run's lexical shortlist candidates (opt-in, see `nmt shortlist learn`); the evaluation records it.")
    var shortlist = false
    @OptionGroup var int8: Int8Option
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        var request = Evaluation.Request(
            database: database.db, run: name, split: split, checkpoint: checkpoint, decoding: decoding.settings,
            batchTokens: decoding.batchTokens, source: src, reference: ref, output: out)
        request.shortlist = shortlist
        request.vocabulary = vocab
        request.int8 = int8.int8
        let e = try Evaluation.run(request, console: console)
        print("run \(name), checkpoint \(e.checkpoint.id) (update \(e.checkpoint.update)), \(split), beam \(decoding.beam)\(shortlist ? ", shortlist" : "")\(int8.int8 ? ", int8" : ""): "
              + "\(e.score.bleu.line); chrF2 = \(String(format2: e.score.chrF)); \(e.sentences) sentences in \(ProgressLine.format(duration: e.seconds)); "
              + "translations in \(e.hypothesisPath)")
        print("signature: \(e.score.signature)")
    }
}
