import Foundation
import Testing
@testable import Store

@Suite struct CheckpointTests {
    func store() throws -> RunStore {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        return store
    }

    @Test func roundTripByIdLastAndBest() throws {
        let store = try store()
        let a = try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 100, epoch: 1, validLoss: 3.0, kind: .periodic, keepLast: 5,
                                         createdAt: Date(timeIntervalSince1970: 1_700_000_000))
        let b = try store.saveCheckpoint(StoreFixtures.payload(2), run: "r", update: 200, epoch: 1, validLoss: 2.5, kind: .periodic, keepLast: 5)
        let c = try store.saveCheckpoint(StoreFixtures.payload(3), run: "r", update: 300, epoch: 2, validLoss: nil, kind: .final, keepLast: 5)
        let first = try store.loadCheckpoint(run: "r", .id(a))
        #expect(first.payload == StoreFixtures.payload(1))
        #expect(first.info == CheckpointInfo(id: a, update: 100, epoch: 1, createdAt: Date(timeIntervalSince1970: 1_700_000_000),
                                             validLoss: 3.0, kind: .periodic))
        #expect(try store.loadCheckpoint(run: "r", .best).info.id == b)
        #expect(try store.loadCheckpoint(run: "r", .best).payload == StoreFixtures.payload(2))
        #expect(try store.loadCheckpoint(run: "r", .last).info.id == c)
        #expect(try store.loadCheckpoint(run: "r", .last).info.kind == .final)
        #expect(CheckpointSelector("best") == .best && CheckpointSelector("last") == .last && CheckpointSelector("42") == .id(42))
        #expect(CheckpointSelector("latest") == nil)
    }

    @Test func emptyPayloadRoundTrips() throws {
        let store = try store()
        let empty = CheckpointPayload(weights: [], optimizerState: Data(), trainingState: Data())
        try store.saveCheckpoint(empty, run: "r", update: 0, epoch: 0, validLoss: nil, kind: .periodic, keepLast: 1)
        #expect(try store.loadCheckpoint(run: "r", .last).payload == empty)
    }

    @Test func missingCheckpointIsAClearError() throws {
        let store = try store()
        #expect(StoreFixtures.message { try store.loadCheckpoint(run: "r", .last) } == "run 'r' has no checkpoint 'last'")
        try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 1, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 1)
        #expect(StoreFixtures.message { try store.loadCheckpoint(run: "r", .best) } == "run 'r' has no checkpoint 'best'")
        #expect(StoreFixtures.message { try store.loadCheckpoint(run: "r", .id(999)) } == "run 'r' has no checkpoint '999'")
    }

    @Test func retentionKeepsTheLastKAndTheBest() throws {
        let store = try store()
        let losses: [Double?] = [4.0, 2.0, 3.0, nil, 3.5, 2.5]
        var ids: [Int64] = []
        for (index, loss) in losses.enumerated() {
            ids.append(try store.saveCheckpoint(StoreFixtures.payload(Float(index), count: 10), run: "r", update: (index + 1) * 100,
                                                epoch: 1, validLoss: loss, kind: .periodic, keepLast: 2))
        }
        // Last two (updates 500, 600) plus the best by validation loss (update 200, loss 2.0).
        #expect(try store.checkpoints(run: "r").map(\.id) == [ids[1], ids[4], ids[5]])
        #expect(try store.database.scalarInt("SELECT COUNT(*) FROM checkpoints") == 3)
        // Another run's checkpoints are untouched by this run's retention.
        try store.createRun(StoreFixtures.newRun("other"))
        try store.saveCheckpoint(StoreFixtures.payload(9, count: 10), run: "other", update: 1, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 1)
        try store.saveCheckpoint(StoreFixtures.payload(9, count: 10), run: "r", update: 700, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 1)
        #expect(try store.checkpoints(run: "r").map(\.update) == [200, 700])
        #expect(try store.checkpoints(run: "other").map(\.update) == [1])
    }

    @Test func corruptedBlobFailsItsChecksum() throws {
        let store = try store()
        let id = try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 1, epoch: 1, validLoss: 1, kind: .periodic, keepLast: 1)
        // Flip the first weight's bytes behind the store's back.
        let corrupt = try store.database.prepare("UPDATE checkpoints SET weights = X'0000C07F' || substr(weights, 5) WHERE id = ?1")
        try corrupt.bind(.int(id))
        try corrupt.run()
        let message = StoreFixtures.message { try store.loadCheckpoint(run: "r", .id(id)) }
        #expect(message.hasPrefix("checkpoint \(id): weights blob fails its SHA-256 check"))
        #expect(message.hasSuffix("the checkpoint is corrupt"))
        let state = try store.database.prepare("UPDATE checkpoints SET weights = ?2, state = X'7B7D' WHERE id = ?1")
        try state.bind(StoreFixtures.payload(1).weights, at: 2)
        try state.bind(.int(id))
        try state.run()
        #expect(StoreFixtures.message { try store.loadCheckpoint(run: "r", .best) }.hasPrefix("checkpoint \(id): state blob fails"))
    }

    @Test func failureMidSaveLeavesNoPartialRows() throws {
        let store = try store()
        try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 1, epoch: 1, validLoss: 1, kind: .periodic, keepLast: 1)
        try store.saveCheckpoint(StoreFixtures.payload(2), run: "r", update: 2, epoch: 1, validLoss: 2, kind: .periodic, keepLast: 1)
        // Make the retention step (after the new row is inserted) fail.
        try store.database.execute("CREATE TEMP TRIGGER fail_prune BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'injected failure'); END")
        let message = StoreFixtures.message {
            try store.saveCheckpoint(StoreFixtures.payload(3), run: "r", update: 3, epoch: 1, validLoss: 3, kind: .periodic, keepLast: 1)
        }
        #expect(message.contains("injected failure"))
        #expect(try store.checkpoints(run: "r").map(\.update) == [1, 2])
        try store.database.execute("DROP TRIGGER fail_prune")
        try store.saveCheckpoint(StoreFixtures.payload(3), run: "r", update: 3, epoch: 1, validLoss: 3, kind: .periodic, keepLast: 1)
        #expect(try store.checkpoints(run: "r").map(\.update) == [1, 3])
    }

    /// "best" ranks by the stored selection value (−BLEU here) where there is one, else by loss;
    /// retention keeps that best.
    @Test func bestFollowsTheSelectionValue() throws {
        let store = try store()
        let a = try store.saveCheckpoint(StoreFixtures.payload(1), run: "r", update: 1, epoch: 1, validLoss: 3, selectionValue: -20,
                                         kind: .periodic, keepLast: 1)
        try store.saveCheckpoint(StoreFixtures.payload(2), run: "r", update: 2, epoch: 1, validLoss: 2, selectionValue: -15, kind: .periodic, keepLast: 1)
        try store.saveCheckpoint(StoreFixtures.payload(3), run: "r", update: 3, epoch: 1, validLoss: 1, selectionValue: -10, kind: .periodic, keepLast: 1)
        #expect(try store.loadCheckpoint(run: "r", .best).info.id == a, "highest BLEU, not lowest loss")
        let kept = try store.checkpoints(run: "r")
        #expect(kept.map(\.update) == [1, 3])
        #expect(kept.map(\.selectionValue) == [-20, -10] && kept.map(\.rankValue) == [-20, -10])
    }
}
