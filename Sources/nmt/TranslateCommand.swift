import Application
import ArgumentParser
import Decoding
import Text

/// Decoding settings shared by translate, eval and train --eval-bleu.
struct DecodingOptions: ParsableArguments {
    @Option(help: "Beam size (1 = greedy).") var beam = 5
    @Option(help: "Length penalty: scores are divided by length^lenpen.") var lenpen = 1.0
    @Option(name: .customLong("max-len-a"), help: "Maximum output length is a·source length + b.") var maxLenA = 1.2
    @Option(name: .customLong("max-len-b")) var maxLenB = 10
    @Option(help: "Hypotheses per sentence, best first (see --nbest-format).") var nbest = 1
    @Option(name: .customLong("max-beam"), help: "Largest --beam accepted (bounds the work per sentence).")
    var maxBeam = BeamSearch.Settings.defaultMaxBeam
    @Option(name: .customLong("batch-tokens"), help: "Source tokens per decoding batch (before beam expansion).") var batchTokens = 4096

    var settings: BeamSearch.Settings {
        BeamSearch.Settings(beam: beam, lenpen: lenpen, maxLenA: maxLenA, maxLenB: maxLenB, nbest: nbest)
    }

    func validate() throws {
        if maxBeam < 1 { throw ValidationError("--max-beam must be at least 1, got \(maxBeam)") }
        try settings.validate(maxBeam: maxBeam)
    }
}

extension TranslationFormat: ExpressibleByArgument {}

struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate standard input, one sentence per line, to standard output.",
        discussion: """
        Exactly one output line per input line, in order; an empty line gives an empty
        line. Each line is answered as soon as it has arrived and the input pauses, so
        a person typing or a program writing a line and waiting (a coprocess) gets its
        translation at once.
        With --nbest N (N > 1) the output is fairseq's S-/H-/D-/P- lines, or
        --nbest-format tsv.
        Progress and warnings go to stderr, translations only to stdout.
          nmt translate --run radam --checkpoint best < data/bible/test.es > test.hyp
          nmt translate --model model.safetensors --vocab vocab/bible.8k.bpe \\
              --beam 1 < in.txt
        """)

    @OptionGroup var source: ModelSourceOptions
    @OptionGroup(title: "Decoding") var decoding: DecodingOptions
    @OptionGroup var int8: Int8Option
    @Option(name: .customLong("nbest-format"),
            help: "plain (a line per input line, hypotheses joined by tabs), fairseq (S-/H-/D-/P- lines, base-2 scores) or tsv (id, rank, logprob, score, hypothesis). Default: fairseq when --nbest > 1, else plain.")
    var nbestFormat: TranslationFormat?
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let loaded = try source.source.load(console: console)
        let translator = try Translator(model: loaded.model, vocabulary: loaded.vocabulary, settings: decoding.settings,
                                        maxTokens: decoding.batchTokens, shortlist: try source.loadShortlist(),
                                        int8: int8.weights(for: loaded.model, console: console))
        try StreamTranslation.run(translator, input: TextLineReader(), totalLines: TextLineReader.countLines(ofRegularFile: 0),
                                  format: nbestFormat ?? (decoding.nbest > 1 ? .fairseq : .plain), console: console)
    }
}
