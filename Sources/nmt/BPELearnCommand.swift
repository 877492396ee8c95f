import Application
import ArgumentParser
import Dispatch
import Text

struct BPELearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "Learn a joint BPE model from training files (one sentence per line)."
    )

    @Option(name: .long, help: "Vocabulary size: 4 special tokens + the characters + merged pieces.")
    var vocabSize = 8000

    @Option(name: .long, help: "Stop merging when the best pair occurs fewer times than this.")
    var minFrequency = 2

    @Option(name: .long, help: "Unicode normalization: nfkc, nfc or none.")
    var normalize: NormalizationForm = .nfkc

    @Option(name: .long, help: "Where to write the model file.")
    var out: String

    @Argument(help: "Training text files, learned jointly (e.g. the source and target sides).")
    var trainFiles: [String]

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if vocabSize < 5 { throw ValidationError("--vocab-size must be at least 5, got \(vocabSize)") }
        if minFrequency < 1 { throw ValidationError("--min-frequency must be at least 1, got \(minFrequency)") }
        if trainFiles.isEmpty { throw ValidationError("give at least one training file") }
    }

    func run() throws {
        runtime.apply()
        try OutputPath.refuse(out, flag: "--out", inputs: trainFiles.map { ("training text", $0) })
        let start = DispatchTime.now().uptimeNanoseconds
        let options = BPELearnerOptions(vocabSize: vocabSize, minFrequency: Int64(minFrequency), normalization: normalize)
        let (model, summary) = try BPELearner.learn(files: trainFiles, options: options)
        try model.save(path: out)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if let reason = summary.stoppedEarly {
            printError("warning: stopped at \(model.vocabSize) of \(vocabSize) pieces: \(reason)")
        }
        printError("bpe learn: \(model.vocabSize) pieces (\(summary.characters) characters, \(summary.merges) merges) "
            + "from \(summary.distinctWords) distinct words in \(formatSeconds(seconds)) s; sha256 \(model.hash) → \(out)")
    }
}

func formatSeconds(_ s: Double) -> String {
    let hundredths = Int((s * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
