import Corpus
import Decoding
import Foundation
import Hashing
import Store
import Transformer

/// `nmt eval`: translate a split with a run's checkpoint, score BLEU and chrF exactly as
/// `nmt bleu` does, write the translations and store the evaluation with the run.
public enum Evaluation {
    /// `base.suffix`, or the first `base.N.suffix` (N = 2, 3, …) that does not exist yet.
    static func freshPath(base: String, suffix: String) -> String {
        var candidate = "\(base).\(suffix)", n = 2
        while FileManager.default.fileExists(atPath: candidate) { candidate = "\(base).\(n).\(suffix)"; n += 1 }
        return candidate
    }

    public struct Request: Sendable {
        public var database: String
        public var run: String
        public var split: String
        public var checkpoint: CheckpointSelector
        public var decoding: BeamSearch.Settings
        public var batchTokens: Int
        /// Override the split's files (default: from the run's data).
        public var source: String?
        public var reference: String?
        /// Where the translations go (default: RUN.SPLIT.hyp).
        public var output: String?
        /// The run's vocabulary file, when not where the run recorded it (checked by hash).
        public var vocabulary: String?
        /// False: the translations are only stored with the evaluation (`nmt study`).
        public var writeTranslations = true
        /// Only the split's first N sentences (`nmt study --quick`); nil = all.
        public var firstLines: Int?
        /// Decode with the run's stored lexical shortlist (`nmt shortlist learn`).
        public var shortlist = false
        /// Decode with int8 weights (`--int8`).
        public var int8 = false

        public init(database: String, run: String, split: String, checkpoint: CheckpointSelector, decoding: BeamSearch.Settings,
                    batchTokens: Int, source: String? = nil, reference: String? = nil, output: String? = nil, writeTranslations: Bool = true,
                    firstLines: Int? = nil) {
            self.writeTranslations = writeTranslations; self.firstLines = firstLines
            self.database = database; self.run = run; self.split = split; self.checkpoint = checkpoint; self.decoding = decoding
            self.batchTokens = batchTokens; self.source = source; self.reference = reference; self.output = output
        }
    }

    public struct Outcome {
        public var checkpoint: CheckpointInfo
        public var score: CorpusBLEU
        public var sentences: Int
        public var seconds: Double
        public var hypothesisPath: String
    }

    public static func run(_ request: Request, console: Console) throws -> Outcome {
        let store = try RunDatabase.openExisting(request.database)
        let run = try RunRestore.restore(store: store, run: request.run, at: request.checkpoint, fallBackToLast: true, console: console)
        let vocabulary = try RunRestore.vocabulary(of: run, path: request.vocabulary)
        let database = run.store.database.path
        func stored(_ role: String) -> String? { run.record.run.corpus.first { $0.role == role }?.sha256 }
        let srcPath = try request.source ?? splitFile(StoredPath.resolve(run.config.data.validSource, database: database, sha256: stored("valid.source"),
                                                                         what: "valid source of run \(request.run)", flag: "--src"), split: request.split)
        let refPath = try request.reference ?? splitFile(StoredPath.resolve(run.config.data.validTarget, database: database, sha256: stored("valid.target"),
                                                                            what: "valid target of run \(request.run)", flag: "--ref"), split: request.split)
        if let output = request.output, request.writeTranslations {
            try OutputPath.refuse(output, flag: "--out", inputs: [("run database", request.database), ("source", srcPath), ("reference", refPath)]
                + (request.vocabulary.map { [("vocabulary", $0)] } ?? []))
        }
        let corpus = try ParallelCorpus.read(source: srcPath, target: refPath)
        let lines = min(request.firstLines ?? corpus.count, corpus.count)
        let text = (source: Array(corpus.source.prefix(lines)), target: Array(corpus.target.prefix(lines)), count: lines)
        let shortlist = request.shortlist ? try Shortlists.load(store: store, run: request.run, database: request.database) : nil
        let translator = try Translator(model: run.model, vocabulary: vocabulary, settings: request.decoding, maxTokens: request.batchTokens,
                                        shortlist: shortlist, int8: request.int8 ? Int8DecoderWeights(model: run.model) : nil)
        let started = Date()
        let progress = ProgressLine("eval", total: text.count, unit: "sentences", quiet: console.quiet)
        var hypotheses: [String] = []
        for chunk in stride(from: 0, to: text.count, by: 200) {
            hypotheses += try translator.translate(Array(text.source[chunk..<min(chunk + 200, text.count)]))
            progress.update(hypotheses.count)
        }
        progress.finish(hypotheses.count)
        // The default name never overwrites an earlier evaluation's file: RUN.SPLIT.hyp, then
        // RUN.SPLIT.2.hyp, … (an explicit --out is written as asked).
        let hypPath = request.output ?? Self.freshPath(base: "\(request.run).\(request.split)", suffix: "hyp")
        let hypText = hypotheses.map { $0 + "\n" }.joined()
        if request.writeTranslations { try Data(hypText.utf8).write(to: URL(fileURLWithPath: hypPath), options: .atomic) }
        let score = try CorpusBLEU.score(hypotheses: hypotheses, references: text.target, name: refPath)
        let seconds = Date().timeIntervalSince(started)
        let d = request.decoding
        let settings = EvaluationSettings(beam: d.beam, lenpen: d.lenpen, maxLenA: d.maxLenA, maxLenB: d.maxLenB,
                                          checkpoint: request.checkpoint.description, src: srcPath, ref: refPath, seconds: seconds,
                                          lines: request.firstLines == nil ? nil : lines, shortlist: request.shortlist ? true : nil,
                                          int8: request.int8 ? true : nil)
        try store.recordEvaluation(EvaluationRecord(
            checkpointID: run.checkpoint.info.id, checkpointUpdate: run.checkpoint.info.update, split: request.split,
            decodingJSON: try settings.json(), bleu: score.bleu.score, chrF: score.chrF, signature: score.signature,
            hypothesisSHA256: SHA256.hexDigest(of: hypText), createdAt: Date(), hypotheses: hypText), run: request.run)
        return Outcome(checkpoint: run.checkpoint.info, score: score, sentences: hypotheses.count, seconds: seconds, hypothesisPath: hypPath)
    }

    /// The `split` file next to a run's validation file: its path with 'valid' replaced.
    public static func splitFile(_ validPath: String, split: String) throws -> String {
        if split == "valid" { return validPath }
        let candidate = validPath.replacingOccurrences(of: "valid", with: split)
        guard candidate != validPath, FileManager.default.fileExists(atPath: candidate) else {
            throw ApplicationError("no \(split) file next to \(validPath) (looked for \(candidate)); give --src and --ref")
        }
        return candidate
    }
}

/// How an evaluation was made, stored as JSON with its row.
public struct EvaluationSettings: Codable, Sendable {
    public var beam: Int
    public var lenpen: Double
    public var maxLenA: Double
    public var maxLenB: Int
    public var checkpoint: String
    public var src: String
    public var ref: String
    public var seconds: Double
    /// Set when only the first `lines` sentences were evaluated.
    public var lines: Int? = nil
    /// Set when decoding scored only the run's shortlist candidates.
    public var shortlist: Bool? = nil
    /// Set when decoding ran on int8 weights.
    public var int8: Bool? = nil

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
