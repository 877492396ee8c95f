import Corpus
import Decoding
import Foundation
import Parallelism
import Store
import Text
import Training

/// `nmt study run`: trains every cell of a study that is not done, `jobs` runs at a time, and
/// evaluates each finished run on the test split (the last checkpoint and the average of the
/// last ones, beam search), storing the translations. Running it again after any interruption,
/// kill -9 included, resumes interrupted runs from their last checkpoint, starts the missing
/// ones and never trains or evaluates a finished one again.
public enum StudyRunner {
    public struct Request: Sendable {
        public var name: String
        public var database: String
        public var settings: StudySettings
        /// nil: the unigram entropy of the training targets (see `StudySettings.lossThreshold`).
        public var lossThreshold: Double?
        public var extend: Bool
        public var jobs: Int
        /// The command line, kept with the study for the report.
        public var command: String

        public init(name: String, database: String, settings: StudySettings, lossThreshold: Double?, extend: Bool, jobs: Int, command: String) {
            self.name = name; self.database = database; self.settings = settings; self.lossThreshold = lossThreshold
            self.extend = extend; self.jobs = jobs; self.command = command
        }
    }

    public struct Outcome: Sendable {
        public var settings: StudySettings
        public var cells: Int
        public var trained: Int
        public var evaluated: Int
        public var diverged: Int
        public var interrupted: Bool
        public var seconds: Double
    }

    public static func run(_ request: Request, console: Console) throws -> Outcome {
        let started = Date()
        var settings = request.settings
        // Everything is checked before the database is touched: bad input writes nothing.
        guard !request.name.isEmpty, request.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
            throw ApplicationError("study name '\(request.name)' must be letters, digits, '-' or '_'")
        }
        if request.jobs < 1 { throw ApplicationError("--jobs must be at least 1, got \(request.jobs)") }
        try settings.validate()
        try checkReadable(settings)
        let vocabulary = try BPEModel.load(path: settings.data.vocabulary)
        guard vocabulary.vocabSize == settings.model.vocabularySize else {
            throw ApplicationError("\(settings.data.vocabulary) has \(vocabulary.vocabSize) pieces but the model was sized for \(settings.model.vocabularySize)")
        }
        let corpora = try CorpusFiles(settings.data, vocabulary: vocabulary, database: request.database, console: console)
        settings.lossThreshold = request.lossThreshold ?? UnigramEntropy.nats(of: corpora.train.pairs.map(\.target))

        let store = try RunStore(path: request.database)
        let lock = try StudyLock(database: request.database, study: request.name)
        defer { withExtendedLifetime(lock) {} }
        let studyID: Int64
        if let stored = try store.study(named: request.name) {
            let old = try StudySettings.decode(stored.settingsJSON, study: request.name)
            if let grown = try settings.reconcile(with: old, study: request.name, extend: request.extend) {
                try store.extendStudy(name: request.name, settingsJSON: try grown.json(), command: request.command)
                console.info("study \(request.name): extended to \(grown.arms.count) arms × \(grown.lrs.count) lrs × \(grown.seeds.count) seeds")
                settings = grown
            } else {
                settings = old
            }
            studyID = stored.id
        } else {
            studyID = try store.createStudy(name: request.name, settingsJSON: try settings.json(), command: request.command)
        }

        let cells = settings.cells
        let runs = Dictionary(try store.studyRuns(study: request.name).map { ($0.run, $0) }, uniquingKeysWith: { a, _ in a })
        let work = StudyWork(study: request.name, studyID: studyID, database: request.database, settings: settings, cells: cells,
                             stored: runs, console: console)
        console.info("study \(request.name): \(cells.count) runs (\(settings.arms.count) arms × \(settings.lrs.count) lrs × \(settings.seeds.count) seeds), "
            + "\(settings.maxUpdate) updates each, \(request.jobs) at a time with \(settings.threadsPerRun) thread\(settings.threadsPerRun == 1 ? "" : "s") each")
        StopSignals.install()
        Parallel.setThreadCap(settings.threadsPerRun)
        try work.run(jobs: request.jobs)
        return Outcome(settings: settings, cells: cells.count, trained: work.trained, evaluated: work.evaluated, diverged: work.diverged,
                       interrupted: Trainer.stopRequested, seconds: Date().timeIntervalSince(started))
    }

    static func checkReadable(_ s: StudySettings) throws {
        let files = [("--src", s.data.trainSource), ("--tgt", s.data.trainTarget), ("--valid-src", s.data.validSource),
                     ("--valid-tgt", s.data.validTarget), ("--vocab", s.data.vocabulary)]
        for (flag, path) in files where !FileManager.default.isReadableFile(atPath: path) {
            throw ApplicationError("\(path): cannot read the \(flag) file")
        }
        for (flag, path) in [("--test-src", s.testSource), ("--test-tgt", s.testTarget)] where !FileManager.default.isReadableFile(atPath: path) {
            throw ApplicationError("\(path): no test split (give \(flag)); a study evaluates every run on the test set")
        }
        // Reading checks that the two sides have the same number of lines, naming file and line.
        _ = try ParallelCorpus.read(source: s.testSource, target: s.testTarget)
    }
}

/// The entropy (nats per token) of the unigram distribution of target sequences as the model
/// predicts them: every token and one end-of-sentence per sequence.
enum UnigramEntropy {
    static func nats(of sequences: [[Int32]]) -> Double {
        var counts: [Int32: Int] = [-1: sequences.count]
        var total = sequences.count
        for s in sequences { for t in s { counts[t, default: 0] += 1 }; total += s.count }
        guard total > 0 else { return 0 }
        // Summed in token order: a dictionary's order differs between processes, and the stored
        // threshold must come out bit-identical every time the study is run again.
        return counts.keys.sorted().reduce(0.0) { h, t in let p = Double(counts[t]!) / Double(total); return h - p * log(p) }
    }
}
