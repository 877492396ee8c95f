import Foundation
import Testing
@testable import Store

@Suite struct DatabaseTests {
    @Test func typedBindsAndColumnsRoundTrip() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n INTEGER)")
        let insert = try db.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)")
        try insert.bind(Int64.min, at: 1)
        try insert.bind(0.1, at: 2)
        try insert.bind("¿Qué? ' ; DROP TABLE t; --", at: 3)
        try insert.bind([Float(1.5), -2, .infinity], at: 4)
        try insert.bind(nil as Int64?, at: 5)
        try insert.run()
        let select = try db.prepare("SELECT i, d, s, b, n FROM t")
        #expect(try select.step())
        #expect(select.int64("i") == Int64.min)
        #expect(select.double("d") == 0.1)
        #expect(select.text("s") == "¿Qué? ' ; DROP TABLE t; --")
        let floats = select.withBlob("b") { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [1.5, -2, .infinity])
        #expect(select.isNull("n") && select.optionalInt64("n") == nil)
        #expect(try !select.step())
    }

    @Test func emptyBlobIsABlobNotNull() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (b BLOB NOT NULL)")
        let insert = try db.prepare("INSERT INTO t VALUES (?1)")
        try insert.bind([Float](), at: 1)
        try insert.run()
        #expect(try db.scalarInt("SELECT length(b) FROM t") == 0)
    }

    @Test func failedTransactionRollsBack() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (x INTEGER NOT NULL)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.scalarInt("SELECT COUNT(*) FROM t") == 0)
    }

    @Test func sqliteErrorsCarrySQLitesMessage() throws {
        let db = try Database(path: ":memory:")
        let message = StoreFixtures.message { try db.prepare("SELEC nonsense") }
        #expect(message.contains("syntax error"))
        #expect(message.hasPrefix(":memory:: SQLite error 1 while preparing SELEC nonsense"))
    }
}
