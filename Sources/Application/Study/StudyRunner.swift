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
        /// nil: the study's stored plan (it must exist).
        public var settings: StudySettings?
        /// nil: the unigram entropy of the training targets (see `StudySettings.lossThreshold`).
        public var lossThreshold: Double?
        public var extend: Bool
        public var jobs: Int
        /// Run only this shard's cells.
        public var shard: StudyShard?
        /// The command line, kept with the study for the report.
        public var command: String

        public init(name: String, database: String, settings: StudySettings?, lossThreshold: Double?, extend: Bool, jobs: Int,
                    shard: StudyShard? = nil, command: String) {
            self.name = name; self.database = database; self.settings = settings; self.lossThreshold = lossThreshold
            self.extend = extend; self.jobs = jobs; self.shard = shard; self.command = command
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

    /// `nmt study plan`: the study's settings and design stored before any run, so that every
    /// later `run` (and every shard) trains exactly what was planned. Planning the same study
    /// again with the same settings changes nothing; other settings are refused.
    public static func plan(_ request: Request, console: Console) throws -> (settings: StudySettings, created: Bool) {
        try checkName(request.name)
        guard var settings = request.settings else { throw ApplicationError("nmt study plan needs the study's settings") }
        settings = try prepare(settings, lossThreshold: request.lossThreshold, database: request.database, console: console)
        let store = try RunStore(path: request.database)
        let lock = try DatabaseLock.study(request.name, database: request.database)
        defer { withExtendedLifetime(lock) {} }
        if let stored = try store.study(named: request.name) {
            let old = try StudySettings.decode(stored.settingsJSON, study: request.name)
            if try settings.reconcile(with: old, study: request.name, extend: false) == nil { return (old, false) }
        }
        try store.createStudy(name: request.name, settingsJSON: try settings.json(), command: request.command)
        return (settings, true)
    }

    public static func run(_ request: Request, console: Console) throws -> Outcome {
        let started = Date()
        try checkName(request.name)
        if request.jobs < 1 { throw ApplicationError("--jobs must be at least 1, got \(request.jobs)") }
        // Everything is checked before the database is touched: bad input writes nothing.
        var settings: StudySettings
        if let given = request.settings {
            settings = try prepare(given, lossThreshold: request.lossThreshold, database: request.database, console: console)
        } else {
            guard FileManager.default.fileExists(atPath: request.database) else {
                throw ApplicationError("\(request.database): no such database; plan the study first (nmt study plan \(request.name)) or give its settings")
            }
            let existing = try RunStore(path: request.database)
            guard let stored = try existing.study(named: request.name) else {
                throw ApplicationError("no study named '\(request.name)' in \(request.database); plan it first (nmt study plan \(request.name)) or give its settings")
            }
            // The plan's files are found from anywhere (relative to the database too).
            settings = try StudySettings.decode(stored.settingsJSON, study: request.name).resolvingPaths(database: request.database)
            try checkReadable(settings)
        }
        let store = try RunStore(path: request.database)
        let lock = try DatabaseLock.study(request.name, database: request.database)
        defer { withExtendedLifetime(lock) {} }
        let studyID: Int64
        if let stored = try store.study(named: request.name) {
            let old = try StudySettings.decode(stored.settingsJSON, study: request.name)
            if request.settings == nil {
                settings = try old.resolvingPaths(database: request.database)
                try store.appendStudyCommands(name: request.name, [request.command])
            } else if let grown = try settings.reconcile(with: old, study: request.name, extend: request.extend) {
                try store.extendStudy(name: request.name, settingsJSON: try grown.json(), command: request.command)
                console.info("study \(request.name): extended to \(grown.arms.count) arms × \(grown.lrs.count) lrs × \(grown.seeds.count) seeds")
                settings = grown
            } else {
                settings = old
                try store.appendStudyCommands(name: request.name, [request.command])
            }
            studyID = stored.id
        } else {
            studyID = try store.createStudy(name: request.name, settingsJSON: try settings.json(), command: request.command)
        }

        let cells = request.shard.map { $0.cells(of: settings) } ?? settings.cells
        let runs = Dictionary(try store.studyRuns(study: request.name).map { ($0.run, $0) }, uniquingKeysWith: { a, _ in a })
        let work = StudyWork(study: request.name, studyID: studyID, database: request.database, settings: settings, cells: cells,
                             stored: runs, console: console)
        console.info("study \(request.name): \(cells.count) runs" + (request.shard.map { " (shard \($0))" } ?? "")
            + " of \(settings.cells.count) (\(settings.arms.count) arms × \(settings.lrs.count) lrs × \(settings.seeds.count) seeds), "
            + "\(settings.maxUpdate) updates each, \(request.jobs) at a time with \(settings.threadsPerRun) thread\(settings.threadsPerRun == 1 ? "" : "s") each")
        StopSignals.install()
        Parallel.setThreadCap(settings.threadsPerRun)
        try work.run(jobs: request.jobs)
        // A finished study's runs keep no checkpoints: give the file back its free pages.
        if !Trainer.stopRequested && !settings.keepCheckpoints { try store.vacuum() }
        return Outcome(settings: settings, cells: cells.count, trained: work.trained, evaluated: work.evaluations, diverged: work.diverged,
                       interrupted: Trainer.stopRequested, seconds: Date().timeIntervalSince(started))
    }

    static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }) else {
            throw ApplicationError("study name '\(name)' must be letters, digits, '-' or '_'")
        }
    }

    /// Validates new settings against the files they name and sets the loss threshold.
    static func prepare(_ given: StudySettings, lossThreshold: Double?, database: String, console: Console) throws -> StudySettings {
        var settings = given
        try settings.validate()
        try checkReadable(settings)
        let vocabulary = try BPEModel.load(path: settings.data.vocabulary)
        guard vocabulary.vocabSize == settings.model.vocabularySize else {
            throw ApplicationError("\(settings.data.vocabulary) has \(vocabulary.vocabSize) pieces but the model was sized for \(settings.model.vocabularySize)")
        }
        let corpora = try CorpusFiles(settings.data, vocabulary: vocabulary, database: database, console: console)
        settings.lossThreshold = lossThreshold ?? UnigramEntropy.nats(of: corpora.train.pairs.map(\.target))
        return settings
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

/// `--shard I/N`: the I-th of N interleaved parts of a study's cells. Cell k (0-based, in the
/// order `StudySettings.cells` lists them: seed by seed, lr by lr, arm by arm) belongs to shard
/// (k mod N) + 1, so each shard gets a share of every seed, lr and arm, and the assignment
/// depends only on the plan.
public struct StudyShard: Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ApplicationError("--shard must look like I/N (e.g. 2/4), got '\(text)'")
        }
        guard n >= 1, i >= 1, i <= n else {
            throw ApplicationError("--shard \(text): I must be between 1 and N, and N at least 1")
        }
        index = i
        count = n
    }

    public var description: String { "\(index)/\(count)" }

    public func cells(of settings: StudySettings) -> [StudyCell] {
        settings.cells.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
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
