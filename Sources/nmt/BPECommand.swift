import ArgumentParser
import Text

struct BPECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bpe",
        abstract: "Learn, apply and invert BPE.",
        discussion: """
        Text is normalized (NFKC by default, control characters removed, white space
        collapsed) and split SentencePiece-style: "▁" marks the start of each word, so
        decoding is lossless.
        """,
        subcommands: [BPELearnCommand.self, BPEEncodeCommand.self, BPEDecodeCommand.self]
    )
}

extension NormalizationForm: ExpressibleByArgument {}

/// The --model option shared by encode and decode.
struct BPEModelOption: ParsableArguments {
    @Option(name: .long, help: "The BPE model file (from 'nmt bpe learn').")
    var model: String

    func load() throws -> BPEModel { try BPEModel.load(path: model) }
}
