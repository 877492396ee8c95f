// A prepared statement with typed binds (1-based, as in SQLite) and typed column reads by
// column name, so a reader cannot silently take the wrong column when a query changes.
import CSQLite
import Foundation

/// SQLite copies the bound bytes before the bind call returns (the C macro SQLITE_TRANSIENT).
let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

public final class Statement {
    let database: Database
    let handle: OpaquePointer
    let sql: String

    /// Result column name → index, read from SQLite once per statement.
    private lazy var columnIndex: [String: Int32] = {
        var index: [String: Int32] = [:]
        for i in 0..<sqlite3_column_count(handle) {
            if let name = sqlite3_column_name(handle, i) { index[String(cString: name)] = i }
        }
        return index
    }()

    init(database: Database, handle: OpaquePointer, sql: String) {
        self.database = database
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    // MARK: Binding

    public func bind(_ value: Int64?, at index: Int32) throws {
        try check(value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index), "binding")
    }

    public func bind(_ value: Int?, at index: Int32) throws {
        try bind(value.map(Int64.init), at: index)
    }

    public func bind(_ value: Double?, at index: Int32) throws {
        try check(value.map { sqlite3_bind_double(handle, index, $0) } ?? sqlite3_bind_null(handle, index), "binding")
    }

    public func bind(_ value: String?, at index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index), "binding") }
        try check(sqlite3_bind_text(handle, index, value, -1, transient), "binding")
    }

    public func bind(bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
        if bytes.count == 0 { return try check(sqlite3_bind_zeroblob(handle, index, 0), "binding") }
        try check(sqlite3_bind_blob64(handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), transient), "binding")
    }

    /// Binds `bytes` without SQLite's copy (SQLITE_STATIC): the caller keeps them alive and
    /// unchanged until the statement has run (checkpoint blobs are tens of megabytes).
    public func bind(borrowing bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        if bytes.count == 0 { return try check(sqlite3_bind_zeroblob(handle, index, 0), "binding") }
        try check(sqlite3_bind_blob64(handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), nil), "binding")
    }

    public func bind(_ value: Data, at index: Int32) throws {
        try value.withUnsafeBytes { try bind(bytes: $0, at: index) }
    }

    public func bind(_ floats: [Float], at index: Int32) throws {
        try floats.withUnsafeBytes { try bind(bytes: $0, at: index) }
    }

    /// Binds values to ?1, ?2, ... in order.
    public func bind(_ values: StatementValue...) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: try check(sqlite3_bind_null(handle, index), "binding")
            case .int(let v): try bind(v, at: index)
            case .double(let v): try bind(v, at: index)
            case .text(let v): try bind(v, at: index)
            }
        }
    }

    // MARK: Stepping

    /// Advances to the next row; false when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.error(code, context: "running \(sql.prefix(60))")
        }
    }

    /// Runs a statement that returns no rows.
    public func run() throws {
        while try step() {}
    }

    /// Makes the statement ready to run again with new binds.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns (by index; internal)

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: pointer)
    }
    func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count))
    }

    // MARK: Columns (by name)

    /// The index of result column `name`; a name the query does not select is a bug in the
    /// query, not in the data, so it stops the program with the SQL.
    func column(_ name: String) -> Int32 {
        guard let i = columnIndex[name] else { preconditionFailure("no column '\(name)' in: \(sql)") }
        return i
    }

    public func isNull(_ name: String) -> Bool { isNull(column(name)) }
    public func int64(_ name: String) -> Int64 { int64(column(name)) }
    public func int(_ name: String) -> Int { Int(int64(column(name))) }
    public func double(_ name: String) -> Double { double(column(name)) }
    public func text(_ name: String) -> String { text(column(name)) }
    public func optionalInt64(_ name: String) -> Int64? { isNull(name) ? nil : int64(name) }
    public func optionalInt(_ name: String) -> Int? { isNull(name) ? nil : int(name) }
    public func optionalDouble(_ name: String) -> Double? { isNull(name) ? nil : double(name) }
    public func optionalText(_ name: String) -> String? { isNull(name) ? nil : text(name) }

    /// The blob's bytes, valid until the next step/reset; no copy.
    public func withBlob<T>(_ name: String, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withBlob(column(name), body)
    }

    public func data(_ name: String) -> Data { withBlob(name) { Data($0) } }

    func check(_ code: Int32, _ action: String) throws {
        guard code == SQLITE_OK else { throw database.error(code, context: "\(action) for \(sql.prefix(60))") }
    }
}

/// A scalar value for the variadic `bind(_:)`.
public enum StatementValue {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    public static func optional(_ value: Double?) -> StatementValue { value.map { .double($0) } ?? .null }
    public static func optional(_ value: Int64?) -> StatementValue { value.map { .int($0) } ?? .null }
}
