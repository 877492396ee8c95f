import Application
import Foundation
import Optim
import Store
import Testing
import TestSupport
import Training
import Transformer

/// The one way from a stored run back to a model.
@Suite struct RunRestoreTests {
    let config = TransformerConfig(vocabularySize: 11, modelDimension: 8, heads: 2, ffnDimension: 12, encoderLayers: 1, decoderLayers: 1,
                                   dropout: 0, attentionDropout: 0, reluDropout: 0, normalizeBefore: false, maxPositions: 300)

    func store(checkpoints: [(update: Int, validLoss: Double?, weights: [Float])]) throws -> RunStore {
        let run = RunConfiguration(preset: "test", model: config, optimizer: OptimizerConfig(kind: .adam), schedule: Schedule(kind: .constant, lr: 1e-3),
                                   trainer: TrainerSettings(), data: .init(trainSource: "a", trainTarget: "b", validSource: "c", validTarget: "d", vocabulary: "v"),
                                   threads: 1)
        let store = try RunStore(path: ":memory:")
        try store.createRun(NewRun(name: "r", configurationJSON: try run.json(), corpus: [], vocabularySHA256: "v", seed: 1, toolVersion: "t",
                                   gitCommit: "g", blas: "b", optimizer: "adam", learningRate: 1e-3, warmupSteps: 0))
        for c in checkpoints {
            try store.saveCheckpoint(CheckpointPayload(weights: c.weights, optimizerState: Data(), trainingState: Data()), run: "r",
                                     update: c.update, epoch: 1, validLoss: c.validLoss, kind: .periodic, keepLast: 10)
        }
        return store
    }

    func weights(_ value: Float) throws -> [Float] {
        [Float](repeating: value, count: try TransformerModel(config: config, seed: 1).parameterCount)
    }

    @Test func restoresTheSelectedCheckpointIntoTheStoredModel() throws {
        let s = try store(checkpoints: [(10, 2.0, try weights(0.5)), (20, 3.0, try weights(0.25))])
        let best = try RunRestore.restore(store: s, run: "r", at: .best)
        #expect(best.checkpoint.info.update == 10 && best.model.config == config)
        #expect(Array(best.model.parameters).allSatisfy { $0 == 0.5 })
        let last = try RunRestore.restore(store: s, run: "r", at: .last)
        #expect(last.checkpoint.info.update == 20 && Array(last.model.parameters).allSatisfy { $0 == 0.25 })
    }

    @Test func bestFallsBackToLastOnlyWhenAsked() throws {
        let s = try store(checkpoints: [(5, nil, try weights(1))])
        #expect(throws: StoreError.self) { try RunRestore.restore(store: s, run: "r", at: .best) }
        let restored = try RunRestore.restore(store: s, run: "r", at: .best, fallBackToLast: true, console: Console(quiet: true))
        #expect(restored.checkpoint.info.update == 5)
    }

    @Test func aCheckpointOfAnotherSizeIsAnErrorNamingIt() throws {
        let s = try store(checkpoints: [(5, 1.0, [1, 2, 3])])
        do {
            _ = try RunRestore.restore(store: s, run: "r", at: .best)
            Issue.record("restored a checkpoint of the wrong size")
        } catch {
            #expect("\(error)".contains("holds 3 weights") && "\(error)".contains("run r"), "\(error)")
        }
    }
}
