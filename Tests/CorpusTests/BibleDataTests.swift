import Foundation
import Testing
@testable import Corpus

// Checks the generated data/bible (made by `make data`, which `make test` runs first).
@Suite struct BibleDataTests {
    static let directory = Fixtures.packageRoot.appendingPathComponent("data/bible").path

    func lines(_ name: String) throws -> [String] {
        let path = "\(Self.directory)/\(name)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingData(path: path)
        }
        return try TextLines.read(path: path)
    }

    struct MissingData: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is missing: run `make data` (or `nmt data bible`) first" }
    }

    @Test func heldOutBooksAreOnlyInTheirSplits() throws {
        let heldOut = Set(BibleSplit.testBooks + BibleSplit.validBooks)
        func book(_ ref: String) -> String { String(ref[..<ref.lastIndex(of: " ")!]) }
        let train = try lines("train.ref").map(book)
        #expect(!train.contains(where: heldOut.contains))
        #expect(Set(try lines("test.ref").map(book)) == Set(BibleSplit.testBooks))
        #expect(Set(try lines("valid.ref").map(book)) == Set(BibleSplit.validBooks))
    }

    @Test func splitsAreParallelAndOfTheExpectedSize() throws {
        for (split, size) in [("train", 29_536), ("valid", 528), ("test", 1_013)] {
            let ref = try lines("\(split).ref"), es = try lines("\(split).es"), en = try lines("\(split).en")
            #expect(ref.count == size && es.count == size && en.count == size, "\(split)")
            #expect(!es.contains("") && !en.contains(""), "\(split) has an empty line")
        }
        let train = try lines("train.en")
        #expect(train.first == "In the beginning, Godcreated the heavens and the earth.")
    }
}
