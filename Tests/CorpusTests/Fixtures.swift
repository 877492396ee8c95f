import Foundation

/// Files under Tests/Fixtures/corpus (captured by scripts/reference/capture-diatheke-fixtures.sh).
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func corpus(_ name: String) throws -> String {
        let url = packageRoot.appendingPathComponent("Tests/Fixtures/corpus/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "nmt-corpus-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
