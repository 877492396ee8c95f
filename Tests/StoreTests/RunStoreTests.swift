import Foundation
import Testing
@testable import Store

@Suite struct RunStoreTests {
    @Test func migratesFromEmptyAndReopensWithoutMigratingAgain() throws {
        let path = try StoreFixtures.temporaryPath()
        let store = try RunStore(path: path)
        #expect(try store.schemaVersion() == Migrations.latestVersion)
        #expect(try store.journalMode() == "wal")
        try store.createRun(StoreFixtures.newRun("a"))
        let reopened = try RunStore(path: path)
        #expect(try reopened.schemaVersion() == Migrations.latestVersion)
        #expect(try reopened.listRuns().map(\.name) == ["a"])
    }

    /// New databases get 64 KiB pages (checkpoint blobs); an existing database keeps its own.
    @Test func newDatabasesUseLargePagesAndOldOnesKeepTheirs() throws {
        let path = try StoreFixtures.temporaryPath()
        let store = try RunStore(path: path)
        #expect(try store.database.scalarInt("PRAGMA page_size") == 65536)
        let oldPath = try StoreFixtures.temporaryPath()
        do {
            let old = try Database(path: oldPath, busyTimeoutMilliseconds: 100)
            try old.execute("PRAGMA page_size = 4096")
            try old.execute("CREATE TABLE t (x)")
        }
        let reopened = try RunStore(path: oldPath)
        #expect(try reopened.database.scalarInt("PRAGMA page_size") == 4096)
        #expect(try reopened.schemaVersion() == Migrations.latestVersion)
    }

