import Foundation

/// Where the repository's test inputs are: the one way every test target finds them.
public enum Fixtures {
    /// The package root (the directory holding Package.swift).
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Tests/Fixtures.
    public static let directory = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// A file or folder under Tests/Fixtures, e.g. `Fixtures.url("bleu/expected.json")`.
    public static func url(_ relativePath: String) -> URL { directory.appendingPathComponent(relativePath) }

    /// The contents of a fixture file; a missing one is an error naming it.
    public static func data(_ relativePath: String) throws -> Data {
        let url = url(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw TestSupportError("fixture \(url.path) is missing") }
        return data
    }

    /// The small checked-in parallel corpus (the first 400/40/30 train/valid/test verses of the
    /// built-in Bible corpus, Spanish→English): tests that need real text use it, so only the
    /// tests of the Bible builder need `make data`.
    public static let smallCorpus = url("corpus-small")

    /// The files of the small corpus, by name (train.es, train.en, valid.es, valid.en, test.es, test.en).
    public static let smallCorpusFiles = ["train.es", "train.en", "valid.es", "valid.en", "test.es", "test.en"]
}

/// A failure of the test scaffolding itself (a missing fixture or binary), as one line.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
