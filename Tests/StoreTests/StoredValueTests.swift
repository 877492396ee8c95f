import Foundation
@testable import Store
import Testing
import TestSupport

/// Stored enumerations are checked, never defaulted: the schema refuses unknown checkpoint
/// kinds, and a value this version does not know (a newer nmt's, or a hand edit) is an error
/// naming the run.
@Suite struct StoredValueTests {
    @Test func everyCheckpointKindRoundTrips() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        for (i, kind) in CheckpointKind.allCases.enumerated() {
            try store.saveCheckpoint(StoreFixtures.payload(Float(i)), run: "r", update: i + 1, epoch: 1, validLoss: nil, kind: kind, keepLast: 10)
        }
        #expect(try store.checkpoints(run: "r").map(\.kind) == CheckpointKind.allCases)
    }

    @Test func theSchemaRefusesAnUnknownCheckpointKind() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 1, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 1)
        #expect(throws: StoreError.self) { try store.database.execute("UPDATE checkpoints SET kind = 'someday'") }
        #expect(try store.checkpoints(run: "r").map(\.kind) == [.periodic])
    }

    @Test func anUnknownRunStatusIsAnErrorNamingTheRun() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        // runs.status has had its CHECK since schema 1; a newer nmt may add a status, so drop
        // the check the way such a database would look to this version.
        try store.database.execute("PRAGMA ignore_check_constraints = ON; UPDATE runs SET status = 'paused'")
        let message = StoreFixtures.message { try store.run(named: "r") }
        #expect(message.contains("run 'r'") && message.contains("status 'paused'"), "\(message)")
        #expect(StoreFixtures.message { try store.listRuns() }.contains("status 'paused'"))
    }

    @Test func anUnknownCheckpointKindIsAnErrorNamingTheRun() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 1, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 1)
        try store.database.execute("PRAGMA ignore_check_constraints = ON; UPDATE checkpoints SET kind = 'someday'")
        let message = StoreFixtures.message { try store.checkpoints(run: "r") }
        #expect(message.contains("run 'r'") && message.contains("checkpoint kind 'someday'"), "\(message)")
        #expect(StoreFixtures.message { try store.loadCheckpoint(run: "r", .last) }.contains("'someday'"))
    }

    /// Migration 4 rebuilds the checkpoints table: ids, blobs and the evaluations that point at
    /// them survive, and the kind constraint holds afterwards.
    @Test func migrationFourKeepsCheckpointsAndTheirEvaluations() throws {
        let scratch = try TemporaryDirectory("store-migration-4")
        let path = scratch.path("runs.sqlite")
        do {
            // A schema-3 database, written through the migrations as they were.
            let db = try Database(path: path)
            for version in 0..<3 { try db.execute(Migrations.all[version]) }
            try db.execute("PRAGMA user_version = 3")
            try db.execute("""
                INSERT INTO runs VALUES (1, 'r', '{}', 'c', 1, '0.1.0', 'abc', 'blas', 'adam', 0.001, 0, 1.0, NULL, 'finished');
                INSERT INTO checkpoints VALUES (7, 1, 10, 1, 2.0, 3.5, 'final', x'0000803f', 'h1', x'01', 'h2', x'02', 'h3');
                INSERT INTO evaluations VALUES (1, 1, 7, 10, 'test', '{}', 12.5, 40.0, 'sig', 'hyp', 3.0);
                """)
        }
        let store = try RunStore(path: path)
        #expect(try store.schemaVersion() == Migrations.latestVersion)
        #expect(try store.checkpoints(run: "r").map(\.id) == [7])
        #expect(try store.checkpoints(run: "r").map(\.kind) == [.final])
        #expect(try store.evaluations(run: "r").map(\.checkpointID) == [7])
        #expect(throws: StoreError.self) { try store.database.execute("UPDATE checkpoints SET kind = 'someday'") }
        #expect(try store.database.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'checkpoints_by_run'") == 1)
    }
}
