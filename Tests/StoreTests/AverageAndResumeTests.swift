import Foundation
import Testing
@testable import Store

@Suite struct AverageAndResumeTests {
    func store() throws -> RunStore {
        let store = try RunStore(path: ":memory:")
        try store.createRun(StoreFixtures.newRun("r"))
        return store
    }

    /// Averaged checkpoints are never pruned, never "last" (resume) nor "best", and `avg` finds the newest.
    @Test func averagesStayApartFromTrainingCheckpoints() throws {
        let store = try store()
        for u in 1...3 {
            try store.saveCheckpoint(StoreFixtures.payload(Float(u)), run: "r", update: u * 100, epoch: 1, validLoss: 5 - Double(u), kind: .periodic, keepLast: 2)
        }
        let avg1 = try store.saveCheckpoint(StoreFixtures.payload(9), run: "r", update: 300, epoch: 1, validLoss: 0.1, kind: .average, keepLast: 2)
        for u in 4...6 {
            try store.saveCheckpoint(StoreFixtures.payload(Float(u)), run: "r", update: u * 100, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 2)
        }
        let avg2 = try store.saveCheckpoint(StoreFixtures.payload(8), run: "r", update: 600, epoch: 1, validLoss: nil, kind: .average, keepLast: 2)
        let kinds = try store.checkpoints(run: "r").map { "\($0.update):\($0.kind)" }
        #expect(kinds == ["300:periodic", "300:average", "500:periodic", "600:periodic", "600:average"])
        #expect(try store.loadCheckpoint(run: "r", .last).payload == StoreFixtures.payload(6))
        #expect(try store.loadCheckpoint(run: "r", .best).payload == StoreFixtures.payload(3))
        #expect(try store.loadCheckpoint(run: "r", .average).info.id == avg2)
        #expect(avg1 != avg2)
        #expect(CheckpointSelector("avg") == .average)
    }

    @Test func reopenDropsRecordsAfterTheCheckpoint() throws {
        let store = try store()
        try store.appendMetrics((1...6).map { MetricRow(update: $0 * 10, epoch: 1, trainLoss: 1, nll: 1, learningRate: 1, gradientNorm: 1,
                                                          tokensPerSecond: 1, wallSeconds: 1) }, run: "r")
        try store.appendValidation(ValidationRow(update: 20, epoch: 1, validLoss: 2, nll: 2, perplexity: 7), run: "r")
        try store.appendValidation(ValidationRow(update: 50, epoch: 1, validLoss: 1, nll: 1, perplexity: 3), run: "r")
        try store.finishRun("r", status: .failed)
        try store.reopenRun("r", resumingAfter: 30)
        #expect(try store.metrics(run: "r").map(\.update) == [10, 20, 30])
        #expect(try store.validations(run: "r").map(\.update) == [20])
        let record = try store.run(named: "r")
        #expect(record.status == .running && record.endedAt == nil)
        #expect(throws: StoreError.self) { try store.reopenRun("nope", resumingAfter: 1) }
    }
}
