import Foundation
import Hashing

/// A file a database names by the path it was given (often relative to where the command ran),
/// found again from anywhere: as stored, then relative to the database's directory and each of
/// its ancestors (a database in out/study/ of a repository finds data/bible/… two levels up).
/// When the stored file's SHA-256 is known, only a file with that hash is taken, so a fallback
/// can never pick another file of the same name. Nothing found is one error naming the file,
/// where it was looked for, and the flag that gives it.
public enum StoredPath {
    public static func resolve(_ stored: String, database: String, sha256: String? = nil, what: String, flag: String,
                               hash: (String) throws -> String = fileSHA256) throws -> String {
        let candidates = self.candidates(stored, database: database)
        var mismatched: [String] = []
        for path in candidates where FileManager.default.isReadableFile(atPath: path) {
            guard let sha256 else { return path }
            if try hash(path) == sha256 { return path }
            mismatched.append(path)
        }
        if let first = mismatched.first {
            throw ApplicationError("\(first): not the \(what) this database recorded (SHA-256 differs from \(sha256!.prefix(12))…); give \(flag) PATH")
        }
        let looked = candidates.count > 1 ? " (looked in the current directory and above \((database as NSString).deletingLastPathComponent.isEmpty ? "." : (database as NSString).deletingLastPathComponent))" : ""
        throw ApplicationError("\(stored): the \(what) is not there\(looked); give \(flag) PATH")
    }

    /// Where a stored path may be: as given, then (for a relative one) under the database's
    /// directory and its ancestors, nearest first.
    static func candidates(_ stored: String, database: String) -> [String] {
        guard !stored.hasPrefix("/") else { return [stored] }
        var out = [stored]
        var directory = URL(fileURLWithPath: database).standardizedFileURL.deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent(stored).path
            if !out.contains(candidate) { out.append(candidate) }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return out
    }

    /// SHA-256 of a file's bytes, hex.
    public static func fileSHA256(_ path: String) throws -> String { try CorpusFiles.fileSHA256(path) }
}
