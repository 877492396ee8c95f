import Foundation
import Text

/// `nmt train --learn-vocab N`: a run's own joint BPE, learned from its training files.
public enum RunVocabulary {
    /// Learns the vocabulary next to the database as RUN.bpe and returns its path; refuses to
    /// overwrite another run's.
    public static func learn(size: Int, run: String, database: String, files: [String], console: Console) throws -> String {
        let path = URL(fileURLWithPath: database).deletingLastPathComponent().appendingPathComponent("\(run).bpe").path
        if FileManager.default.fileExists(atPath: path) {
            throw ApplicationError("\(path) exists already (from an earlier run named \(run)?): remove it or choose another --name")
        }
        let (model, summary) = try BPELearner.learn(files: files, options: BPELearnerOptions(vocabSize: size))
        try model.save(path: path)
        console.info("learned \(model.vocabSize) BPE pieces (\(summary.merges) merges) from \(files.joined(separator: " + ")) → \(path)")
        return path
    }
}
