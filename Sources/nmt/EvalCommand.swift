import ArgumentParser
import Corpus
import Foundation
import Hashing
import Store
import Tensor
import Training

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Translate a split with a run's checkpoint, score BLEU and chrF (as nmt bleu), and store the evaluation with the run.",
        discussion: """
        The split's files default to the run's validation files with 'valid' replaced by the split name
        (data/bible/test.es and data/bible/test.en for the built-in corpus); --src/--ref override them.
        """)
    @Argument(help: "Run name.") var name: String
    @OptionGroup var database: DatabaseOptions
    @Option(help: "test or valid.") var split = "test"
    @Option(help: "best, last, avg, or a checkpoint id.") var checkpoint = "best"
    @OptionGroup(title: "Decoding") var decoding: DecodingOptions
    @Option(help: "Source file (default: from the run's data).") var src: String?
    @Option(help: "Reference file (default: from the run's data).") var ref: String?
    @Option(help: "Where to write the translations (default: NAME.SPLIT.hyp).") var out: String?
    @Option var threads = Parallel.defaultThreadCount
    @Flag var quiet = false

    func run() throws {
        try withCleanErrors {
            Parallel.setThreadCap(threads)
            let modelSource = try ModelSourceOptions.parse(["--run", name, "--db", database.db, "--checkpoint", checkpoint])
            try modelSource.validate()
            let loaded = try modelSource.load()
            let config = loaded.config!
            let srcPath = try src ?? Self.splitFile(config.data.validSource, split: split)
            let refPath = try ref ?? Self.splitFile(config.data.validTarget, split: split)
            let text = try ParallelCorpus.read(source: srcPath, target: refPath)
            let translator = try Translator(model: loaded.model, vocabulary: loaded.vocabulary, settings: decoding.settings,
                                            maxTokens: decoding.batchTokens)
            let started = Date()
            let progress = ProgressLine("eval", total: text.count, unit: "sentences", quiet: quiet)
            var hypotheses: [String] = []
            for chunk in stride(from: 0, to: text.count, by: 200) {
                hypotheses += try translator.translate(Array(text.source[chunk..<min(chunk + 200, text.count)]))
                progress.update(hypotheses.count)
            }
            progress.finish(hypotheses.count)
            let hypPath = out ?? "\(name).\(split).hyp"
            let hypText = hypotheses.map { $0 + "\n" }.joined()
            try Data(hypText.utf8).write(to: URL(fileURLWithPath: hypPath))
            let score = try CorpusBLEU.score(hypotheses: hypotheses, references: text.target, name: refPath)
            let seconds = Date().timeIntervalSince(started)
            let decodingJSON = try EvaluationSettings(beam: decoding.beam, lenpen: decoding.lenpen, maxLenA: decoding.maxLenA,
                                                      maxLenB: decoding.maxLenB, checkpoint: checkpoint, src: srcPath, ref: refPath,
                                                      seconds: seconds).json()
            try loaded.store!.recordEvaluation(EvaluationRecord(
                checkpointID: loaded.checkpoint?.id, checkpointUpdate: loaded.checkpoint?.update, split: split, decodingJSON: decodingJSON,
                bleu: score.bleu.score, chrF: score.chrF, signature: score.signature, hypothesisSHA256: SHA256.hexDigest(of: hypText),
                createdAt: Date()), run: name)
            print("run \(name), checkpoint \(loaded.checkpoint.map { "\($0.id) (update \($0.update))" } ?? "?"), \(split), beam \(decoding.beam): "
                  + "\(score.bleu.line); chrF2 = \(String(format2: score.chrF)); \(hypotheses.count) sentences in \(ProgressLine.format(duration: seconds)); "
                  + "translations in \(hypPath)")
            print("signature: \(score.signature)")
        }
    }

    static func splitFile(_ validPath: String, split: String) throws -> String {
        if split == "valid" { return validPath }
        let candidate = validPath.replacingOccurrences(of: "valid", with: split)
        guard candidate != validPath, FileManager.default.fileExists(atPath: candidate) else {
            throw CLIError("no \(split) file next to \(validPath) (looked for \(candidate)); give --src and --ref")
        }
        return candidate
    }
}

/// How an evaluation was made, stored as JSON with its row.
struct EvaluationSettings: Codable {
    var beam: Int
    var lenpen: Double
    var maxLenA: Double
    var maxLenB: Int
    var checkpoint: String
    var src: String
    var ref: String
    var seconds: Double

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
