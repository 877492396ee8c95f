import Decoding
import Foundation
import Store
import Text
import Training

/// `nmt shortlist learn`: a run's lexical shortlist, learned from the run's own training pairs
/// (encoded with its vocabulary, through the same cache as training) and stored with the run;
/// `--shortlist` on translate and eval loads it.
public enum Shortlists {
    public struct Learned {
        public var shortlist: LexicalShortlist
        public var pairs: Int
        public var seconds: Double
        /// Mean and largest number of candidates per source token.
        public var meanCandidates: Double
        public var maxCandidates: Int
    }

    public static func learn(database: String, run name: String, settings: LexicalShortlist.Settings, console: Console) throws -> Learned {
        let store = try RunDatabase.openExisting(database)
        let record = try store.run(named: name)
        let config = try RunConfiguration.decode(json: record.run.configurationJSON)
        let vocabulary = try BPEModel.load(path: config.data.vocabulary)
        guard vocabulary.hash == record.run.vocabularySHA256 else {
            throw ApplicationError("\(config.data.vocabulary) has hash \(vocabulary.hash.prefix(12))…, but run \(name) was trained with \(record.run.vocabularySHA256.prefix(12))…")
        }
        let started = Date()
        let corpus = try CorpusFiles(config.data, vocabulary: vocabulary, database: database, console: console)
        try corpus.checkUnchanged(since: record.run.corpus, run: name)
        let pairs = corpus.train.pairs.map { (source: $0.source, target: $0.target) }
        let shortlist = try LexicalShortlist.learn(pairs: pairs, vocabularySize: vocabulary.vocabSize, settings: settings)
        let settingsJSON = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        try store.saveShortlist(run: name, settingsJSON: settingsJSON, data: shortlist.serialized())
        let sizes = shortlist.candidatesOf.map(\.count).filter { $0 > 0 }
        return Learned(shortlist: shortlist, pairs: pairs.count, seconds: Date().timeIntervalSince(started),
                       meanCandidates: sizes.isEmpty ? 0 : Double(sizes.reduce(0, +)) / Double(sizes.count), maxCandidates: sizes.max() ?? 0)
    }

    /// The stored shortlist of run `name`; a one-line error when none was learned.
    public static func load(store: RunStore, run name: String, database: String) throws -> LexicalShortlist {
        guard let stored = try store.shortlist(run: name) else {
            throw ApplicationError("run \(name) has no shortlist in \(database): learn one with `nmt shortlist learn \(name) --db \(database)`")
        }
        let settings = try JSONDecoder().decode(LexicalShortlist.Settings.self, from: Data(stored.settingsJSON.utf8))
        return try LexicalShortlist(serialized: stored.data, settings: settings)
    }
}
