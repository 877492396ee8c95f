// Every failure of the run database, as one line a user can act on.

public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// Another process holds the write lock longer than the busy timeout.
    case busy(path: String, waitedMilliseconds: Int32)
    case notADatabase(path: String, message: String)
    case corrupt(path: String, message: String)
    case schemaTooNew(path: String, found: Int32, supported: Int32)
    case readOnlyOldSchema(path: String, found: Int32, current: Int32)
    /// Bringing the schema up to date failed; the database was left at `from`.
    case migrationFailed(path: String, from: Int32, to: Int32, message: String)
    case sqlite(path: String, code: Int32, message: String, context: String)
    case unknownRun(name: String)
    case duplicateRun(name: String)
    case duplicateStudy(name: String)
    case unknownStudy(name: String)
    case checkpointNotFound(run: String, selector: String)
    case checksumMismatch(checkpoint: Int64, part: String, expected: String, actual: String)
    case malformedBlob(checkpoint: Int64, part: String, bytes: Int)
    /// A stored value this version does not know (e.g. a run status or checkpoint kind).
    case unknownValue(run: String, column: String, value: String)

    public var description: String {
        switch self {
        case .busy(let path, let waited):
            return "\(path): database is locked by another process (waited \(waited) ms); is another nmt writing to it?"
        case .notADatabase(let path, let message):
            return "\(path): not an nmt run database (\(message))"
        case .corrupt(let path, let message):
            return "\(path): database is corrupt (\(message))"
        case .schemaTooNew(let path, let found, let supported):
            return "\(path): database schema version \(found) is newer than this nmt supports (\(supported)); use a newer nmt"
        case .readOnlyOldSchema(let path, let found, let current):
            return "\(path): read-only, and at schema version \(found) (this nmt writes \(current)): copy it somewhere writable so it can be upgraded"
        case .migrationFailed(let path, let from, let to, let message):
            return "\(path): cannot bring the database from schema version \(from) to \(to) (\(message)); it is left as it was. Is it an nmt run database?"
        case .sqlite(let path, let code, let message, let context):
            return "\(path): SQLite error \(code) while \(context): \(message)"
        case .unknownRun(let name):
            return "no run named '\(name)' (see `nmt runs`)"
        case .duplicateRun(let name):
            return "a run named '\(name)' already exists; choose another --name"
        case .duplicateStudy(let name):
            return "a study named '\(name)' already exists"
        case .unknownStudy(let name):
            return "no study named '\(name)'"
        case .checkpointNotFound(let run, let selector):
            return "run '\(run)' has no checkpoint '\(selector)'"
        case .checksumMismatch(let checkpoint, let part, let expected, let actual):
            return "checkpoint \(checkpoint): \(part) blob fails its SHA-256 check (stored \(expected), computed \(actual)): the checkpoint is corrupt"
        case .malformedBlob(let checkpoint, let part, let bytes):
            return "checkpoint \(checkpoint): \(part) blob has \(bytes) bytes, not a whole number of Float32 values"
        case .unknownValue(let run, let column, let value):
            return "run '\(run)': stored \(column) '\(value)' is not one this nmt knows (written by a newer nmt, or edited by hand?)"
        }
    }
}
