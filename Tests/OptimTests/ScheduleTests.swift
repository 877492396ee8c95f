import Testing
@testable import Optim

struct ScheduleTests {
    @Test func inverseSqrtWarmsUpLinearlyThenDecays() {
        let s = Schedule(kind: .inverseSqrt, lr: 1e-3, warmup: 4000, warmupInitLR: 1e-7)
        #expect(abs(s.learningRate(update: 1) - (1e-7 + (1e-3 - 1e-7) / 4000)) < 1e-15)
        #expect(abs(s.learningRate(update: 2000) - (1e-7 + (1e-3 - 1e-7) / 2)) < 1e-15)
        #expect(s.learningRate(update: 4000) == 1e-3)
        #expect(abs(s.learningRate(update: 16000) - 5e-4) < 1e-15)
    }

    @Test func inverseSqrtWithoutWarmup() {
        let s = Schedule(kind: .inverseSqrt, lr: 1e-3, warmup: 0)
        #expect(s.learningRate(update: 1) == 1e-3)
        #expect(abs(s.learningRate(update: 4) - 5e-4) < 1e-15)
    }

    @Test func linearWarmupThenDecayToMinimum() throws {
        let s = Schedule(kind: .linear, lr: 1e-3, warmup: 10, warmupInitLR: 0, minLR: 1e-5, maxUpdate: 110)
        try s.validate()
        #expect(abs(s.learningRate(update: 5) - 5e-4) < 1e-15)
        #expect(s.learningRate(update: 10) == 1e-3)
        #expect(abs(s.learningRate(update: 60) - (1e-3 + (1e-5 - 1e-3) * 0.5)) < 1e-15)
        #expect(abs(s.learningRate(update: 110) - 1e-5) < 1e-15)
        #expect(abs(s.learningRate(update: 500) - 1e-5) < 1e-15)
    }

    @Test func constantIgnoresWarmup() {
        let s = Schedule(kind: .constant, lr: 3e-4, warmup: 100)
        #expect(s.learningRate(update: 1) == 3e-4)
        #expect(s.learningRate(update: 1000) == 3e-4)
    }

    @Test func invalidSettingsAreRejected() {
        #expect(throws: OptimError.self) { try Schedule(kind: .linear, lr: 1e-3, warmup: 10, maxUpdate: 5).validate() }
        #expect(throws: OptimError.self) { try Schedule(kind: .constant, lr: 0).validate() }
        #expect(throws: OptimError.self) { try Schedule(kind: .inverseSqrt, lr: 1e-3, warmup: -1).validate() }
        var config = OptimizerConfig(kind: .radam)
        config.rhoThreshold = 3
        #expect(throws: OptimError.self) { try config.validate() }
        config.rhoThreshold = 4
        config.beta2 = 1
        #expect(throws: OptimError.self) { try config.validate() }
    }
}
