import Foundation
import TestSupport
import Testing
@testable import Optim

/// The schedules. The first tests pin the `legacy` convention (update t at position t), which
/// runs stored before the convention existed resume with; the fixture tests pin fairseq's
/// (update t at position t − 1), every new run's.
struct ScheduleTests {
    struct Case: Decodable {
        let name: String
        let source: String
        let peak_lr: Double
        let warmup: Int
        let warmup_init_lr: Double
        let max_update: Int
        let end_lr: Double
        let updates: [Int]
        let lrs: [Double]
    }
    struct Fixture: Decodable { let cases: [Case] }

    static let fixture = try! JSONDecoder().decode(Fixture.self, from: Fixtures.data("optim/authors_schedule.json"))
    static var caseNames: [String] { fixture.cases.map(\.name) }

    /// fairseq's polynomial_decay (power 1) and the RAdam authors' linear_schedule.py, as their
    /// trainer drives them (step_update(k − 1) before update k): scripts/reference/make_authors_schedule_fixture.py.
    @Test(arguments: caseNames)
    func linearScheduleMatchesFairseqAndTheAuthors(name: String) throws {
        let c = Self.fixture.cases.first { $0.name == name }!
        let s = Schedule(kind: .linear, lr: c.peak_lr, warmup: c.warmup, warmupInitLR: c.warmup_init_lr, minLR: c.end_lr, maxUpdate: c.max_update)
        #expect(s.convention == .fairseq, "new schedules take fairseq's convention")
        try s.validate()
        for (t, expected) in zip(c.updates, c.lrs) {
            let lr = s.learningRate(update: t)
            // The same formula in another operation order: Double rounding, never more.
            #expect(abs(lr - expected) <= max(1e-12 * abs(expected), 1e-18), "\(name): update \(t) at \(lr), reference \(expected)")
        }
    }

    @Test func fairseqConventionSpendsNoUpdateAtZero() {
        let decay = Schedule(kind: .linear, lr: 1e-3, maxUpdate: 100)
        #expect(decay.learningRate(update: 1) == 1e-3)
        #expect(abs(decay.learningRate(update: 100) - 1e-5) < 1e-18, "the last update runs at η/T, not 0")
        let legacy = Schedule(kind: .linear, lr: 1e-3, maxUpdate: 100, convention: .legacy)
        #expect(legacy.learningRate(update: 100) == 0)
        // The untuned warmup's ω_t counts the update itself under either convention.
        let untuned = Schedule(kind: .constant, lr: 1e-3, untunedWarmupBeta2: 0.98)
        #expect(abs(untuned.warmupFactor(update: 1) - 0.01) < 1e-15)
        // A stored schedule without a convention is a legacy one; a new one says fairseq.
        let old = try! JSONDecoder().decode(Schedule.self, from: Data(#"{"kind":"linear","lr":0.001,"maxUpdate":100}"#.utf8))
        #expect(old.convention == .legacy)
        let new = try! JSONDecoder().decode(Schedule.self, from: JSONEncoder().encode(decay))
        #expect(new.convention == .fairseq)
    }

    @Test func inverseSqrtWarmsUpLinearlyThenDecays() {
        let s = Schedule(kind: .inverseSqrt, lr: 1e-3, warmup: 4000, warmupInitLR: 1e-7, convention: .legacy)
        #expect(abs(s.learningRate(update: 1) - (1e-7 + (1e-3 - 1e-7) / 4000)) < 1e-15)
        #expect(abs(s.learningRate(update: 2000) - (1e-7 + (1e-3 - 1e-7) / 2)) < 1e-15)
        #expect(s.learningRate(update: 4000) == 1e-3)
        #expect(abs(s.learningRate(update: 16000) - 5e-4) < 1e-15)
    }

    @Test func inverseSqrtWithoutWarmup() {
        let s = Schedule(kind: .inverseSqrt, lr: 1e-3, warmup: 0, convention: .legacy)
        #expect(s.learningRate(update: 1) == 1e-3)
        #expect(abs(s.learningRate(update: 4) - 5e-4) < 1e-15)
    }

    @Test func linearWarmupThenDecayToMinimum() throws {
        let s = Schedule(kind: .linear, lr: 1e-3, warmup: 10, warmupInitLR: 0, minLR: 1e-5, maxUpdate: 110, convention: .legacy)
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
