import Foundation
import Testing
@testable import Corpus

// Checks the generated data/bible (made by `make data`, which `make test` runs first).
@Suite struct BibleDataTests {
    static let directory = CorpusFixtures.packageRoot.appendingPathComponent("data/bible").path

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
        for (split, size) in [("train", 29_345), ("valid", 528), ("test", 1_003)] {
            let ref = try lines("\(split).ref"), es = try lines("\(split).es"), en = try lines("\(split).en")
            #expect(ref.count == size && es.count == size && en.count == size, "\(split)")
            #expect(!es.contains("") && !en.contains(""), "\(split) has an empty line")
        }
        let train = try lines("train.en")
        #expect(train.first == "In the beginning, Godcreated the heavens and the earth.")
    }

    /// dropped.tsv rows after the header: reference → reason.
    func droppedReasons() throws -> [String: String] {
        var reasons: [String: String] = [:]
        for row in try lines("dropped.tsv").dropFirst() {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            #expect(fields.count == 3, "dropped.tsv row: \(row)")
            reasons[String(fields[0])] = String(fields[1])
        }
        return reasons
    }

    @Test func knownShiftedVersesAreDroppedAsMisaligned() throws {
        let kept = Set(try ["train", "valid", "test"].flatMap { try lines("\($0).ref") })
        let reasons = try droppedReasons()
        // Spanish Jonah 2:1 is English Jonah 1:17, and the chapter stays one behind up to 2:10,
        // which holds English 2:9 and 2:10; Spanish Numbers 13:1 is English 12:16; Spanish Job
        // 39:30 runs on into English 40:5.
        let known = (1...10).map { "Jonah 2:\($0)" } + ["Numbers 13:1", "Job 39:30"]
        for ref in known {
            #expect(!kept.contains(ref), "\(ref) kept")
            #expect(["shifted", "merged", "unsupported"].contains(reasons[ref] ?? ""), "\(ref): \(reasons[ref] ?? "not in dropped.tsv")")
        }
        #expect(reasons["Jonah 1:17"] == "empty")
    }

    @Test func ordinaryChaptersAreFullyKept() throws {
        let kept = Set(try ["train", "valid", "test"].flatMap { try lines("\($0).ref") })
        for (chapter, verses) in [("Genesis 1", 31), ("John 3", 36), ("Psalms 23", 6), ("Ruth 1", 22)] {
            for verse in 1...verses { #expect(kept.contains("\(chapter):\(verse)"), "\(chapter):\(verse) dropped") }
        }
    }

    @Test func everyDroppedVerseHasAKnownReasonAndIsNotKept() throws {
        let kept = Set(try ["train", "valid", "test"].flatMap { try lines("\($0).ref") })
        let reasons = try droppedReasons()
        let known = Set(DroppedVerse.Reason.allCases.map(\.rawValue))
        #expect(reasons.values.allSatisfy(known.contains))
        #expect(kept.isDisjoint(with: reasons.keys))
        let misaligned = reasons.values.filter { ["shifted", "merged", "unsupported"].contains($0) }.count
        #expect(misaligned > 100 && misaligned < 400, "\(misaligned) misaligned: a big change in the detector or the modules")
    }
}
