import Foundation

/// A run's lexical shortlist as stored: the settings (JSON owned by the decoding layer) and
/// the serialized lists.
public struct ShortlistRecord: Equatable, Sendable {
    public var settingsJSON: String
    public var data: Data
    public var createdAt: Date
}

extension RunStore {
    /// Stores (or replaces) the shortlist of run `name`.
    public func saveShortlist(run name: String, settingsJSON: String, data: Data, createdAt: Date = Date()) throws {
        try database.transaction {
            guard let id = try runID(named: name) else { throw StoreError.unknownRun(name: name) }
            let insert = try database.prepare("""
                INSERT INTO shortlists (run_id, settings_json, data, created_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (run_id) DO UPDATE SET settings_json = excluded.settings_json, data = excluded.data,
                                                  created_at = excluded.created_at
                """)
            try insert.bind(id, at: 1)
            try insert.bind(settingsJSON, at: 2)
            try insert.bind(data, at: 3)
            try insert.bind(createdAt.timeIntervalSince1970, at: 4)
            _ = try insert.step()
        }
    }

    /// The shortlist of run `name`, nil when none was learned.
    public func shortlist(run name: String) throws -> ShortlistRecord? {
        guard let id = try runID(named: name) else { throw StoreError.unknownRun(name: name) }
        let query = try database.prepare("SELECT settings_json, data, created_at FROM shortlists WHERE run_id = ?1")
        try query.bind(id, at: 1)
        guard try query.step() else { return nil }
        return ShortlistRecord(settingsJSON: query.text("settings_json"), data: query.data("data"),
                               createdAt: Date(timeIntervalSince1970: query.double("created_at")))
    }
}
