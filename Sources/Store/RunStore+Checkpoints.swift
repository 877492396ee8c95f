// Checkpoints: weights, optimizer state and training state as BLOBs, each with its SHA-256,
// written in one transaction together with the retention clean-up.
import Foundation
import Hashing
import Parallelism

extension RunStore {
    /// Saves a checkpoint and, in the same transaction, deletes the run's older checkpoints except
    /// the last `keepLast` (by update) and the best one (lowest `selectionValue`, or validation
    /// loss where there is none; see CheckpointInfo). Returns the new id.
    ///
    /// Fast for blobs of tens of megabytes: the blobs are hashed in parallel, bound without a
    /// copy, and the checkpoints retention drops are deleted *before* the insert, so the insert
    /// reuses their pages instead of growing the file (the retained set is the same as deleting
    /// after it: the new checkpoint is counted in).
    @discardableResult
    public func saveCheckpoint(_ payload: CheckpointPayload, run name: String, update: Int, epoch: Int,
                               validLoss: Double?, selectionValue: Double? = nil, kind: CheckpointKind, keepLast: Int,
                               createdAt: Date = Date()) throws -> Int64 {
        precondition(keepLast >= 1, "keepLast must keep at least the checkpoint being saved")
        let runID = try requireRunID(name)
        // Hash outside the transaction: it is the slow part and needs no lock.
        let hashes = payload.weights.withUnsafeBytes { weights in
            payload.optimizerState.withUnsafeBytes { optimizer in Self.hexDigests(of: [weights, optimizer]) }
        } + [payload.trainingState.withUnsafeBytes { SHA256.hexDigest(of: $0) }]
        let training = kind != .average
        let rank = selectionValue ?? validLoss
        let id = try database.transaction {
            // An id above every row that exists now, as inserting first would give: deleting
            // first must not hand a dropped checkpoint's id to the new one.
            let id = (try database.scalarInt("SELECT COALESCE(MAX(id), 0) + 1 FROM checkpoints") ?? 1)
            // Retention drops the new checkpoint itself only when it is older than the last
            // `keepLast` and not the best (never in training, which saves in update order); then
            // it is inserted first and pruned after, as the rule says.
            let prunesItself = try training && selfPruned(runID: runID, update: update, rank: rank, keepLast: keepLast)
            if !prunesItself { try pruneBeforeInsert(runID: runID, update: training ? update : nil, rank: training ? rank : nil, keepLast: keepLast) }
            let insert = try database.prepare("""
                INSERT INTO checkpoints (id, run_id, update_step, epoch, created_at, valid_loss, kind,
                                         weights, weights_sha256, optimizer, optimizer_sha256, state, state_sha256, selection_value)
                VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                """)
            try insert.bind(.int(runID), .int(Int64(update)), .int(Int64(epoch)),
                            .double(createdAt.timeIntervalSince1970), .optional(validLoss), .text(kind.rawValue))
            try insert.bind(hashes[0], at: 8)
            try insert.bind(hashes[1], at: 10)
            try insert.bind(hashes[2], at: 12)
            try insert.bind(selectionValue, at: 13)
            try insert.bind(id, at: 14)
            try payload.weights.withUnsafeBytes { weights in
                try payload.optimizerState.withUnsafeBytes { optimizer in
                    try payload.trainingState.withUnsafeBytes { state in
                        try insert.bind(borrowing: weights, at: 7)
                        try insert.bind(borrowing: optimizer, at: 9)
                        try insert.bind(borrowing: state, at: 11)
                        try insert.run()
                        insert.reset()   // drops the borrowed pointers before the buffers go
                    }
                }
            }
            if prunesItself { try pruneAfterInsert(runID: runID, keepLast: keepLast) }
            return id
        }
        requestWALCopy()
        return id
    }

    /// Whether a training checkpoint at `update` with `rank` would be dropped by retention the
    /// moment it is saved: `keepLast` newer ones exist and an existing one ranks as well or better.
    private func selfPruned(runID: Int64, update: Int, rank: Double?, keepLast: Int) throws -> Bool {
        let query = try database.prepare("""
            SELECT (SELECT COUNT(*) FROM checkpoints WHERE run_id = ?1 AND kind != ?2 AND update_step > ?3) AS newer,
                   (SELECT COUNT(*) FROM checkpoints WHERE run_id = ?1 AND kind != ?2 AND \(Self.rank) IS NOT NULL
                      AND (?4 IS NULL OR \(Self.rank) <= ?4)) AS better
            """)
        try query.bind(.int(runID), .text(CheckpointKind.average.rawValue), .int(Int64(update)))
        try query.bind(rank, at: 4)
        guard try query.step() else { return false }
        let isBest = rank != nil && query.int("better") == 0
        return query.int("newer") >= keepLast && !isBest
    }

