// A thin, typed wrapper over the SQLite C API: one connection, prepared statements, transactions,
// errors that carry SQLite's own message. SQL text is always a constant; values are bound.
import CSQLite
import Foundation

public final class Database: @unchecked Sendable {
    let handle: OpaquePointer
    public let path: String
    public let busyTimeoutMilliseconds: Int32

    /// Opens (creating if needed) the database at `path`; ":memory:" gives a private in-memory one.
    /// With `readOnly`, the file is opened as immutable (`file:…?immutable=1`): no lock, no
    /// WAL or shared-memory file is created, so a database on a read-only file, directory or
    /// mount can be read. (What a WAL not yet copied in holds is not seen then.)
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5_000, readOnly: Bool = false) throws {
        var db: OpaquePointer?
        // FULLMUTEX: the connection may be handed between threads; SQLite serializes calls.
        let flags = readOnly ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let name = readOnly ? Self.immutableURI(path) : path
        let code = sqlite3_open_v2(name, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError.sqlite(path: path, code: code, message: message, context: "opening the database")
        }
        handle = db
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
    }

    deinit { sqlite3_close_v2(handle) }

    /// `file:PATH?immutable=1`, with the characters a URI path cannot hold escaped.
    static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var escaped = ""
        for byte in absolute.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || "/-._~".contains(c)) { escaped.append(c) } else { escaped += String(format: "%%%02X", byte) }
        }
        return "file:\(escaped)?immutable=1"
    }

    /// Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
    public func execute(_ sql: String) throws {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code, context: "running \(sql.prefix(60))") }
    }

    public func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, context: "preparing \(sql.prefix(60))") }
        return Statement(database: self, handle: statement, sql: sql)
    }

    /// Runs `body` in one write transaction (BEGIN IMMEDIATE takes the write lock up front, so a
    /// busy database fails here, not halfway). Any error rolls everything back.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Reads the blob in `column` of row `rowID` of `table` with incremental blob I/O, straight
    /// into the memory `build` makes for its length (`fill` writes the bytes there), with no
    /// intermediate copy of the whole blob as reading it as a result column makes.
    func readBlob<T>(table: String, column: String, rowID: Int64,
                     _ build: (_ count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> T) throws -> T {
        var blob: OpaquePointer?
        let code = sqlite3_blob_open(handle, "main", table, column, rowID, 0, &blob)
        guard code == SQLITE_OK, let blob else {
            if let blob { sqlite3_blob_close(blob) }
            throw error(code, context: "opening \(table).\(column) of row \(rowID)")
        }
        defer { sqlite3_blob_close(blob) }
        let count = Int(sqlite3_blob_bytes(blob))
        return try build(count) { buffer in
            precondition(buffer.count == count, "readBlob: the buffer must have the blob's length")
            let piece = 1 << 30
            for offset in stride(from: 0, to: count, by: piece) {
                let read = sqlite3_blob_read(blob, buffer.baseAddress! + offset, Int32(min(piece, count - offset)), Int32(offset))
                guard read == SQLITE_OK else { throw error(read, context: "reading \(table).\(column) of row \(rowID)") }
            }
        }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// A single integer from a query such as "PRAGMA user_version".
    public func scalarInt(_ sql: String) throws -> Int64? {
        let statement = try prepare(sql)
        return try statement.step() ? (statement.isNull(0) ? nil : statement.int64(0)) : nil
    }

    public func scalarText(_ sql: String) throws -> String? {
        let statement = try prepare(sql)
        return try statement.step() ? (statement.isNull(0) ? nil : statement.text(0)) : nil
    }

    func error(_ code: Int32, context: String) -> StoreError {
        let message = String(cString: sqlite3_errmsg(handle))
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .busy(path: path, waitedMilliseconds: busyTimeoutMilliseconds)
        case SQLITE_NOTADB:
            return .notADatabase(path: path, message: message)
        case SQLITE_CORRUPT:
            return .corrupt(path: path, message: message)
        default:
            // One line: the statement a context quotes may span several.
            let oneLine = context.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            return .sqlite(path: path, code: code, message: message, context: oneLine)
        }
    }
}
