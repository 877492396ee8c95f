import Foundation
import Testing
import Optim
import Store
@testable import Training

/// The adaptive rate's variance over gradient noise: at the trainer's parameters and v, K
/// mini-batch gradients, ψ per coordinate, summarised per group — checked against the same
/// computation written out here, and the refusals.
struct GradientNoiseTests {
    let train = TrainerTests.corpus(200, seed: 1)
    let valid = TrainerTests.corpus(40, seed: 2)

    func trainer(_ kind: OptimizerKind, updates: Int) throws -> (Trainer, ToyModel) {
        let model = ToyModel(vocab: 50)
        var config = OptimizerConfig(kind: kind)
        config.beta2 = 0.98
        let trainer = try Trainer(model: model, optimizer: config.makeOptimizer(parameterCount: model.parameterCount),
                                  schedule: Schedule(kind: .constant, lr: 0.01), settings: TrainerTests.settings(maxUpdate: max(updates, 1)),
                                  train: train, valid: valid, recorder: nil)
        if updates > 0 { _ = try trainer.run() }
        return (trainer, model)
    }

    @Test func theVarianceOverBatchesIsTheOneWrittenOut() throws {
        let (trainer, model) = try trainer(.adam, updates: 3)
        let before = Array(model.parameters)
        let k = 5, update = 4
        let records = try GradientNoise.measure(trainer: trainer, update: update, batches: k)
        #expect(Array(model.parameters) == before, "parameters untouched")
        #expect(trainer.optimizer.step == 3, "optimizer untouched")
        let r = try #require(records.first)
        #expect(records.count == 1 && r.group == "parameters" && r.coordinates == 100 && r.batches == k && r.update == update)
        #expect(r.learningRate == 0.01 && r.rectification == nil && r.adaptive)
        // The same by hand: ψ for each batch's gradient, mean and variance per coordinate.
        let v = (trainer.optimizer as! Adam).secondMoment
        let indices = GradientNoise.batchIndices(count: trainer.trainBatches.batches.count, batches: k, seed: trainer.settings.seed, update: update)
        #expect(Set(indices).count == k)
        var psis = [[Double]](repeating: [], count: 100)
        for (j, index) in indices.enumerated() {
            model.zeroGradients()
            let batch = trainer.trainBatches.batches[index].map { trainer.train[$0] }
            let sums = try model.forwardBackward(batch, labelSmoothing: 0, dropoutKey: GradientNoise.dropoutKey(seed: trainer.settings.seed, update: update, batch: j))
            for i in 0..<100 {
                let g = Double(model.gradients[i]) / Double(sums.tokens)
                psis[i].append((1 - pow(0.98, 4.0)).squareRoot() / ((0.98 * Double(v[i]) + 0.02 * g * g).squareRoot() + 1e-8))
            }
        }
        let means = psis.map { $0.reduce(0, +) / Double(k) }
        let variances = zip(psis, means).map { p, m in p.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(k - 1) }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(b), 1e-12) }
        #expect(close(r.psiMean, means.reduce(0, +) / 100))
        #expect(close(r.psiVarianceMean, variances.reduce(0, +) / 100))
        #expect(close(r.psiVarianceMedian, (variances.sorted()[49] + variances.sorted()[50]) / 2))
        let cv2 = zip(variances, means).map { $0 / ($1 * $1) }.sorted()
        #expect(close(r.psiCV2Median, (cv2[49] + cv2[50]) / 2))
        // A second measurement at the same state is the same (batches and dropout are a function of the update).
        #expect(try GradientNoise.measure(trainer: trainer, update: update, batches: k) == records)
    }

    @Test func radamTakesNoAdaptiveStepBeforeItRectifies() throws {
        let (trainer, _) = try trainer(.radam, updates: 0)
        let first = try #require(try GradientNoise.measure(trainer: trainer, update: 1, batches: 3).first)
        #expect(!first.adaptive && first.rectification == nil)
        // At update 1, v = 0: ψ = 1/(|g| + ε·…), finite where the gradient is not zero.
        #expect(first.psiVarianceMean > 0)
    }

    @Test func tooFewOrTooManyBatchesAreRefused() throws {
        let (trainer, _) = try trainer(.adam, updates: 0)
        #expect(throws: TrainingError.self) { try GradientNoise.measure(trainer: trainer, update: 1, batches: 1) }
        #expect(throws: TrainingError.self) { try GradientNoise.measure(trainer: trainer, update: 1, batches: trainer.trainBatches.batches.count + 1) }
    }
}
