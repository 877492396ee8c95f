import Foundation
import Testing
import Optim
@testable import Training

/// The paper's controlled arms through the real training loop: which updates leave the
/// parameters exactly as they were, and that they move afterwards.
struct ArmTests {
    let train = TrainerTests.corpus(200, seed: 1)
    let valid = TrainerTests.corpus(40, seed: 2)

    /// Parameters after each of `updates` updates (a fresh model, the given optimizer).
    func trajectory(_ config: OptimizerConfig, updates: Int) throws -> [[Float]] {
        let model = ToyModel(vocab: 50)
        var states: [[Float]] = [Array(model.parameters)]
        for n in 1...updates {
            let m = ToyModel(vocab: 50)
            var settings = TrainerTests.settings(maxUpdate: n)
            settings.validEvery = 0
            settings.saveEvery = 0
            let trainer = try Trainer(model: m, optimizer: config.makeOptimizer(parameterCount: m.parameterCount),
                                      schedule: Schedule(kind: .constant, lr: 0.05), settings: settings,
                                      train: train, valid: valid, recorder: MemoryRecorder())
            _ = try trainer.run()
            states.append(Array(m.parameters))
        }
        return states
    }

    @Test func radamSkipLeavesParametersUntouchedForTheFirstFiveUpdates() throws {
        var config = OptimizerConfig(kind: .radam)
        config.beta2 = 0.999
        config.weightDecay = 0.1  // frozen too: no decay while skipping
        config.radamDegenerate = .skip
        let states = try trajectory(config, updates: 7)
        for t in 1...5 { #expect(states[t] == states[0], "update \(t) moved the parameters") }
        #expect(states[6] != states[0])
        // torch's mode moves from the first update
        config.radamDegenerate = .sgd
        #expect(try trajectory(config, updates: 1)[1] != states[0])
    }

    @Test func adamFreezeLeavesParametersUntouchedForNUpdatesThenMoves() throws {
        var config = OptimizerConfig(kind: .adam)
        config.weightDecay = 0.1
        config.adamFreeze = 4
        let states = try trajectory(config, updates: 5)
        for t in 1...4 { #expect(states[t] == states[0], "update \(t) moved the parameters") }
        #expect(states[5] != states[0])
    }

    /// The optimizer itself: v accumulates while frozen, m stays zero, and the first moving
    /// step is the documented one (m from zero, bias corrections at t = N+1).
    @Test func adamFreezeAccumulatesOnlyTheSecondMoment() {
        var config = OptimizerConfig(kind: .adam)
        config.beta1 = 0.9
        config.beta2 = 0.99
        config.adamFreeze = 3
        var adam = Adam(config: config, parameterCount: 1)
        var p: [Float] = [1]
        let g: Float = 0.5
        for t in 1...4 {
            let report = [g].withUnsafeBufferPointer { gp in p.withUnsafeMutableBufferPointer { adam.update(parameters: $0, gradients: gp, lr: 0.1) } }
            #expect(report.movedParameters == (t == 4))
            if t < 4 {
                #expect(p == [1] && adam.firstMoment == [0])
                #expect(abs(Double(adam.secondMoment[0]) - (1 - pow(0.99, Double(t))) * 0.25) < 1e-7)
            }
        }
        // update 4: m = 0.1·g (from zero), m̂ = m/(1 − 0.9⁴), v̂ = v/(1 − 0.99⁴) = g²
        let mHat = 0.1 * 0.5 / (1 - pow(0.9, 4.0))
        let expected = 1 - 0.1 * mHat / (0.5 + 1e-8)
        #expect(abs(Double(p[0]) - expected) < 1e-6)
    }

    @Test func theComparisonOperatorDiffersBetweenTheModes() {
        #expect(!RAdamDegenerate.sgd.rectifies(rhoT: 5, threshold: 5))
        #expect(RAdamDegenerate.skip.rectifies(rhoT: 5, threshold: 5))
        #expect(RAdamDegenerate.sgd.rectifies(rhoT: 5.0001, threshold: 5) && !RAdamDegenerate.skip.rectifies(rhoT: 4.9999, threshold: 5))
    }

    @Test func untunedWarmupFactorAndRate() throws {
        let linear = Schedule(kind: .constant, lr: 1e-3, untunedWarmupBeta2: 0.98)
        try linear.validate()
        #expect(abs(linear.untunedWarmupLength! - 100) < 1e-9)
        #expect(abs(linear.warmupFactor(update: 1) - 0.01) < 1e-12)
        #expect(abs(linear.warmupFactor(update: 50) - 0.5) < 1e-12)
        #expect(linear.warmupFactor(update: 100) == 1 && linear.warmupFactor(update: 5000) == 1)
        #expect(abs(linear.learningRate(update: 50) - 5e-4) < 1e-15)
        let exponential = Schedule(kind: .constant, lr: 1e-3, untunedWarmupBeta2: 0.98, warmupShape: .exponential)
        #expect(abs(exponential.warmupFactor(update: 50) - (1 - exp(-1.0))) < 1e-12)
        // composes with the linear decay: ω·(η + (min − η)·t/T)
        let decaying = Schedule(kind: .linear, lr: 1e-3, minLR: 0, maxUpdate: 1000, untunedWarmupBeta2: 0.98, convention: .legacy)
        #expect(abs(decaying.learningRate(update: 50) - 0.5 * 1e-3 * 0.95) < 1e-15)
        // and with inverse-sqrt, whose decay starts where the untuned warmup ends
        let invsqrt = Schedule(kind: .inverseSqrt, lr: 1e-3, untunedWarmupBeta2: 0.98, convention: .legacy)
        #expect(abs(invsqrt.learningRate(update: 400) - 1e-3 * 0.5) < 1e-12)
        // step warmup's factor, and none
        let steps = Schedule(kind: .linear, lr: 1e-3, warmup: 10, maxUpdate: 100, convention: .legacy)
        #expect(abs(steps.warmupFactor(update: 5) - 0.5) < 1e-12 && steps.warmupFactor(update: 11) == 1)
        #expect(Schedule(kind: .constant, lr: 1e-3).warmupFactor(update: 1) == 1)
        // bad combinations
        #expect(throws: OptimError.self) { try Schedule(kind: .constant, lr: 1e-3, warmup: 10, untunedWarmupBeta2: 0.98).validate() }
        #expect(throws: OptimError.self) { try Schedule(kind: .linear, lr: 1e-3, warmup: 10, maxUpdate: 100, warmupShape: .exponential).validate() }
    }

    @Test func theTrainerRecordsTheWarmupFactor() throws {
        let model = ToyModel(vocab: 50), recorder = MemoryRecorder()
        var settings = TrainerTests.settings(maxUpdate: 9)
        settings.logEvery = 3
        let schedule = Schedule(kind: .linear, lr: 0.05, warmup: 6, maxUpdate: 9, convention: .legacy)
        let trainer = try Trainer(model: model, optimizer: OptimizerConfig(kind: .adam).makeOptimizer(parameterCount: model.parameterCount),
                                  schedule: schedule, settings: settings, train: train, valid: valid, recorder: recorder)
        _ = try trainer.run()
        #expect(recorder.metrics.map(\.update) == [3, 6, 9])
        #expect(recorder.metrics.map(\.warmupFactor) == [0.5, 1, 1])
    }

    /// Configurations stored by earlier versions (without the arms' keys) still decode, to the
    /// behaviour they had.
    @Test func olderStoredConfigurationsDecode() throws {
        let optimizer = try JSONDecoder().decode(OptimizerConfig.self, from: Data(#"{"beta1":0.9,"beta2":0.98,"eps":1e-08,"kind":"radam","momentum":0.9,"rhoThreshold":5,"weightDecay":0}"#.utf8))
        #expect(optimizer == OptimizerConfig(kind: .radam))
        #expect(optimizer.radamDegenerate == .sgd && optimizer.adamFreeze == 0)
        let schedule = try JSONDecoder().decode(Schedule.self, from: Data(#"{"kind":"linear","lr":0.001,"maxUpdate":100,"minLR":0,"warmup":10,"warmupInitLR":0}"#.utf8))
        #expect(schedule == Schedule(kind: .linear, lr: 1e-3, warmup: 10, maxUpdate: 100, convention: .legacy))
        #expect(schedule.untunedWarmupBeta2 == nil && schedule.warmupShape == .linear)
        // and the new keys round-trip
        var c = OptimizerConfig(kind: .adam)
        c.adamFreeze = 2000
        c.adamFreezeRescaleLR = true
        #expect(try JSONDecoder().decode(OptimizerConfig.self, from: JSONEncoder().encode(c)) == c)
        // The authors' recipe: --max-update 72000 in all, 2000 of them frozen: 3e-4 · 72/70.
        #expect(c.learningRateScale(maxUpdate: 72000) == 72000.0 / 70000.0)
    }
}
