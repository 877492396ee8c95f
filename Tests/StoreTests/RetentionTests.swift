import Foundation
import Testing
@testable import Store

/// saveCheckpoint deletes what retention drops *before* it inserts (so the insert reuses those
/// pages); the checkpoints kept must be exactly those the rule names with the new one counted
/// in: the last `keepLast` training checkpoints by (update, id) and the best by (rank, id),
/// averages never touched. Checked against that rule applied after the insert, over random
/// histories: updates out of order and tied, ranks missing and tied, averages, changing keepLast.
/// The new id is above those of all checkpoints present at the save, the ones retention drops
/// in the same transaction included, as when the insert came first.
struct RetentionTests {
    struct Row { var id: Int64; var update: Int; var rank: Double?; var average: Bool }

    /// The rule, applied to the rows after the insert.
    static func retained(_ rows: [Row], keepLast: Int) -> Set<Int64> {
        let training = rows.filter { !$0.average }
        let newest = training.sorted { ($0.update, $0.id) > ($1.update, $1.id) }.prefix(keepLast).map(\.id)
        let best = training.filter { $0.rank != nil }.min { ($0.rank!, $0.id) < ($1.rank!, $1.id) }.map(\.id)
        return Set(newest + (best.map { [$0] } ?? []) + rows.filter(\.average).map(\.id))
    }

    @Test(arguments: 1...20)
    func keepsWhatTheRuleKeeps(seed: UInt64) throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ n: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(n))
        }
        var rows: [Row] = []
        for step in 0..<40 {
            let average = next(8) == 0
            let update = next(4) == 0 ? max(1, step * 10 - next(30)) : step * 10
            let rank: Double? = next(3) == 0 ? nil : Double(next(6))
            let keepLast = 1 + next(3)
            let id = try store.saveCheckpoint(StoreFixtures.payload(Float(step), count: 4), run: "r", update: update, epoch: 1,
                                              validLoss: rank, kind: average ? .average : .periodic, keepLast: keepLast)
            #expect(id > rows.map(\.id).max() ?? 0, "the new id is above every checkpoint's that existed when it was saved")
            rows.append(Row(id: id, update: update, rank: rank, average: average))
            let expected = Self.retained(rows, keepLast: keepLast)
            rows = rows.filter { expected.contains($0.id) }
            let actual = Set(try store.checkpoints(run: "r").map(\.id))
            #expect(actual == expected, "seed \(seed), step \(step): kept \(actual.sorted()), rule \(expected.sorted()); \(rows.map { "\($0.id)@\($0.update)/\($0.rank.map { "\($0)" } ?? "-")\($0.average ? "a" : "")" }), keep \(keepLast)")
        }
    }
}

/// The checkpoint write path on a file: the WAL copied into the database by the background
/// copier (not inside the commits), dropped checkpoints' pages reused, everything readable by a
/// fresh connection and verified on load.
struct CheckpointFileTests {
    @Test func backgroundWALCopyAndPageReuse() throws {
        let path = try StoreFixtures.temporaryPath("checkpoint-file.sqlite")
        let count = 1 << 19
        let perCheckpoint = 4 * count + 2 * count   // the fixture's weights (Float) and optimizer bytes
        do {
            let store = try RunStore(path: path)
            try store.copyWALInBackground()
            #expect(try store.database.scalarInt("PRAGMA wal_autocheckpoint") == 0)
            try store.createRun(StoreFixtures.newRun("r"))
            for u in 1...6 {
                try store.saveCheckpoint(StoreFixtures.payload(Float(u), count: count), run: "r", update: u, epoch: 1,
                                         validLoss: nil, kind: .periodic, keepLast: 2)
            }
            store.waitForWALCopy()
            // Everything committed is in the database file: nothing left in the WAL to copy.
            let left = try store.database.prepare("PRAGMA wal_checkpoint(PASSIVE)")
            #expect(try left.step())
            #expect(left.int64(0) == 0 && left.int64(1) == left.int64(2), "busy, frames in the WAL, frames copied")
        }
        // Two checkpoints kept after six saves: the file holds about two (with the insert first,
        // three: the new one is written before the old one's pages are free), not six.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size < 5 * perCheckpoint / 2, "database file \(size) bytes, \(perCheckpoint) per checkpoint")
        let reopened = try RunStore(path: path)
        #expect(try reopened.checkpoints(run: "r").map(\.update) == [5, 6])
        #expect(try reopened.loadCheckpoint(run: "r", .last).payload == StoreFixtures.payload(6, count: count))
    }
}
