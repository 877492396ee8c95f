import Foundation
import Testing
import Transformer
import Optim
@testable import Training
import Tensor

/// A small analytic model: for target token t after source token s, predict θ[t] + d·θ[V+s]
/// with a dropout mask d ∈ {0, 2} drawn from the dropout key; loss (y − 1)². Enough to
/// exercise accumulation, dropout keys, validation, checkpoints and resume.
final class ToyModel: TrainableModel {
    let vocab: Int
    var storage: UnsafeMutableBufferPointer<Float>
    var grads: UnsafeMutableBufferPointer<Float>
    var poisonUpdates = false

    init(vocab: Int) {
        self.vocab = vocab
        storage = .allocate(capacity: 2 * vocab)
        grads = .allocate(capacity: 2 * vocab)
        for i in 0..<(2 * vocab) { storage[i] = Float(i % 7) * 0.1 }
        grads.initialize(repeating: 0)
    }
    deinit { storage.deallocate(); grads.deallocate() }

    var parameterCount: Int { 2 * vocab }
    var parameters: UnsafeMutableBufferPointer<Float> { storage }
    var gradients: UnsafeMutableBufferPointer<Float> { grads }
    func zeroGradients() { for i in 0..<grads.count { grads[i] = 0 } }

    func run(_ batch: [Batcher.Pair], key: UInt64?, backward: Bool) -> LossSums {
        var sums = LossSums()
        for (row, pair) in batch.enumerated() {
            let s = Int(pair.source[0]) % vocab
            for (j, tok) in pair.target.enumerated() {
                let t = Int(tok) % vocab
                var d: Float = 1
                if let key {
                    var rng = SplitMix64.stream(seed: key, UInt64(row * 1000 + j))
                    d = rng.next() & 1 == 0 ? 0 : 2
                }
                let y = storage[t] + d * storage[vocab + s]
                let loss = (y - 1) * (y - 1)
                sums += LossSums(loss: Double(loss), nll: Double(loss), tokens: 1)
                if backward {
                    grads[t] += 2 * (y - 1)
                    grads[vocab + s] += 2 * (y - 1) * d
                }
            }
        }
        if poisonUpdates { sums.loss = .nan }
        return sums
    }

    func forwardBackward(_ batch: [Batcher.Pair], labelSmoothing: Double, dropoutKey: UInt64) throws -> LossSums {
        run(batch, key: dropoutKey, backward: true)
    }
    func evaluate(_ batch: [Batcher.Pair], labelSmoothing: Double) throws -> LossSums { run(batch, key: nil, backward: false) }
    func load(_ weights: [Float]) { _ = storage.update(fromContentsOf: weights) }
}

final class MemoryRecorder: TrainingRecorder {
    var metrics: [TrainMetrics] = []
    var validations: [ValidationResult] = []
    var checkpoints: [TrainingCheckpoint] = []
    func recordMetrics(_ m: TrainMetrics) throws { metrics.append(m) }
    func recordValidation(_ v: ValidationResult) throws { validations.append(v) }
    func saveCheckpoint(_ c: TrainingCheckpoint) throws { checkpoints.append(c) }
}

