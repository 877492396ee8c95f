@testable import Application
import Foundation
import Store
import Testing
import TestSupport

@Suite struct CheckpointAveragingTests {
    @Test func theMeanIsExactAndOrderFree() throws {
        let a: [Float] = [1, 2, 0.1, -3], b: [Float] = [3, 2, 0.2, 5], c: [Float] = [2, -4, 0.3, 1e-7]
        #expect(try CheckpointAveraging.mean([a]) == a, "one checkpoint comes back exactly")
        #expect(try CheckpointAveraging.mean([a, b, c]) == CheckpointAveraging.mean([c, a, b]))
        #expect(try CheckpointAveraging.mean([a, b]) == [2, 2, Float((0.1 as Float + 0.2 as Float) / 2), 1])
        #expect(throws: ApplicationError.self) { try CheckpointAveraging.mean([]) }
        #expect(throws: ApplicationError.self) { try CheckpointAveraging.mean([a, [1]]) }
    }

    @Test func averagingStoresANewCheckpointAndNeedsEnoughMembers() throws {
        let store = try RunStore(path: ":memory:")
        try store.createRun(NewRun(name: "r", configurationJSON: "{}", corpus: [], vocabularySHA256: "v", seed: 1, toolVersion: "t",
                                   gitCommit: "g", blas: "b", optimizer: "adam", learningRate: 1e-3, warmupSteps: 0))
        for u in 1...3 {
            try store.saveCheckpoint(CheckpointPayload(weights: [Float(u), Float(2 * u)], optimizerState: Data([UInt8(u)]), trainingState: Data()),
                                     run: "r", update: u * 10, epoch: 1, validLoss: nil, kind: .periodic, keepLast: 5)
        }
        let outcome = try CheckpointAveraging.average(store: store, run: "r", last: 2)
        #expect(outcome.updates == [20, 30])
        let averaged = try store.loadCheckpoint(run: "r", .average)
        #expect(averaged.info.id == outcome.checkpointID && averaged.info.kind == .average)
        #expect(averaged.payload.weights == [2.5, 5])
        #expect(averaged.payload.optimizerState == Data([3]), "the newest member's optimizer state")
        let tooMany = "\((try? CheckpointAveraging.average(store: store, run: "r", last: 4)).map { _ in "no error" } ?? "error")"
        #expect(tooMany == "error")
        // An averaged checkpoint is never a member of the next average.
        #expect(try CheckpointAveraging.average(store: store, run: "r", last: 3).updates == [10, 20, 30])
    }

    @Test func membersByRankAndById() throws {
        let infos = [(1, 3.0), (2, 1.0), (3, nil), (4, 2.0), (5, 0.5)].map { id, loss in
            CheckpointInfo(id: Int64(id), update: id * 10, epoch: 1, createdAt: Date(), validLoss: loss, kind: .periodic)
        }
        let choose = { (m: CheckpointAveraging.Members) in try CheckpointAveraging.choose(m, from: infos, run: "r").map(\.id) }
        #expect(try choose(.last(2)) == [4, 5])
        #expect(try choose(.best(3)) == [2, 4, 5], "the three lowest losses, in update order")
        #expect(try choose(.best(4)) == [1, 2, 4, 5])
        #expect(throws: ApplicationError.self) { try choose(.best(5)) }
        #expect(try choose(.ids([4, 1])) == [1, 4])
        for bad: [Int64] in [[], [7], [1, 1]] { #expect(throws: ApplicationError.self) { try choose(.ids(bad)) } }
        var bleu = infos
        bleu[0].selectionValue = -30   // −BLEU ranks before every loss-only row
        #expect(try CheckpointAveraging.choose(.best(1), from: bleu, run: "r").map(\.id) == [1])
    }
}
