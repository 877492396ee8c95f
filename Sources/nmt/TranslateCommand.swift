import ArgumentParser
import Decoding
import Foundation
import Optim
import Tensor

/// Decoding settings shared by translate, eval and train --eval-bleu.
struct DecodingOptions: ParsableArguments {
    @Option(help: "Beam size (1 = greedy).") var beam = 5
    @Option(help: "Length penalty: scores are divided by length^lenpen.") var lenpen = 1.0
    @Option(name: .customLong("max-len-a"), help: "Maximum output length is a·source length + b.") var maxLenA = 1.2
    @Option(name: .customLong("max-len-b")) var maxLenB = 10
    @Option(help: "Hypotheses per sentence (joined by tabs on the sentence's line).") var nbest = 1
    @Option(name: .customLong("batch-tokens"), help: "Source tokens per decoding batch (before beam expansion).") var batchTokens = 4096

    var settings: BeamSearch.Settings {
        BeamSearch.Settings(beam: beam, lenpen: lenpen, maxLenA: maxLenA, maxLenB: maxLenB, nbest: nbest)
    }

    func validate() throws { try settings.validate() }
}

struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate standard input, one sentence per line, to standard output.",
        discussion: """
        Exactly one output line per input line, in order; an empty line gives an empty line.
        Progress and warnings go to stderr, translations only to stdout.
          nmt translate --run radam --checkpoint best < data/bible/test.es > test.hyp
          nmt translate --model model.safetensors --vocab vocab/bible.8k.bpe --beam 1 < in.txt
        """)

    @OptionGroup var source: ModelSourceOptions
    @OptionGroup(title: "Decoding") var decoding: DecodingOptions
    @Option(help: "Threads for BLAS and kernels.") var threads = Parallel.defaultThreadCount
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        try withCleanErrors {
            Parallel.setThreadCap(threads)
            let loaded = try source.load()
            let translator = try Translator(model: loaded.model, vocabulary: loaded.vocabulary, settings: decoding.settings,
                                            maxTokens: decoding.batchTokens)
            let input = LineStream()
            let total = LineStream.countLines(ofRegularFile: FileHandle.standardInput)
            let progress = ProgressLine("translate", total: total, unit: "sentences", quiet: quiet || (total ?? 1000) < 100)
            var done = 0
            while let lines = try input.next(maxLines: 1000) {
                let outputs = try translator.translate(lines)
                var text = outputs.joined(separator: "\n")
                text.append("\n")
                FileHandle.standardOutput.write(Data(text.utf8))
                done += lines.count
                progress.update(done)
            }
            progress.finish(done)
            if input.invalidLines > 0 {
                log(false, "warning: \(input.invalidLines) input lines had invalid UTF-8 (replaced by U+FFFD)")
            }
            if translator.truncatedLines > 0 {
                log(false, "warning: \(translator.truncatedLines) input lines were longer than the model's \(translator.maxSourceTokens) tokens and were truncated")
            }
            if translator.unknownCharacters > 0 {
                log(false, "warning: \(translator.unknownCharacters) characters unknown to the vocabulary were encoded as <unk>")
            }
        }
    }
}
