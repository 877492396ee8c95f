import Foundation

/// Copying runs between databases (`nmt study merge`): a run and every row recorded for it,
/// with new row ids in this database and the checkpoint ids its evaluations point at mapped
/// along. The source is attached read-only for the copy; both must be at the latest schema
/// (open the source with `RunStore` first, which migrates it).
extension RunStore {
    /// Tables keyed by `run_id`, in an order that satisfies the foreign keys (checkpoints
    /// before the evaluations that name them).
    static let runTables = ["run_corpus_files", "metrics", "validations", "diagnostics", "gradient_histograms", "shortlists", "gradient_noise"]

    /// Copies the named runs of `source` into this database in one transaction and tags each
    /// as a member of `studyID` (arm, lr, seed and outcome as the source's study had them).
    /// A name that exists here already is an error and nothing is copied.
    public func importStudyRuns(_ names: [String], from source: String, studyID: Int64) throws {
        let attach = try database.prepare("ATTACH DATABASE ?1 AS source")
        try attach.bind(.text(source))
        try attach.run()
        defer { try? database.execute("DETACH DATABASE source") }
        try database.transaction {
            for name in names {
                if try runID(named: name) != nil { throw StoreError.duplicateRun(name: name) }
                try importRun(name, studyID: studyID)
            }
        }
    }

    private func columns(_ table: String) throws -> [String] {
        let query = try database.prepare("SELECT name FROM pragma_table_info('\(table)')")
        var names: [String] = []
        while try query.step() { names.append(query.text("name")) }
        return names
    }

    private func importRun(_ name: String, studyID: Int64) throws {
        let find = try database.prepare("SELECT id FROM source.runs WHERE name = ?1")
        try find.bind(.text(name))
        guard try find.step() else { throw StoreError.unknownRun(name: name) }
        let oldID = find.int64("id")
        let runColumns = try columns("runs").filter { $0 != "id" }.joined(separator: ", ")
        let copyRun = try database.prepare("INSERT INTO runs (\(runColumns)) SELECT \(runColumns) FROM source.runs WHERE id = ?1")
        try copyRun.bind(.int(oldID))
        try copyRun.run()
        let newID = database.lastInsertRowID
        for table in Self.runTables {
            let names = try columns(table)
            let select = names.map { $0 == "run_id" ? "?2" : $0 }.joined(separator: ", ")
            let copy = try database.prepare("INSERT INTO \(table) (\(names.joined(separator: ", "))) SELECT \(select) FROM source.\(table) WHERE run_id = ?1")
            try copy.bind(.int(oldID), .int(newID))
            try copy.run()
        }
        // Checkpoints one by one, remembering each new id for the evaluations.
        var checkpointIDs: [Int64: Int64] = [:]
        let checkpointColumns = try columns("checkpoints").filter { $0 != "id" }
        let ids = try database.prepare("SELECT id FROM source.checkpoints WHERE run_id = ?1 ORDER BY id")
        try ids.bind(.int(oldID))
        var old: [Int64] = []
        while try ids.step() { old.append(ids.int64("id")) }
        let copyCheckpoint = try database.prepare("INSERT INTO checkpoints (\(checkpointColumns.joined(separator: ", "))) SELECT "
            + checkpointColumns.map { $0 == "run_id" ? "?2" : $0 }.joined(separator: ", ") + " FROM source.checkpoints WHERE id = ?1")
        for id in old {
            copyCheckpoint.reset()
            try copyCheckpoint.bind(.int(id), .int(newID))
            try copyCheckpoint.run()
            checkpointIDs[id] = database.lastInsertRowID
        }
        let evaluationColumns = try columns("evaluations").filter { $0 != "id" }
        let evaluations = try database.prepare("SELECT id, checkpoint_id FROM source.evaluations WHERE run_id = ?1 ORDER BY id")
        try evaluations.bind(.int(oldID))
        var rows: [(Int64, Int64?)] = []
        while try evaluations.step() { rows.append((evaluations.int64("id"), evaluations.optionalInt64("checkpoint_id"))) }
        let copyEvaluation = try database.prepare("INSERT INTO evaluations (\(evaluationColumns.joined(separator: ", "))) SELECT "
            + evaluationColumns.map { $0 == "run_id" ? "?2" : $0 == "checkpoint_id" ? "?3" : $0 }.joined(separator: ", ")
            + " FROM source.evaluations WHERE id = ?1")
        for (id, checkpoint) in rows {
            copyEvaluation.reset()
            try copyEvaluation.bind(.int(id), .int(newID), checkpoint.flatMap { checkpointIDs[$0] }.map { .int($0) } ?? .null)
            try copyEvaluation.run()
        }
        let tag = try database.prepare("INSERT INTO study_runs (study_id, run_id, arm, learning_rate, seed, outcome) "
            + "SELECT ?2, ?3, arm, learning_rate, seed, outcome FROM source.study_runs WHERE run_id = ?1")
        try tag.bind(.int(oldID), .int(studyID), .int(newID))
        try tag.run()
    }

    /// Adds command lines to a study's record (a merge keeps every shard's commands).
    public func appendStudyCommands(name: String, _ commands: [String]) throws {
        guard let record = try study(named: name) else { throw StoreError.unknownStudy(name: name) }
        var all = record.commands
        for c in commands where !all.contains(c) { all.append(c) }
        let update = try database.prepare("UPDATE studies SET commands_json = ?1 WHERE id = ?2")
        try update.bind(.text(try Self.encodeCommands(all)), .int(record.id))
        try update.run()
    }

    /// Rewrites the database file without its free pages (after a study dropped its runs'
    /// checkpoints, most of the file is free). Needs no other connection writing.
    public func vacuum() throws {
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try database.execute("VACUUM")
    }

    /// Bytes of the database file each table's pages take (SQLite's dbstat), and how many of
    /// each table's rows belong to `run`: a run's share of the file, apportioned by rows
    /// (`nmt study show --storage`).
    public func storedBytes(run name: String) throws -> Int {
        let runID = try requireRunID(name)
        var total = 0.0
        for table in Self.runTables + ["checkpoints", "evaluations"] {
            let pages = try database.prepare("SELECT COALESCE(SUM(pgsize), 0) AS bytes FROM dbstat WHERE name = ?1 OR name LIKE ?2")
            try pages.bind(.text(table), .text("sqlite_autoindex_\(table)_%"))
            guard try pages.step() else { continue }
            let bytes = Double(pages.int64("bytes"))
            let rows = try database.prepare("SELECT COUNT(*) AS all_rows, SUM(run_id = ?1) AS mine FROM \(table)")
            try rows.bind(.int(runID))
            guard try rows.step(), rows.int64("all_rows") > 0 else { continue }
            total += bytes * Double(rows.optionalInt64("mine") ?? 0) / Double(rows.int64("all_rows"))
        }
        return Int(total.rounded())
    }

    /// The database file's size in bytes (all pages, free ones included).
    public func fileBytes() throws -> Int {
        Int(try database.scalarInt("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0)
    }
}
