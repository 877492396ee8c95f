import Corpus
import Foundation

/// `nmt data bible`: the built-in corpus written to a directory, and its manifest written or
/// checked.
public enum BibleData {
    /// Builds the corpus from the SWORD modules and writes its files into `directory`.
    public static func build(into directory: String) throws -> (corpus: BibleCorpus, files: [(name: String, contents: String)]) {
        try createDirectory(directory)  // fail before the slow part if the directory cannot be made
        let corpus = try BibleCorpus.build(using: try Diatheke.locate())
        let files = corpus.files()
        for file in files { try write(Data(file.contents.utf8), to: "\(directory)/\(file.name)") }
        return (corpus, files)
    }

    /// (Re)writes the manifest of `files` at `path`.
    public static func writeManifest(of files: [(name: String, contents: String)], to path: String) throws {
        let text = CorpusManifest(files: files).text(comment: """
        nmt data bible: \(BibleCorpus.source.name) → \(BibleCorpus.target.name), split by book.
        FILE LINES SHA256 — checked by `nmt data bible --manifest`; rewrite with --write-manifest.
        """)
        try createDirectory((path as NSString).deletingLastPathComponent)
        try write(Data(text.utf8), to: path)
    }

    /// Checks the files in `directory` against the manifest at `path`; returns how many it lists.
    public static func verify(directory: String, against path: String, files: [(name: String, contents: String)]) throws -> Int {
        let expected = try CorpusManifest.load(path: path)
        try expected.verify(directory: directory, manifestPath: path, expectedFiles: files.map(\.name))
        return expected.entries.count
    }

    static func createDirectory(_ directory: String) throws {
        guard !directory.isEmpty else { return }
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        catch { throw OutputError(path: directory, reason: "cannot create the directory") }
    }

    static func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) }
        catch {
            let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
            throw OutputError(path: path, reason: underlying.map { String(cString: strerror(Int32($0.code))) } ?? error.localizedDescription)
        }
    }
}

/// File-system failures as one line naming the path (Foundation's own errors are multi-line dumps).
public struct OutputError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): cannot write (\(reason))" }
}