    /// Deletes what retention drops once a checkpoint at `update` with `rank` is added (nil, nil:
    /// an average, which retention does not count): the training checkpoints outside the last
    /// `keepLast` by (update, id) and that are not the best by (rank, id), the new one counted
    /// in with an id above all. Averaged checkpoints are the user's own products: never touched.
    private func pruneBeforeInsert(runID: Int64, update: Int?, rank: Double?, keepLast: Int) throws {
        let prune = try database.prepare("""
            DELETE FROM checkpoints WHERE run_id = ?1 AND kind != ?3
              AND id NOT IN (SELECT id FROM (SELECT id, update_step,
                                                    ROW_NUMBER() OVER (ORDER BY update_step DESC, id DESC) AS newer
                                             FROM checkpoints WHERE run_id = ?1 AND kind != ?3)
                             WHERE newer - 1 + (CASE WHEN ?4 IS NOT NULL AND ?4 >= update_step THEN 1 ELSE 0 END) < ?2)
              AND id NOT IN (SELECT id FROM checkpoints WHERE run_id = ?1 AND kind != ?3 AND \(Self.rank) IS NOT NULL
                               AND (?5 IS NULL OR \(Self.rank) <= ?5)
                             ORDER BY \(Self.rank) ASC, id ASC LIMIT 1)
            """)
        try prune.bind(.int(runID), .int(Int64(keepLast)), .text(CheckpointKind.average.rawValue))
        try prune.bind(update, at: 4)
        try prune.bind(rank, at: 5)
        try prune.run()
    }

    /// The same rule applied to the checkpoints as they are (the new one already inserted).
    private func pruneAfterInsert(runID: Int64, keepLast: Int) throws {
        try pruneBeforeInsert(runID: runID, update: nil, rank: nil, keepLast: keepLast)
    }

    /// SHA-256 of each buffer, the buffers spread over the worker threads (one hash is
    /// sequential; the weights and the optimizer state, the two big blobs, go side by side).
    static func hexDigests(of buffers: [UnsafeRawBufferPointer]) -> [String] {
        var digests = [String](repeating: "", count: buffers.count)
        digests.withUnsafeMutableBufferPointer { out in
            let results = out
            Parallel.forEachChunk(buffers.count, minChunk: 1) { range in
                for i in range { results[i] = SHA256.hexDigest(of: buffers[i]) }
            }
        }
        return digests
    }

    /// The SQL of CheckpointInfo.rankValue: what "best" ranks by.
    static let rank = "COALESCE(selection_value, valid_loss)"

    /// The run's checkpoints (without their blobs), oldest update first.
    public func checkpoints(run name: String) throws -> [CheckpointInfo] {
        let query = try database.prepare("""
            SELECT id, update_step, epoch, created_at, valid_loss, kind, selection_value FROM checkpoints
            WHERE run_id = ?1 ORDER BY update_step, id
            """)
        try query.bind(.int(try requireRunID(name)))
        var infos: [CheckpointInfo] = []
        while try query.step() { infos.append(try Self.info(query, run: name)) }
        return infos
    }

    /// The checkpoint a selector names, without reading its blobs (nil when there is none).
    public func checkpointInfo(run name: String, _ selector: CheckpointSelector) throws -> CheckpointInfo? {
        let query = try selectCheckpoint(run: name, selector)
        guard try query.step() else { return nil }
        return try Self.info(query, run: name)
    }

    /// The query of `loadCheckpoint` and `checkpointInfo`: one row or none.
    private func selectCheckpoint(run name: String, _ selector: CheckpointSelector) throws -> Statement {
        let runID = try requireRunID(name)
        let columns = """
            SELECT id, update_step, epoch, created_at, valid_loss, kind, selection_value,
                   weights_sha256, optimizer_sha256, state, state_sha256
            FROM checkpoints WHERE run_id = ?1
            """
        let query: Statement
        switch selector {
        case .best:
            query = try database.prepare(columns + " AND kind != ?2 AND \(Self.rank) IS NOT NULL ORDER BY \(Self.rank) ASC, id ASC LIMIT 1")
            try query.bind(.int(runID), .text(CheckpointKind.average.rawValue))
        case .last:
            query = try database.prepare(columns + " AND kind != ?2 ORDER BY update_step DESC, id DESC LIMIT 1")
            try query.bind(.int(runID), .text(CheckpointKind.average.rawValue))
        case .average:
            query = try database.prepare(columns + " AND kind = ?2 ORDER BY id DESC LIMIT 1")
            try query.bind(.int(runID), .text(CheckpointKind.average.rawValue))
        case .id(let id):
            query = try database.prepare(columns + " AND id = ?2")
            try query.bind(.int(runID), .int(id))
        }
        return query
    }

