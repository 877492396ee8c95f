import Foundation

/// Copies the write-ahead log into the database file on a thread of its own, through a second
/// connection, so that a writer of large blobs (a training run saving checkpoints of tens of
/// megabytes) does not wait for the copy. SQLite's own automatic checkpoint runs inside the
/// commit that crosses its threshold, which made that copy (and its fsync) part of every save.
///
/// Safe at any instant: a PASSIVE checkpoint copies only committed frames and never blocks the
/// writer; a process killed mid-copy leaves a WAL that the next open replays.
final class WALCheckpointer: @unchecked Sendable {
    private let database: Database
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private var running = false
    private var finished = false

    init(path: String) throws {
        database = try Database(path: path)
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "nmt WAL checkpoint"
        thread.start()
    }

    /// Asks for a checkpoint soon (requests while one runs coalesce into one more).
    func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until the requests so far are done (tests, and before reading the file directly).
    func drain() {
        condition.lock()
        while requested || running { condition.wait() }
        condition.unlock()
    }

    /// Finishes the pending copy and ends the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while !requested && !stopping { condition.wait() }
            if !requested && stopping {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            requested = false
            running = true
            condition.unlock()
            // PASSIVE: copy what no reader still needs, without waiting for anyone.
            _ = try? database.scalarText("PRAGMA wal_checkpoint(PASSIVE)")
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
