import Application
import ArgumentParser
import Foundation

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Forced decoding: the model's log-probability of given translations.",
        discussion: """
        stdout: one line per pair, "TOTAL<tab>PER_TOKEN<tab>TOKENS": the natural-log
        probability of the target (its </s> included), per token, and the token count.
        stderr: the corpus NLL per token and perplexity.
        No label smoothing, no dropout: the NLL equals the trainer's on the same pairs.
        """)
    @OptionGroup var source: ModelSourceOptions
    @Option(help: "Source sentences.") var src: String
    @Option(help: "Target sentences, line-aligned with --src.") var tgt: String
    @Option(name: .customLong("batch-tokens")) var batchTokens = 2048
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        let console = runtime.apply()
        let loaded = try source.source.load(console: console)
        let scores = try ForcedScoring.score(model: loaded.model, vocabulary: loaded.vocabulary, sourcePath: src, targetPath: tgt,
                                             batchTokens: batchTokens)
        var out = ""
        for s in scores { out += "\(s.logProb)\t\(s.logProb / Double(s.tokens))\t\(s.tokens)\n" }
        FileHandle.standardOutput.write(Data(out.utf8))
        let nll = -scores.map(\.logProb).reduce(0, +), tokens = scores.map(\.tokens).reduce(0, +)
        console.info("corpus: \(scores.count) pairs, \(tokens) target tokens, NLL \(nll / Double(tokens)) per token, perplexity \(exp(nll / Double(tokens)))")
    }
}
