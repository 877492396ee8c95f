import Foundation
import Optim
import Testing
import Training
import Transformer
@testable import Application

/// The study's grid and arms as values: what each arm changes, how a stored study is compared
/// with a new command line, and what is refused.
struct StudySettingsTests {
    static func settings(arms: [StudyArm] = StudyArm.allCases, lrs: [Double] = [1e-3, 2e-3], seeds: [UInt64] = [1, 2]) -> StudySettings {
        StudySettings(arms: arms, lrs: lrs, seeds: seeds, maxUpdate: 500, preset: "tiny", model: .tiny(vocabularySize: 100),
                      beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0, warmup: 200, freeze: 100, trainer: TrainerSettings(),
                      data: .init(trainSource: "a", trainTarget: "b", validSource: "c", validTarget: "d", vocabulary: "v"),
                      testSource: "e", testTarget: "f", beam: 5, averageLast: 3, threadsPerRun: 1, lossThreshold: 6)
    }

    /// Each arm differs from `adam` in exactly what it names; peak lr and decay are shared.
    @Test func everyArmChangesOnlyWhatItNames() throws {
        let s = Self.settings()
        let base = StudyArm.adam.configure(s, lr: 1e-3)
        #expect(base.optimizer.kind == .adam && base.schedule.kind == .linear && base.schedule.warmup == 0 && base.schedule.maxUpdate == 500)
        #expect(!base.model.normalizeBefore)
        for arm in StudyArm.allCases {
            let c = arm.configure(s, lr: 1e-3)
            #expect(c.schedule.lr == 1e-3 && c.schedule.kind == .linear && c.schedule.maxUpdate == 500, "\(arm)")
            var expected = base
            switch arm {
            case .adam: break
            case .adamWarmup: expected.schedule.warmup = 200
            case .adamUntuned: expected.schedule.untunedWarmupBeta2 = 0.98
            case .adam2k: expected.optimizer.adamFreeze = 100
            case .adamEps: expected.optimizer.eps = 1e-4
            case .radam: expected.optimizer.kind = .radam
            case .radamSkip: expected.optimizer.kind = .radam; expected.optimizer.radamDegenerate = .skip
            case .adamPreLN: expected.model.normalizeBefore = true
            }
            #expect(c.model == expected.model && c.optimizer == expected.optimizer && c.schedule == expected.schedule, "\(arm)")
            try c.optimizer.validate()
            try c.schedule.validate()
        }
        // The untuned warmup is 2/(1-beta2) = 100 updates long.
        #expect(abs(StudyArm.adamUntuned.configure(s, lr: 1e-3).schedule.warmupFactor(update: 50) - 0.5) < 1e-12)
    }

    @Test func cellsRunSeedBySeedAndNameTheirRuns() {
        let s = Self.settings(arms: [.adam, .radam], lrs: [1e-3, 2e-3], seeds: [7, 8])
        let cells = s.cells
        #expect(cells.count == 8)
        #expect(cells.prefix(4).allSatisfy { $0.seed == 7 })
        #expect(cells[0].runName(study: "bible") == "bible.adam.lr0.001.s7")
        #expect(cells[3].runName(study: "bible") == "bible.radam.lr0.002.s7")
        #expect(Set(cells).count == 8)
    }

    @Test func theSameSettingsAreTheSameStudy() throws {
        let s = Self.settings()
        #expect(try s.reconcile(with: s, study: "x", extend: false) == nil)
        #expect(try s.reconcile(with: s, study: "x", extend: true) == nil)
    }

    @Test func extendGrowsTheGridKeepingItsOrder() throws {
        let old = Self.settings(arms: [.adam, .radam], lrs: [1e-3], seeds: [1])
        let new = Self.settings(arms: [.radam, .adamWarmup, .adam], lrs: [2e-3, 1e-3], seeds: [1, 3])
        let grown = try #require(try new.reconcile(with: old, study: "x", extend: true))
        #expect(grown.arms == [.adam, .radam, .adamWarmup])
        #expect(grown.lrs == [1e-3, 2e-3])
        #expect(grown.seeds == [1, 3])
        #expect(throws: ApplicationError.self) { try new.reconcile(with: old, study: "x", extend: false) }
    }

    @Test func extendNeverDropsAndOtherSettingsAreAnError() throws {
        let old = Self.settings(lrs: [1e-3, 2e-3])
        let fewer = Self.settings(lrs: [1e-3])
        do { _ = try fewer.reconcile(with: old, study: "x", extend: true); Issue.record("dropping an lr was accepted") }
        catch { #expect("\(error)".contains("drops lr 0.002")) }
        var otherBeam = old
        otherBeam.beam = 4
        otherBeam.trainer.maxTokens = 512
        do { _ = try otherBeam.reconcile(with: old, study: "x", extend: true); Issue.record("a different beam was accepted") }
        catch { #expect("\(error)".contains("(beam, trainer.maxTokens)"), "\(error)") }
    }

    @Test(arguments: [
        (StudySettingsTests.settings(arms: []), "--arms is empty"),
        (StudySettingsTests.settings(lrs: []), "--lrs is empty"),
        (StudySettingsTests.settings(seeds: []), "--seeds is empty"),
        (StudySettingsTests.settings(seeds: [1, 1]), "--seeds names 1 twice"),
        (StudySettingsTests.settings(lrs: [-1e-3]), "not positive"),
    ])
    func invalidGridsAreRefused(settings: StudySettings, message: String) {
        do { try settings.validate(); Issue.record("accepted: \(message)") }
        catch { #expect("\(error)".contains(message), "\(error)") }
    }

    @Test func armNamesParseAndUnknownOnesListTheKnown() throws {
        for arm in StudyArm.allCases { #expect(try StudyArm.parse(arm.rawValue) == arm) }
        do { _ = try StudyArm.parse("adamw"); Issue.record("unknown arm accepted") }
        catch { #expect("\(error)".contains("unknown arm 'adamw'") && "\(error)".contains("radam-skip")) }
    }

    /// Three one-token targets and their three end-of-sentence tokens: p = 1/2 for EOS, 1/6 each.
    @Test func unigramEntropyCountsEndOfSentence() {
        let h = UnigramEntropy.nats(of: [[5], [6], [7]])
        #expect(abs(h - (-(0.5 * log(0.5)) - 3 * (1.0 / 6) * log(1.0 / 6))) < 1e-12)
        #expect(abs(UnigramEntropy.nats(of: [[1, 1], [1, 1]]) - (-(2.0 / 3 * log(2.0 / 3)) - 1.0 / 3 * log(1.0 / 3))) < 1e-12)
    }
}

/// The ETA of a run limited by time or epochs: what is left at this process's pace.
@Suite struct ProgressETATests {
    @Test func remainingTimeFollowsThePaceSinceTheStart() {
        // A resumed run: 20% done at the start, 40% after 60 s → 60% left at 20% per minute.
        #expect(ProgressLine.remaining(fraction: (0.2, 0.4), elapsed: 60) == 180)
        #expect(ProgressLine.remaining(fraction: (0, 0.5), elapsed: 10) == 10)
        #expect(ProgressLine.remaining(fraction: (0.3, 0.3), elapsed: 10) == nil, "no pace yet")
        #expect(ProgressLine.remaining(fraction: (0, 1), elapsed: 10) == nil, "done")
    }
}
