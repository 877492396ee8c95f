// A manifest pins a generated corpus: for each file its line count and SHA-256. Text format, one
// file per line, sorted by name, so diffs are readable:
//   # comment
//   train.en 29536 3f5a…
import Foundation
import Hashing

public struct CorpusManifest: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public let file: String
        public let lines: Int
        public let sha256: String
    }

    public let entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.file < $1.file }
    }

    /// The manifest of in-memory file contents.
    public init(files: [(name: String, contents: String)]) {
        self.init(entries: files.map { Entry(file: $0.name, lines: Self.lineCount($0.contents), sha256: SHA256.hexDigest(of: $0.contents)) })
    }

    public func text(comment: String) -> String {
        var out = comment.split(separator: "\n").map { "# \($0)\n" }.joined()
        for entry in entries { out += "\(entry.file) \(entry.lines) \(entry.sha256)\n" }
        return out
    }

    public static func parse(_ text: String, path: String) throws -> CorpusManifest {
        var entries: [Entry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ")
            guard fields.count == 3, let lines = Int(fields[1]), fields[2].count == 64 else {
                throw ManifestError.malformed(path: path, line: index + 1)
            }
            entries.append(Entry(file: String(fields[0]), lines: lines, sha256: String(fields[2])))
        }
        guard !entries.isEmpty else { throw ManifestError.malformed(path: path, line: 1) }
        return CorpusManifest(entries: entries)
    }

    public static func load(path: String) throws -> CorpusManifest {
        guard let data = FileManager.default.contents(atPath: path) else { throw ManifestError.missing(path: path) }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Checks every file listed here in `directory`, and that `directory`'s expected file set
    /// (`files`) is exactly the listed one. Throws on the first difference, naming the file.
    public func verify(directory: String, manifestPath: String, expectedFiles: [String]) throws {
        let listed = Set(entries.map(\.file))
        for name in expectedFiles.sorted() where !listed.contains(name) {
            throw ManifestError.notListed(file: "\(directory)/\(name)", manifest: manifestPath)
        }
        for entry in entries {
            let path = "\(directory)/\(entry.file)"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ManifestError.fileMissing(file: path, manifest: manifestPath)
            }
            let lines = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let digest = data.withUnsafeBytes { SHA256.hexDigest(of: $0) }
            if lines != entry.lines || digest != entry.sha256 {
                throw ManifestError.mismatch(file: path, manifest: manifestPath,
                                             expected: (entry.lines, entry.sha256), actual: (lines, digest))
            }
        }
    }

    static func lineCount(_ text: String) -> Int {
        text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

public enum ManifestError: Error, CustomStringConvertible {
    case missing(path: String)
    case malformed(path: String, line: Int)
    case notListed(file: String, manifest: String)
    case fileMissing(file: String, manifest: String)
    case mismatch(file: String, manifest: String, expected: (lines: Int, sha256: String), actual: (lines: Int, sha256: String))

    public var description: String {
        switch self {
        case .missing(let path):
            return "\(path): manifest not found (create it with --write-manifest)"
        case .malformed(let path, let line):
            return "\(path):\(line): malformed manifest line (expected 'FILE LINES SHA256')"
        case .notListed(let file, let manifest):
            return "\(file): not listed in the manifest \(manifest)"
        case .fileMissing(let file, let manifest):
            return "\(file): listed in the manifest \(manifest) but missing"
        case .mismatch(let file, let manifest, let expected, let actual):
            return "\(file): does not match the manifest \(manifest): \(actual.lines) lines, sha256 \(actual.sha256); expected \(expected.lines) lines, sha256 \(expected.sha256)"
        }
    }
}