struct TrainerTests {
    static func corpus(_ n: Int, seed: UInt64) -> [Batcher.Pair] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in
            Batcher.Pair(source: (0..<Int(rng.next() % 8 + 1)).map { _ in Int32(rng.next() % 50) },
                         target: (0..<Int(rng.next() % 8 + 1)).map { _ in Int32(rng.next() % 50) })
        }
    }

    static func settings(maxUpdate: Int) -> TrainerSettings {
        var s = TrainerSettings()
        s.maxTokens = 40
        s.updateFreq = 2
        s.maxUpdate = maxUpdate
        s.validEvery = 7
        s.saveEvery = 5
        s.logEvery = 3
        s.clipNorm = 5
        s.seed = 99
        return s
    }

    let train = corpus(200, seed: 1)
    let valid = corpus(40, seed: 2)

    func makeTrainer(_ model: ToyModel, _ recorder: MemoryRecorder, maxUpdate: Int, kind: OptimizerKind = .radam) throws -> Trainer {
        let config = OptimizerConfig(kind: kind)
        return try Trainer(model: model, optimizer: config.makeOptimizer(parameterCount: model.parameterCount),
                           schedule: Schedule(kind: .constant, lr: 0.05), settings: Self.settings(maxUpdate: maxUpdate),
                           train: train, valid: valid, recorder: recorder)
    }

    @Test func validationLossFalls() throws {
        let model = ToyModel(vocab: 50), recorder = MemoryRecorder()
        let reason = try makeTrainer(model, recorder, maxUpdate: 60).run()
        #expect(reason == .maxUpdate)
        #expect(recorder.validations.count >= 8)
        #expect(recorder.validations.last!.loss < recorder.validations.first!.loss * 0.5)
        #expect(recorder.metrics.map(\.update) == Array(stride(from: 3, through: 60, by: 3)))
        #expect(recorder.metrics.allSatisfy { $0.rhoT != nil })  // RAdam reports ρt
        #expect(recorder.checkpoints.last!.update == 60)
    }

    /// Stop after 12 updates, resume from the checkpoint of update 10 (as after a kill -9
    /// between checkpoints), continue to 40: bit-identical to one uninterrupted run.
    @Test(arguments: [OptimizerKind.adam, .radam, .sgd])
    func resumeIsBitIdentical(kind: OptimizerKind) throws {
        let straightModel = ToyModel(vocab: 50), straightRecorder = MemoryRecorder()
        _ = try makeTrainer(straightModel, straightRecorder, maxUpdate: 40, kind: kind).run()

        let firstModel = ToyModel(vocab: 50), firstRecorder = MemoryRecorder()
        _ = try makeTrainer(firstModel, firstRecorder, maxUpdate: 12, kind: kind).run()
        let saved = try #require(firstRecorder.checkpoints.first { $0.update == 10 })

        let resumedModel = ToyModel(vocab: 50)
        resumedModel.load(saved.weights)
        let config = OptimizerConfig(kind: kind)
        let state = try Trainer.decodeState(saved.state)
        #expect(state.update == 10)
        let resumedRecorder = MemoryRecorder()
        let resumed = try Trainer(model: resumedModel, optimizer: config.restoreOptimizer(parameterCount: 100, from: saved.optimizer),
                                  schedule: Schedule(kind: .constant, lr: 0.05), settings: Self.settings(maxUpdate: 40),
                                  train: train, valid: valid, recorder: resumedRecorder, state: state)
        _ = try resumed.run()
        // Update 10 lies between two metric rows (every 3): the row at 12 still covers 10–12.
        #expect(resumedRecorder.metrics.map(\.loss) == straightRecorder.metrics.filter { $0.update > 10 }.map(\.loss))
        #expect(Array(resumedModel.parameters) == Array(straightModel.parameters))
        #expect(resumed.state.update == 40)
    }

    @Test func tenNonFiniteUpdatesInARowStopTheRun() throws {
        let model = ToyModel(vocab: 50), recorder = MemoryRecorder()
        let trainer = try makeTrainer(model, recorder, maxUpdate: 100)
        model.poisonUpdates = true
        let before = Array(model.parameters)
        #expect(throws: TrainingError.self) { try trainer.run() }
        #expect(trainer.state.skippedNonFinite == 10)
        #expect(Array(model.parameters) == before)  // nothing applied
    }

    /// Validation pairs whose tokens training never touches keep exactly the same loss, so
    /// with patience 2 the run stops at the third validation.
    @Test func patienceStopsEarly() throws {
        let model = ToyModel(vocab: 100), recorder = MemoryRecorder()
        var s = Self.settings(maxUpdate: 100_000)
        s.patience = 2
        s.validEvery = 4
        let untouched = valid.map { Batcher.Pair(source: $0.source.map { $0 + 50 }, target: $0.target.map { $0 + 50 }) }
        let trainer = try Trainer(model: model, optimizer: OptimizerConfig(kind: .sgd).makeOptimizer(parameterCount: 200),
                                  schedule: Schedule(kind: .constant, lr: 0.01), settings: s,
                                  train: train, valid: untouched, recorder: recorder)
        #expect(try trainer.run() == .patience)
        #expect(recorder.validations.map(\.update) == [4, 8, 12])
        #expect(trainer.state.bestValidUpdate == 4)
    }

    /// With --best-checkpoint-metric bleu, "best" and patience follow the (here scripted) BLEU,
    /// while the loss keeps falling; checkpoints at validations carry −BLEU.
    @Test(arguments: [BestCheckpointMetric.bleu, .chrf])
    func theBestCheckpointFollowsTheChosenMetric(metric: BestCheckpointMetric) throws {
        let model = ToyModel(vocab: 50), recorder = MemoryRecorder()
        var s = Self.settings(maxUpdate: 100)
        s.patience = 2
        s.validEvery = 5
        s.saveEvery = 5
        s.evalBLEUBeam = 1
        s.bestCheckpointMetric = metric
        let scripted = try Trainer(model: model, optimizer: OptimizerConfig(kind: .radam).makeOptimizer(parameterCount: model.parameterCount),
                                   schedule: Schedule(kind: .constant, lr: 0.05), settings: s, train: train, valid: valid, recorder: recorder)
        var scores: [Double] = [10, 14, 12, 13, 9]   // best at the second validation, then two without gain
        scripted.validationScores = {
            let next = scores.removeFirst()
            return metric == .bleu ? (next, 50) : (50, next)
        }
        #expect(try scripted.run() == .patience)
        #expect(recorder.validations.map(\.update) == [5, 10, 15, 20])
        #expect(recorder.validations.map { metric == .bleu ? $0.bleu! : $0.chrF! } == [10, 14, 12, 13])
        #expect(scripted.state.bestSelectionUpdate == 10 && scripted.state.bestSelectionValue == -14)
        #expect(scripted.state.bestValidUpdate == 20, "the loss still fell: its own best is tracked apart")
        #expect(recorder.checkpoints.map(\.selectionValue) == [-10, -14, -12, -13])
        #expect(recorder.checkpoints.map(\.validLoss) == recorder.validations.map(\.loss))
        // A metric other than the loss needs the valid set translated.
        s.evalBLEUBeam = 0
        #expect(throws: TrainingError.self) { try s.validate() }
    }

    @Test func epochLimitAndEmptyCorpus() throws {
        let model = ToyModel(vocab: 50), recorder = MemoryRecorder()
        var s = Self.settings(maxUpdate: 0)
        s.maxEpoch = 2
        let trainer = try Trainer(model: model, optimizer: OptimizerConfig(kind: .adam).makeOptimizer(parameterCount: 100),
                                  schedule: Schedule(kind: .constant, lr: 0.01), settings: s, train: train, valid: valid, recorder: recorder)
        #expect(try trainer.run() == .maxEpoch)
        #expect(trainer.state.epoch == 2)
        #expect(recorder.validations.count >= 2)
        #expect(throws: TrainingError.self) {
            try Trainer(model: model, optimizer: OptimizerConfig(kind: .adam).makeOptimizer(parameterCount: 100),
                        schedule: Schedule(kind: .constant, lr: 0.01), settings: s, train: [], valid: valid, recorder: recorder)
        }
    }
}

