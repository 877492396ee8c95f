// Checkpoints: weights, optimizer state and training state as BLOBs, each with its SHA-256,
// written in one transaction together with the retention clean-up.
import Foundation
import Hashing

extension RunStore {
    /// Saves a checkpoint and, in the same transaction, deletes the run's older checkpoints except
    /// the last `keepLast` (by update) and the best one (lowest `selectionValue`, or validation
    /// loss where there is none; see CheckpointInfo). Returns the new id.
    @discardableResult
    public func saveCheckpoint(_ payload: CheckpointPayload, run name: String, update: Int, epoch: Int,
                               validLoss: Double?, selectionValue: Double? = nil, kind: CheckpointKind, keepLast: Int,
                               createdAt: Date = Date()) throws -> Int64 {
        precondition(keepLast >= 1, "keepLast must keep at least the checkpoint being saved")
        let runID = try requireRunID(name)
        // Hash outside the transaction: it is the slow part and needs no lock.
        let weightsHash = payload.weights.withUnsafeBytes { SHA256.hexDigest(of: $0) }
        let optimizerHash = payload.optimizerState.withUnsafeBytes { SHA256.hexDigest(of: $0) }
        let stateHash = payload.trainingState.withUnsafeBytes { SHA256.hexDigest(of: $0) }
        return try database.transaction {
            let insert = try database.prepare("""
                INSERT INTO checkpoints (run_id, update_step, epoch, created_at, valid_loss, kind,
                                         weights, weights_sha256, optimizer, optimizer_sha256, state, state_sha256, selection_value)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                """)
            try insert.bind(.int(runID), .int(Int64(update)), .int(Int64(epoch)),
                            .double(createdAt.timeIntervalSince1970), .optional(validLoss), .text(kind.rawValue))
            try insert.bind(payload.weights, at: 7)
            try insert.bind(weightsHash, at: 8)
            try insert.bind(payload.optimizerState, at: 9)
            try insert.bind(optimizerHash, at: 10)
            try insert.bind(payload.trainingState, at: 11)
            try insert.bind(stateHash, at: 12)
            try insert.bind(selectionValue, at: 13)
            try insert.run()
            let id = database.lastInsertRowID
            // Averaged checkpoints are the user's own products: retention never touches them.
            let prune = try database.prepare("""
                DELETE FROM checkpoints WHERE run_id = ?1 AND kind != ?3
                  AND id NOT IN (SELECT id FROM checkpoints WHERE run_id = ?1 AND kind != ?3
                                 ORDER BY update_step DESC, id DESC LIMIT ?2)
                  AND id NOT IN (SELECT id FROM checkpoints WHERE run_id = ?1 AND kind != ?3 AND \(Self.rank) IS NOT NULL
                                 ORDER BY \(Self.rank) ASC, id ASC LIMIT 1)
                """)
            try prune.bind(.int(runID), .int(Int64(keepLast)), .text(CheckpointKind.average.rawValue))
            try prune.run()
            return id
        }
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

    /// Loads a checkpoint and verifies the SHA-256 of each blob.
    public func loadCheckpoint(run name: String, _ selector: CheckpointSelector) throws -> Checkpoint {
        let runID = try requireRunID(name)
        let columns = """
            SELECT id, update_step, epoch, created_at, valid_loss, kind, selection_value,
                   weights, weights_sha256, optimizer, optimizer_sha256, state, state_sha256
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
        guard try query.step() else { throw StoreError.checkpointNotFound(run: name, selector: selector.description) }
        let info = try Self.info(query, run: name)
        let weights = try verifiedFloats(query, column: "weights", checkpoint: info.id, part: "weights")
        let optimizer = try verifiedBytes(query, column: "optimizer", checkpoint: info.id, part: "optimizer")
        let state = try verifiedBytes(query, column: "state", checkpoint: info.id, part: "state")
        return Checkpoint(info: info, payload: CheckpointPayload(weights: weights, optimizerState: optimizer, trainingState: state))
    }

    static func info(_ row: Statement, run: String) throws -> CheckpointInfo {
        let kindText = row.text("kind")
        guard let kind = CheckpointKind(rawValue: kindText) else { throw StoreError.unknownValue(run: run, column: "checkpoint kind", value: kindText) }
        return CheckpointInfo(id: row.int64("id"), update: row.int("update_step"), epoch: row.int("epoch"),
                              createdAt: Date(timeIntervalSince1970: row.double("created_at")), validLoss: row.optionalDouble("valid_loss"), kind: kind,
                              selectionValue: row.optionalDouble("selection_value"))
    }

    /// The blob in `column`, checked against the hash in `column`_sha256.
    private func verifiedFloats(_ row: Statement, column: String, checkpoint: Int64, part: String) throws -> [Float] {
        try row.withBlob(column) { bytes in
            try verify(bytes, expected: row.text(column + "_sha256"), checkpoint: checkpoint, part: part)
            guard bytes.count % MemoryLayout<Float>.size == 0 else {
                throw StoreError.malformedBlob(checkpoint: checkpoint, part: part, bytes: bytes.count)
            }
            let count = bytes.count / MemoryLayout<Float>.size
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes) }
                initialized = count
            }
        }
    }

    private func verifiedBytes(_ row: Statement, column: String, checkpoint: Int64, part: String) throws -> Data {
        try row.withBlob(column) { bytes in
            try verify(bytes, expected: row.text(column + "_sha256"), checkpoint: checkpoint, part: part)
            return Data(bytes)
        }
    }

    private func verify(_ bytes: UnsafeRawBufferPointer, expected: String, checkpoint: Int64, part: String) throws {
        let actual = SHA256.hexDigest(of: bytes)
        guard actual == expected else {
            throw StoreError.checksumMismatch(checkpoint: checkpoint, part: part, expected: expected, actual: actual)
        }
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
