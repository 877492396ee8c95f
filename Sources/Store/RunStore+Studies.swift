import Foundation

/// A study as stored: its settings (JSON owned by the application layer) and every command
/// line that created or extended it, oldest first.
public struct StudyRecord: Equatable, Sendable {
    public var id: Int64
    public var name: String
    public var settingsJSON: String
    public var commands: [String]
    public var createdAt: Date
}

/// The cell of a study a run belongs to; given to `createRun` so the run and its tag are
/// written in one transaction (a kill between the two cannot leave an untagged run).
public struct StudyMembership: Equatable, Sendable {
    public var studyID: Int64
    public var arm: String
    public var learningRate: Double
    public var seed: UInt64
    public init(studyID: Int64, arm: String, learningRate: Double, seed: UInt64) {
        self.studyID = studyID; self.arm = arm; self.learningRate = learningRate; self.seed = seed
    }
}

/// One run of a study with its cell and how it stands.
public struct StudyRunRecord: Equatable, Sendable {
    public var run: String
    public var arm: String
    public var learningRate: Double
    public var seed: UInt64
    public var status: RunStatus
    /// Set when training ended for good without finishing (e.g. "diverged at update 212").
    public var outcome: String?
}

extension RunStore {
    @discardableResult
    public func createStudy(name: String, settingsJSON: String, command: String, createdAt: Date = Date()) throws -> Int64 {
        try database.transaction {
            if try study(named: name) != nil { throw StoreError.duplicateStudy(name: name) }
            let insert = try database.prepare("INSERT INTO studies (name, settings_json, commands_json, created_at) VALUES (?1, ?2, ?3, ?4)")
            try insert.bind(.text(name), .text(settingsJSON), .text(try Self.encodeCommands([command])), .double(createdAt.timeIntervalSince1970))
            try insert.run()
            return database.lastInsertRowID
        }
    }

    public func study(named name: String) throws -> StudyRecord? {
        let query = try database.prepare("SELECT id, name, settings_json, commands_json, created_at FROM studies WHERE name = ?1")
        try query.bind(.text(name))
        guard try query.step() else { return nil }
        let commands = try JSONDecoder().decode([String].self, from: Data(query.text("commands_json").utf8))
        return StudyRecord(id: query.int64("id"), name: query.text("name"), settingsJSON: query.text("settings_json"),
                           commands: commands, createdAt: Date(timeIntervalSince1970: query.double("created_at")))
    }

    public func studyNames() throws -> [String] {
        let query = try database.prepare("SELECT name FROM studies ORDER BY created_at, id")
        var names: [String] = []
        while try query.step() { names.append(query.text("name")) }
        return names
    }

    /// `--extend`: the grown settings replace the stored ones and the command is appended.
    public func extendStudy(name: String, settingsJSON: String, command: String) throws {
        guard let existing = try study(named: name) else { throw StoreError.unknownStudy(name: name) }
        let update = try database.prepare("UPDATE studies SET settings_json = ?1, commands_json = ?2 WHERE id = ?3")
        try update.bind(.text(settingsJSON), .text(try Self.encodeCommands(existing.commands + [command])), .int(existing.id))
        try update.run()
    }

    public func studyRuns(study name: String) throws -> [StudyRunRecord] {
        let query = try database.prepare("""
            SELECT r.name AS run, s.arm AS arm, s.learning_rate AS learning_rate, s.seed AS seed, r.status AS status, s.outcome AS outcome
            FROM study_runs s JOIN runs r ON r.id = s.run_id JOIN studies st ON st.id = s.study_id
            WHERE st.name = ?1 ORDER BY r.started_at, r.id
            """)
        try query.bind(.text(name))
        var rows: [StudyRunRecord] = []
        while try query.step() {
            let run = query.text("run")
            rows.append(StudyRunRecord(run: run, arm: query.text("arm"), learningRate: query.double("learning_rate"),
                                       seed: UInt64(bitPattern: query.int64("seed")), status: try Self.status(query.text("status"), run: run),
                                       outcome: query.isNull("outcome") ? nil : query.text("outcome")))
        }
        return rows
    }

    /// The study a run belongs to (nil: none): a study's run is trained, resumed and removed by
    /// its study, not one by one.
    public func study(ofRun name: String) throws -> String? {
        let query = try database.prepare("""
            SELECT st.name AS study FROM study_runs s JOIN runs r ON r.id = s.run_id JOIN studies st ON st.id = s.study_id
            WHERE r.name = ?1
            """)
        try query.bind(.text(name))
        return try query.step() ? query.text("study") : nil
    }

    public func setStudyRunOutcome(run name: String, outcome: String?) throws {
        let runID = try requireRunID(name)
        let update = try database.prepare("UPDATE study_runs SET outcome = ?1 WHERE run_id = ?2")
        try update.bind(outcome.map { .text($0) } ?? .null, .int(runID))
        try update.run()
    }

    /// Removes a run and everything recorded for it (a study's run killed before its first
    /// checkpoint has nothing to resume from and is started again).
    public func deleteRun(_ name: String) throws {
        let runID = try requireRunID(name)
        let delete = try database.prepare("DELETE FROM runs WHERE id = ?1")
        try delete.bind(.int(runID))
        try delete.run()
    }

    static func encodeCommands(_ commands: [String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(commands), as: UTF8.self)
    }
}