    /// Loads a checkpoint and verifies the SHA-256 of each blob.
    public func loadCheckpoint(run name: String, _ selector: CheckpointSelector) throws -> Checkpoint {
        let query = try selectCheckpoint(run: name, selector)
        guard try query.step() else { throw StoreError.checkpointNotFound(run: name, selector: selector.description) }
        let info = try Self.info(query, run: name)
        // The two big blobs are read (without a whole-blob copy: readBlob) while the query's
        // read transaction is open, then verified side by side.
        let weights: [Float] = try database.readBlob(table: "checkpoints", column: "weights", rowID: info.id) { count, fill in
            guard count % MemoryLayout<Float>.size == 0 else { throw StoreError.malformedBlob(checkpoint: info.id, part: "weights", bytes: count) }
            return try [Float](unsafeUninitializedCapacity: count / MemoryLayout<Float>.size) { buffer, initialized in
                try fill(UnsafeMutableRawBufferPointer(buffer))
                initialized = buffer.count
            }
        }
        let optimizer: Data = try database.readBlob(table: "checkpoints", column: "optimizer", rowID: info.id) { count, fill in
            // Uninitialised memory (Data(count:) would zero 60 MB first), owned by the Data.
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
            do { try fill(UnsafeMutableRawBufferPointer(start: memory, count: count)) } catch { memory.deallocate(); throw error }
            return Data(bytesNoCopy: memory, count: count, deallocator: .custom { pointer, _ in pointer.deallocate() })
        }
        let state = query.data("state")
        let actual = weights.withUnsafeBytes { w in optimizer.withUnsafeBytes { o in Self.hexDigests(of: [w, o]) } }
            + [state.withUnsafeBytes { SHA256.hexDigest(of: $0) }]
        for (part, hash) in zip(["weights", "optimizer", "state"], actual) {
            let expected = query.text(part + "_sha256")
            guard hash == expected else {
                throw StoreError.checksumMismatch(checkpoint: info.id, part: part, expected: expected, actual: hash)
            }
        }
        return Checkpoint(info: info, payload: CheckpointPayload(weights: weights, optimizerState: optimizer, trainingState: state))
    }

    static func info(_ row: Statement, run: String) throws -> CheckpointInfo {
        let kindText = row.text("kind")
        guard let kind = CheckpointKind(rawValue: kindText) else { throw StoreError.unknownValue(run: run, column: "checkpoint kind", value: kindText) }
        return CheckpointInfo(id: row.int64("id"), update: row.int("update_step"), epoch: row.int("epoch"),
                              createdAt: Date(timeIntervalSince1970: row.double("created_at")), validLoss: row.optionalDouble("valid_loss"), kind: kind,
                              selectionValue: row.optionalDouble("selection_value"))
    }

}

extension RunStore {
    /// Deletes a run's checkpoints other than `keep` (a study keeps only what it evaluated once
    /// a run is done: each tiny-model checkpoint with its optimizer state is ~25 MB).
    public func deleteCheckpoints(run name: String, keeping keep: Set<Int64>) throws {
        let runID = try requireRunID(name)
        try database.transaction {
            let delete = try database.prepare("DELETE FROM checkpoints WHERE run_id = ?1 AND id = ?2")
            for info in try checkpoints(run: name) where !keep.contains(info.id) {
                delete.reset()
                try delete.bind(.int(runID), .int(info.id))
                try delete.run()
            }
        }
    }
}

extension RunStore {
    /// Empties the optimizer state of a run's checkpoints (Adam's moments are two thirds of a
    /// checkpoint): they still translate and evaluate, and no longer resume.
    public func dropOptimizerStates(run name: String) throws {
        let runID = try requireRunID(name)
        let empty = [UInt8]().withUnsafeBytes { SHA256.hexDigest(of: $0) }
        let update = try database.prepare("UPDATE checkpoints SET optimizer = X'', optimizer_sha256 = ?2 WHERE run_id = ?1")
        try update.bind(.int(runID), .text(empty))
        try update.run()
    }
}
