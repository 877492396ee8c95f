// The run database of a workspace: one SQLite file in WAL mode holding runs, their metrics,
// validations, checkpoints and evaluations. Methods are named for what the caller means.
import CSQLite
import Foundation
import Hashing

public final class RunStore: @unchecked Sendable {
    public let database: Database

    /// Opens or creates the database at `path` (":memory:" for tests) and migrates it.
    /// `readOnly`: a database that cannot be written (a read-only file, directory or mount, an
    /// archive): nothing is set or migrated, and one at an older schema is refused with one line.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5_000, readOnly: Bool = false) throws {
        database = try Database(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, readOnly: readOnly)
        if readOnly {
            let version = Int32(try database.scalarInt("PRAGMA user_version") ?? 0)
            if version > Migrations.latestVersion { throw StoreError.schemaTooNew(path: path, found: version, supported: Migrations.latestVersion) }
            if version < Migrations.latestVersion { throw StoreError.readOnlyOldSchema(path: path, found: version, current: Migrations.latestVersion) }
            try database.execute("PRAGMA foreign_keys = ON")
            return
        }
        // A new database gets 64 KiB pages: a checkpoint is tens of megabytes of blobs, and with
        // 4 KiB pages SQLite chains ~16× more overflow pages per blob. page_size only takes effect
        // before the first table exists (and before WAL), so existing databases keep theirs.
        if try database.scalarInt("PRAGMA page_count") == 0 { try database.execute("PRAGMA page_size = 65536") }
        // WAL: readers (`nmt runs` during training) never block the writer. The first statement
        // is also where a file that is not a database is detected. Switching a new database to
        // WAL needs the file to itself for a moment, and SQLite answers "busy" at once instead
        // of waiting (its busy handler is not consulted): another process creating the same
        // database at the same instant is waited for here, up to the busy timeout.
        let deadline = Date().addingTimeInterval(Double(busyTimeoutMilliseconds) / 1000)
        while true {
            do {
                _ = try database.scalarText("PRAGMA journal_mode = WAL")
                break
            } catch StoreError.busy where Date() < deadline {
                usleep(10_000)
            }
        }
        try database.execute("PRAGMA synchronous = NORMAL")
        // Reads map the file instead of copying each page through read(): loading a checkpoint
        // of ~90 MB took 0.16 s with read() and 0.11 s mapped (scripts/bench/25-store-checkpoint.sh).
        try database.execute("PRAGMA mmap_size = 4294967296")
        // Migrations run with foreign keys off: a migration that rebuilds a table (SQLite's way
        // to change a constraint) must not cascade its DROP into the tables that refer to it.
        try database.execute("PRAGMA foreign_keys = OFF")
        try Migrations.migrate(database)
        try database.execute("PRAGMA foreign_keys = ON")
    }

    deinit { walCheckpointer?.stop() }

    /// The background WAL copier (`copyWALInBackground`), if this store has one.
    private var walCheckpointer: WALCheckpointer?

    /// For the writer of a training run: the WAL is copied into the database file by a thread
    /// of its own after each checkpoint instead of inside the commits (see WALCheckpointer),
    /// so a save costs the write of its blobs into the WAL and not also their copy and fsync.
    public func copyWALInBackground() throws {
        guard walCheckpointer == nil, database.path != ":memory:", try journalMode() == "wal" else { return }
        try database.execute("PRAGMA wal_autocheckpoint = 0")
        walCheckpointer = try WALCheckpointer(path: database.path)
    }

    /// Asks the background copier for a checkpoint of the WAL (no-op without one).
    func requestWALCopy() { walCheckpointer?.request() }

    /// Waits for the background copier's pending work.
    public func waitForWALCopy() { walCheckpointer?.drain() }

    /// Copies the WAL into the database file and empties it: the file alone then holds every
    /// write (a copy of it, an archive, a read-only mount sees them all).
    public func checkpointWAL() throws {
        waitForWALCopy()
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    public func schemaVersion() throws -> Int32 { Int32(try database.scalarInt("PRAGMA user_version") ?? 0) }
    public func journalMode() throws -> String { try database.scalarText("PRAGMA journal_mode") ?? "" }

    // MARK: Runs

    @discardableResult
    public func createRun(_ run: NewRun, study: StudyMembership? = nil) throws -> Int64 {
        try database.transaction {
            if try runID(named: run.name) != nil { throw StoreError.duplicateRun(name: run.name) }
            let insert = try database.prepare("""
                INSERT INTO runs (name, config_json, vocabulary_sha256, seed, tool_version, git_commit, blas,
                                  optimizer, learning_rate, warmup_steps, started_at, status)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'running')
                """)
            try insert.bind(.text(run.name), .text(run.configurationJSON), .text(run.vocabularySHA256),
                            .int(Int64(bitPattern: run.seed)), .text(run.toolVersion), .text(run.gitCommit),
                            .text(run.blas), .text(run.optimizer), .double(run.learningRate),
                            .int(Int64(run.warmupSteps)), .double(run.startedAt.timeIntervalSince1970))
            try insert.run()
            let id = database.lastInsertRowID
            let file = try database.prepare("INSERT INTO run_corpus_files (run_id, role, path, sha256) VALUES (?1, ?2, ?3, ?4)")
            for corpusFile in run.corpus {
                file.reset()
                try file.bind(.int(id), .text(corpusFile.role), .text(corpusFile.path), .text(corpusFile.sha256))
                try file.run()
            }
            if let study {
                let tag = try database.prepare("INSERT INTO study_runs (study_id, run_id, arm, learning_rate, seed) VALUES (?1, ?2, ?3, ?4, ?5)")
                try tag.bind(.int(study.studyID), .int(id), .text(study.arm), .double(study.learningRate), .int(Int64(bitPattern: study.seed)))
                try tag.run()
            }
            return id
        }
    }

    public func finishRun(_ name: String, status: RunStatus, endedAt: Date = Date()) throws {
        let update = try database.prepare("UPDATE runs SET status = ?1, ended_at = ?2 WHERE name = ?3")
        try update.bind(.text(status.rawValue), .double(endedAt.timeIntervalSince1970), .text(name))
        try update.run()
        if database.changes == 0 { throw StoreError.unknownRun(name: name) }
    }

    /// Marks a run as running again (for `--resume`) and drops the metric and validation rows
    /// a killed process wrote after `update`, the checkpoint it resumes from — in one
    /// transaction, so the run's history reads as one uninterrupted run.
    public func reopenRun(_ name: String, resumingAfter update: Int) throws {
        let runID = try requireRunID(name)
        try database.transaction {
            let reopen = try database.prepare("UPDATE runs SET status = 'running', ended_at = NULL WHERE id = ?1")
            try reopen.bind(.int(runID))
            try reopen.run()
            for table in ["metrics", "validations"] {
                let prune = try database.prepare("DELETE FROM \(table) WHERE run_id = ?1 AND update_step > ?2")
                try prune.bind(.int(runID), .int(Int64(update)))
                try prune.run()
            }
        }
    }

    public func run(named name: String) throws -> RunRecord {
        let query = try database.prepare("""
            SELECT id, name, config_json, vocabulary_sha256, seed, tool_version, git_commit, blas, optimizer,
                   learning_rate, warmup_steps, started_at, ended_at, status
            FROM runs WHERE name = ?1
            """)
        try query.bind(.text(name))
        guard try query.step() else { throw StoreError.unknownRun(name: name) }
        let id = query.int64("id")
        var run = NewRun(
            name: query.text("name"), configurationJSON: query.text("config_json"), corpus: [], vocabularySHA256: query.text("vocabulary_sha256"),
            seed: UInt64(bitPattern: query.int64("seed")), toolVersion: query.text("tool_version"), gitCommit: query.text("git_commit"),
            blas: query.text("blas"), optimizer: query.text("optimizer"), learningRate: query.double("learning_rate"),
            warmupSteps: query.int("warmup_steps"), startedAt: Date(timeIntervalSince1970: query.double("started_at")))
        let endedAt = query.optionalDouble("ended_at").map { Date(timeIntervalSince1970: $0) }
        let status = try Self.status(query.text("status"), run: name)
        let files = try database.prepare("SELECT role, path, sha256 FROM run_corpus_files WHERE run_id = ?1 ORDER BY role")
        try files.bind(.int(id))
        while try files.step() { run.corpus.append(CorpusFile(role: files.text("role"), path: files.text("path"), sha256: files.text("sha256"))) }
        return RunRecord(id: id, run: run, endedAt: endedAt, status: status)
    }

    /// Runs in the order they were started, for `nmt runs`.
    public func listRuns() throws -> [RunSummary] {
        let query = try database.prepare("""
            SELECT r.name AS name, r.optimizer AS optimizer, r.learning_rate AS learning_rate,
                   r.warmup_steps AS warmup_steps, r.status AS status,
                   (SELECT MAX(m.update_step) FROM metrics m WHERE m.run_id = r.id) AS updates,
                   (SELECT MIN(v.valid_loss) FROM validations v WHERE v.run_id = r.id) AS best_valid_loss,
                   (SELECT MAX(v.bleu) FROM validations v WHERE v.run_id = r.id) AS best_bleu
            FROM runs r ORDER BY r.started_at, r.id
            """)
        var runs: [RunSummary] = []
        while try query.step() {
            let name = query.text("name")
            runs.append(RunSummary(name: name, optimizer: query.text("optimizer"), learningRate: query.double("learning_rate"),
                                   warmupSteps: query.int("warmup_steps"), updates: query.optionalInt("updates"),
                                   bestValidLoss: query.optionalDouble("best_valid_loss"), bestBLEU: query.optionalDouble("best_bleu"),
                                   status: try Self.status(query.text("status"), run: name)))
        }
        return runs
    }

    // MARK: Metrics and validations

    /// Appends log lines in one transaction. A row for an update already logged (a resumed run
    /// repeating updates after its last checkpoint) replaces the old one.
    public func appendMetrics(_ rows: [MetricRow], run name: String) throws {
        let id = try requireRunID(name)
        try database.transaction {
            let insert = try database.prepare("""
                INSERT OR REPLACE INTO metrics (run_id, update_step, epoch, train_loss, nll, learning_rate,
                                                gradient_norm, tokens_per_second, wall_seconds, rho_t, r_t, warmup_factor)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """)
            for row in rows {
                insert.reset()
                try insert.bind(.int(id), .int(Int64(row.update)), .int(Int64(row.epoch)), .double(row.trainLoss),
                                .double(row.nll), .double(row.learningRate), .double(row.gradientNorm),
                                .double(row.tokensPerSecond), .double(row.wallSeconds), .optional(row.rho), .optional(row.r),
                                .optional(row.warmupFactor))
                try insert.run()
            }
        }
    }

    public func appendValidation(_ row: ValidationRow, run name: String) throws {
        let id = try requireRunID(name)
        let insert = try database.prepare("""
            INSERT OR REPLACE INTO validations (run_id, update_step, epoch, valid_loss, nll, perplexity, bleu, chrf)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        try insert.bind(.int(id), .int(Int64(row.update)), .int(Int64(row.epoch)), .double(row.validLoss),
                        .double(row.nll), .double(row.perplexity), .optional(row.bleu), .optional(row.chrF))
        try insert.run()
    }

    /// Metric rows in update order.
    public func metrics(run name: String) throws -> [MetricRow] {
        let query = try database.prepare("""
            SELECT update_step, epoch, train_loss, nll, learning_rate, gradient_norm, tokens_per_second,
                   wall_seconds, rho_t, r_t, warmup_factor
            FROM metrics WHERE run_id = ?1 ORDER BY update_step
            """)
        try query.bind(.int(try requireRunID(name)))
        var rows: [MetricRow] = []
        while try query.step() {
            rows.append(MetricRow(update: query.int("update_step"), epoch: query.int("epoch"), trainLoss: query.double("train_loss"),
                                  nll: query.double("nll"), learningRate: query.double("learning_rate"), gradientNorm: query.double("gradient_norm"),
                                  tokensPerSecond: query.double("tokens_per_second"), wallSeconds: query.double("wall_seconds"),
                                  rho: query.optionalDouble("rho_t"), r: query.optionalDouble("r_t"), warmupFactor: query.optionalDouble("warmup_factor")))
        }
        return rows
    }

    /// Validation rows in update order.
    public func validations(run name: String) throws -> [ValidationRow] {
        let query = try database.prepare("""
            SELECT update_step, epoch, valid_loss, nll, perplexity, bleu, chrf
            FROM validations WHERE run_id = ?1 ORDER BY update_step
            """)
        try query.bind(.int(try requireRunID(name)))
        var rows: [ValidationRow] = []
        while try query.step() {
            rows.append(ValidationRow(update: query.int("update_step"), epoch: query.int("epoch"), validLoss: query.double("valid_loss"),
                                      nll: query.double("nll"), perplexity: query.double("perplexity"), bleu: query.optionalDouble("bleu"),
                                      chrF: query.optionalDouble("chrf")))
        }
        return rows
    }

    // MARK: Evaluations

    @discardableResult
    public func recordEvaluation(_ evaluation: EvaluationRecord, run name: String) throws -> Int64 {
        let insert = try database.prepare("""
            INSERT INTO evaluations (run_id, checkpoint_id, checkpoint_update, split, decoding_json, bleu, chrf,
                                     signature, hypothesis_sha256, created_at, hypotheses)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """)
        try insert.bind(.int(try requireRunID(name)), .optional(evaluation.checkpointID),
                        .optional(evaluation.checkpointUpdate.map(Int64.init)), .text(evaluation.split),
                        .text(evaluation.decodingJSON), .double(evaluation.bleu), .double(evaluation.chrF),
                        .text(evaluation.signature), .text(evaluation.hypothesisSHA256),
                        .double(evaluation.createdAt.timeIntervalSince1970), evaluation.hypotheses.map { .text($0) } ?? .null)
        try insert.run()
        return database.lastInsertRowID
    }

    /// Evaluations of a run in the order they were recorded.
    public func evaluations(run name: String) throws -> [EvaluationRecord] {
        let query = try database.prepare("""
            SELECT checkpoint_id, checkpoint_update, split, decoding_json, bleu, chrf, signature, hypothesis_sha256, created_at, hypotheses
            FROM evaluations WHERE run_id = ?1 ORDER BY id
            """)
        try query.bind(.int(try requireRunID(name)))
        var rows: [EvaluationRecord] = []
        while try query.step() {
            rows.append(EvaluationRecord(checkpointID: query.optionalInt64("checkpoint_id"), checkpointUpdate: query.optionalInt("checkpoint_update"),
                                         split: query.text("split"), decodingJSON: query.text("decoding_json"), bleu: query.double("bleu"),
                                         chrF: query.double("chrf"), signature: query.text("signature"),
                                         hypothesisSHA256: query.text("hypothesis_sha256"), createdAt: Date(timeIntervalSince1970: query.double("created_at")),
                                         hypotheses: query.optionalText("hypotheses")))
        }
        return rows
    }

    // MARK: Helpers

    func runID(named name: String) throws -> Int64? {
        let query = try database.prepare("SELECT id FROM runs WHERE name = ?1")
        try query.bind(.text(name))
        return try query.step() ? query.int64("id") : nil
    }

    /// A stored status; one this version does not know is an error, never a silent default.
    static func status(_ text: String, run: String) throws -> RunStatus {
        guard let status = RunStatus(rawValue: text) else { throw StoreError.unknownValue(run: run, column: "status", value: text) }
        return status
    }

    func requireRunID(_ name: String) throws -> Int64 {
        guard let id = try runID(named: name) else { throw StoreError.unknownRun(name: name) }
        return id
    }
}
