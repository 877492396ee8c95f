import Foundation
import TestSupport

/// Files under Tests/Fixtures/corpus (captured by scripts/reference/capture-diatheke-fixtures.sh).
enum CorpusFixtures {
    static let packageRoot = Fixtures.packageRoot

    static func corpus(_ name: String) throws -> String {
        try String(contentsOf: Fixtures.url("corpus/\(name)"), encoding: .utf8)
    }

    static func temporaryDirectory() throws -> String {
        try TemporaryDirectory.untilExit("corpus-tests").path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
