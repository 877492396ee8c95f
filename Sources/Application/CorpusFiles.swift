import Corpus
import Foundation
import Hashing
import Store
import Text
import Training

/// A run's train and valid sets, read, hashed (SHA-256 of each file, stored with the run so a
/// resume can tell a changed corpus) and encoded with the run's vocabulary, through the
/// encoded-corpus cache next to the database.
struct CorpusFiles {
    let train: EncodedCorpus
    let valid: EncodedCorpus
    let files: [CorpusFile]

    init(_ data: RunConfiguration.DataFiles, vocabulary: BPEModel, database: String, console: Console) throws {
        let trainText = try ParallelCorpus.read(source: data.trainSource, target: data.trainTarget)
        let validText = try ParallelCorpus.read(source: data.validSource, target: data.validTarget)
        let paths = [data.trainSource, data.trainTarget, data.validSource, data.validTarget]
        let hashes = try paths.map(Self.fileSHA256)
        let cache = URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent(".nmt-cache").path
        train = EncodedCorpus.load(source: trainText.source, target: trainText.target, sourceSHA256: hashes[0], targetSHA256: hashes[1],
                                   model: vocabulary, cacheDirectory: cache)
        valid = EncodedCorpus.load(source: validText.source, target: validText.target, sourceSHA256: hashes[2], targetSHA256: hashes[3],
                                   model: vocabulary, cacheDirectory: cache)
        files = zip(["train.source", "train.target", "valid.source", "valid.target"], zip(paths, hashes)).map {
            CorpusFile(role: $0.0, path: $0.1.0, sha256: $0.1.1)
        }
        let unknown = train.unknownCharacters + valid.unknownCharacters
        if unknown > 0 { console.info("warning: \(unknown) characters unknown to \(data.vocabulary) were encoded as <unk>") }
    }

    /// Refuses a corpus file that changed since the run stored its hash.
    func checkUnchanged(since stored: [CorpusFile], run name: String) throws {
        for file in files {
            if let old = stored.first(where: { $0.role == file.role }), old.sha256 != file.sha256 {
                throw ApplicationError("\(file.path) changed since run '\(name)' started (SHA-256 \(file.sha256.prefix(12))…, stored \(old.sha256.prefix(12))…)")
            }
        }
    }

    func report(trainer: Trainer, console: Console) {
        let t = trainer.trainBatches, v = trainer.validBatches
        console.info("train: \(train.pairs.count) pairs in \(t.batches.count) batches of ≤ \(t.maxTokens) tokens; "
            + "skipped \(t.skippedTooLong) over-long and \(t.skippedEmpty) empty pairs. valid: \(valid.pairs.count) pairs "
            + "(skipped \(v.skippedTooLong) over-long, \(v.skippedEmpty) empty)")
    }

    static func fileSHA256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ApplicationError("cannot read \(path)") }
        defer { try? handle.close() }
        var hash = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { hash.update($0) }
        }
        return hash.hexDigest()
    }
}