    @Test func newerSchemaIsRefused() throws {
        let path = try StoreFixtures.temporaryPath()
        _ = try RunStore(path: path)
        try Database(path: path).execute("PRAGMA user_version = 99")
        #expect(StoreFixtures.message { try RunStore(path: path) }
            == "\(path): database schema version 99 is newer than this nmt supports (\(Migrations.latestVersion)); use a newer nmt")
    }

    @Test func runRoundTrip() throws {
        let store = try RunStore(path: ":memory:")
        let run = StoreFixtures.newRun("warmup-4k", optimizer: "adam", learningRate: 7e-4, warmup: 4000)
        let id = try store.createRun(run)
        var record = try store.run(named: "warmup-4k")
        #expect(record == RunRecord(id: id, run: NewRun(name: run.name, configurationJSON: run.configurationJSON,
                                                          corpus: run.corpus.sorted { $0.role < $1.role },
                                                          vocabularySHA256: run.vocabularySHA256, seed: run.seed,
                                                          toolVersion: run.toolVersion, gitCommit: run.gitCommit, blas: run.blas,
                                                          optimizer: "adam", learningRate: 7e-4, warmupSteps: 4000,
                                                          startedAt: run.startedAt),
                                    endedAt: nil, status: .running))
        try store.finishRun("warmup-4k", status: .interrupted, endedAt: Date(timeIntervalSince1970: 1_700_000_500))
        record = try store.run(named: "warmup-4k")
        #expect(record.status == .interrupted)
        #expect(record.endedAt == Date(timeIntervalSince1970: 1_700_000_500))
    }

    @Test func unknownAndDuplicateRunNames() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("a"))
        #expect(StoreFixtures.message { try store.createRun(StoreFixtures.newRun("a")) }
            == "a run named 'a' already exists; choose another --name")
        #expect(StoreFixtures.message { try store.run(named: "nope") } == "no run named 'nope' (see `nmt runs`)")
        #expect(throws: StoreError.unknownRun(name: "nope")) { try store.finishRun("nope", status: .failed) }
        #expect(throws: StoreError.unknownRun(name: "nope")) { try store.metrics(run: "nope") }
        #expect(throws: StoreError.unknownRun(name: "nope")) {
            try store.saveCheckpoint(StoreFixtures.payload(1), run: "nope", update: 1, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 1)
        }
    }

    @Test func metricsAndValidationsRoundTripInUpdateOrder() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        let rows = [
            MetricRow(update: 200, epoch: 1, trainLoss: 5.5, nll: 5.0, learningRate: 5e-4, gradientNorm: 1.25,
                      tokensPerSecond: 12_000, wallSeconds: 20, rho: 7.5, r: 0.25),
            MetricRow(update: 100, epoch: 1, trainLoss: 6.5, nll: 6.0, learningRate: 5e-4, gradientNorm: 2.5,
                      tokensPerSecond: 11_000, wallSeconds: 10),
        ]
        try store.appendMetrics(rows, run: "r")
        #expect(try store.metrics(run: "r") == [rows[1], rows[0]])
        // A resumed run logging the same update again replaces the row.
        var again = rows[0]
        again.trainLoss = 5.4
        try store.appendMetrics([again], run: "r")
        #expect(try store.metrics(run: "r") == [rows[1], again])

        let validations = [ValidationRow(update: 1000, epoch: 2, validLoss: 3.5, nll: 3.25, perplexity: 25.8, bleu: 12.5),
                           ValidationRow(update: 500, epoch: 1, validLoss: 4.5, nll: 4.25, perplexity: 70.1)]
        for row in validations { try store.appendValidation(row, run: "r") }
        #expect(try store.validations(run: "r") == [validations[1], validations[0]])
    }

    @Test func listRunsSummarizesEachRun() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("adam", optimizer: "adam", learningRate: 7e-4, warmup: 4000, startedAt: 1))
        try store.createRun(StoreFixtures.newRun("radam", startedAt: 2))
        try store.appendMetrics([MetricRow(update: 100, epoch: 1, trainLoss: 1, nll: 1, learningRate: 1, gradientNorm: 1, tokensPerSecond: 1, wallSeconds: 1),
                                 MetricRow(update: 300, epoch: 1, trainLoss: 1, nll: 1, learningRate: 1, gradientNorm: 1, tokensPerSecond: 1, wallSeconds: 1)], run: "adam")
        try store.appendValidation(ValidationRow(update: 100, epoch: 1, validLoss: 4, nll: 4, perplexity: 54, bleu: 3), run: "adam")
        try store.appendValidation(ValidationRow(update: 300, epoch: 1, validLoss: 3, nll: 3, perplexity: 20, bleu: 2), run: "adam")
        try store.finishRun("adam", status: .finished)
        #expect(try store.listRuns() == [
            RunSummary(name: "adam", optimizer: "adam", learningRate: 7e-4, warmupSteps: 4000, updates: 300,
                       bestValidLoss: 3, bestBLEU: 3, status: .finished),
            RunSummary(name: "radam", optimizer: "radam", learningRate: 5e-4, warmupSteps: 0, updates: nil,
                       bestValidLoss: nil, bestBLEU: nil, status: .running),
        ])
    }

    @Test func evaluationsRoundTrip() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        let checkpoint = try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 10, epoch: 1, validLoss: 2, kind: .periodic, keepLast: 2)
        let evaluation = EvaluationRecord(checkpointID: checkpoint, checkpointUpdate: 10, split: "test",
                                          decodingJSON: #"{"beam":5,"alpha":0.6}"#, bleu: 21.5, chrF: 48.25,
                                          signature: "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.0",
                                          hypothesisSHA256: String(repeating: "d", count: 64),
                                          createdAt: Date(timeIntervalSince1970: 1_700_001_000))
        try store.recordEvaluation(evaluation, run: "r")
        #expect(try store.evaluations(run: "r") == [evaluation])
    }

    /// Migrations are one transaction: one that fails (here the last, its table already there)
    /// leaves the database at the version it had, not half-way, with one line that says so.
    @Test func failedMigrationLeavesTheDatabaseAsItWas() throws {
        let path = try StoreFixtures.temporaryPath()
        try Database(path: path).execute("CREATE TABLE gradient_noise (x)")
        #expect(StoreFixtures.message { try RunStore(path: path) }
            == "\(path): cannot bring the database from schema version 0 to \(Migrations.latestVersion) (table gradient_noise already exists); "
            + "it is left as it was. Is it an nmt run database?")
        let after = try Database(path: path)
        #expect(try after.scalarInt("PRAGMA user_version") == 0)
        #expect(try after.scalarInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'runs'") == 0)
    }

    /// Several processes creating one new database at once all get it, migrated once: each
    /// takes the write lock in turn and finds the schema there. (Connections on threads: SQLite
    /// locks them against each other as it does processes.)
    @Test func concurrentCreationOfOneDatabaseSucceedsEverywhere() throws {
        for _ in 0..<4 {
            let path = try StoreFixtures.temporaryPath()
            let start = DispatchSemaphore(value: 0), done = DispatchGroup()
            let failures = LockedList()
            for _ in 0..<6 {
                done.enter()
                Thread.detachNewThread {
                    start.wait()
                    do { _ = try RunStore(path: path, busyTimeoutMilliseconds: 60_000) } catch { failures.append("\(error)") }
                    done.leave()
                }
            }
            for _ in 0..<6 { start.signal() }
            done.wait()
            #expect(failures.items.isEmpty, "\(failures.items)")
            #expect(try RunStore(path: path).schemaVersion() == Migrations.latestVersion)
        }
    }

    @Test func walIsOnForAFileDatabase() throws {
        let path = try StoreFixtures.temporaryPath()
        let store = try RunStore(path: path)
        #expect(try store.journalMode() == "wal")
        try store.createRun(StoreFixtures.newRun("r"))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func lockedDatabaseIsAClearError() throws {
        let path = try StoreFixtures.temporaryPath()
        let holder = try RunStore(path: path)
        let waiter = try RunStore(path: path, busyTimeoutMilliseconds: 50)
        try holder.database.execute("BEGIN IMMEDIATE")
        defer { try? holder.database.execute("ROLLBACK") }
        #expect(StoreFixtures.message { try waiter.createRun(StoreFixtures.newRun("r")) }
            == "\(path): database is locked by another process (waited 50 ms); is another nmt writing to it?")
        // Readers are not blocked by the writer in WAL mode.
        #expect(try waiter.listRuns().isEmpty)
    }

    @Test func fileThatIsNotADatabaseIsAClearError() throws {
        let path = try StoreFixtures.temporaryPath()
        try Data(String(repeating: "this is a text file, not SQLite\n", count: 64).utf8).write(to: URL(fileURLWithPath: path))
        let message = StoreFixtures.message { try RunStore(path: path) }
        #expect(message == "\(path): not an nmt run database (file is not a database)")
    }
}

/// Strings appended from several threads.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ s: String) { lock.lock(); list.append(s); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
