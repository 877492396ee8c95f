import Foundation
import Testing
import TestSupport
@testable import Application

/// Claims on a database: one holder per claim (within one process too), independent claims,
/// every spelling of the database one lock, and a released claim free again.
struct DatabaseLockTests {
    @Test func oneHolderPerClaimWhateverTheSpelling() throws {
        let dir = try TemporaryDirectory("database-lock")
        let db = dir.path("runs.sqlite")
        FileManager.default.createFile(atPath: db, contents: Data())
        try FileManager.default.createSymbolicLink(atPath: dir.path("link.sqlite"), withDestinationPath: db)
        var first: DatabaseLock? = try #require(try DatabaseLock(database: db, claim: "run:a"))
        #expect(try DatabaseLock(database: db, claim: "run:a") == nil)
        #expect(try DatabaseLock(database: dir.path("link.sqlite"), claim: "run:a") == nil, "a symlink is the same database")
        #expect(try DatabaseLock(database: dir.path("./runs.sqlite"), claim: "run:a") == nil)
        let other = try DatabaseLock(database: db, claim: "run:b")
        #expect(other != nil, "another claim is independent")
        #expect(first?.path == db + ".lock")
        first = nil
        #expect(try DatabaseLock(database: db, claim: "run:a") != nil, "released with its holder")
        // The study's and the run's messages name what is held.
        let study = try DatabaseLock.study("s", database: db)
        #expect(throws: ApplicationError.self) { try DatabaseLock.study("s", database: dir.path("link.sqlite")) }
        withExtendedLifetime(study) {}
    }

    @Test func claimsSpreadOverTheFile() {
        let offsets = Set(["run:a", "run:b", "study:a", "run:" + String(repeating: "x", count: 200)].map(DatabaseLock.offset(of:)))
        #expect(offsets.count == 4)
        #expect(offsets.allSatisfy { $0 < 1 << 62 })
    }
}