/// The share of the run done, which the progress line turns into an ETA for every limit.
struct CompletedFractionTests {
    let train = TrainerTests.corpus(200, seed: 1)
    let valid = TrainerTests.corpus(40, seed: 2)

    func trainer(_ settings: TrainerSettings) throws -> Trainer {
        let model = ToyModel(vocab: 50)
        return try Trainer(model: model, optimizer: OptimizerConfig(kind: .adam).makeOptimizer(parameterCount: model.parameterCount),
                           schedule: Schedule(kind: .constant, lr: 0.05), settings: settings,
                           train: train, valid: valid, recorder: MemoryRecorder())
    }

    @Test func epochLimitCountsBatchesWithinTheEpoch() throws {
        var settings = TrainerTests.settings(maxUpdate: 0)
        settings.maxEpoch = 2
        settings.logEvery = 1
        let t = try trainer(settings)
        #expect(t.completedFraction == 0)
        var reported: [Double] = []
        #expect(try t.run { reported.append($0.completed) } == .maxEpoch)
        let batches = Double(t.trainBatches.batches.count)
        // Every update takes updateFreq = 2 batches (the last of an epoch may take one).
        #expect(reported.count == Int((batches / 2).rounded(.up)) * 2)
        #expect(zip(reported, reported.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(reported[0] - 2 / (2 * batches)) < 1e-12)
        #expect(reported.last == 1)
    }

    @Test func theNearestLimitDecides() throws {
        var settings = TrainerTests.settings(maxUpdate: 10)
        settings.maxEpoch = 100
        settings.logEvery = 1
        let t = try trainer(settings)
        var reported: [Double] = []
        _ = try t.run { reported.append($0.completed) }
        #expect(reported == (1...10).map { Double($0) / 10 })
        // Time limit: training time over the limit (validations and checkpoints included).
        // The trainer reads a clock the test drives, 1 ms further on at every reading, so the
        // run and every figure below are the same however fast or loaded the machine is.
        settings.maxUpdate = 0
        settings.maxEpoch = 0
        settings.maxTimeSeconds = 0.3
        let timed = try trainer(settings)
        var clock = 0.0
        timed.now = { clock += 0.001; return Date(timeIntervalSinceReferenceDate: clock) }
        var times: [(completed: Double, elapsed: Double)] = []
        #expect(try timed.run { times.append(($0.completed, $0.elapsedSeconds)) } == .maxTime)
        #expect(!times.isEmpty && times.allSatisfy { $0.completed > 0 && $0.completed <= 1 })
        #expect(zip(times, times.dropFirst()).allSatisfy { $0.elapsed < $1.elapsed })
        // `completed` and `elapsedSeconds` of a report are one reading of the clock.
        #expect(times.allSatisfy { abs($0.completed - min($0.elapsed / 0.3, 1)) < 1e-12 }, "\(times.prefix(3))")
    }
}
