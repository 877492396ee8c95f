import Foundation
import Optim
import Testing
import Training
import Transformer
@testable import Application

/// The study's grid and arms as values: what each arm changes, how a stored study is compared
/// with a new command line, and what is refused.
struct StudySettingsTests {
    static func arms(_ names: [String] = StudyArmCatalog.names, warmups: [Int] = [200]) -> [StudyArm] {
        try! StudyArmCatalog.arms(named: names, warmups: warmups, freeze: 100)
    }

    static func settings(arms: [StudyArm] = arms(), lrs: [Double] = [1e-3, 2e-3], seeds: [UInt64] = [1, 2]) -> StudySettings {
        StudySettings(arms: arms, lrs: lrs, seeds: seeds, maxUpdate: 500, preset: "tiny", model: .tiny(vocabularySize: 100),
                      beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 1e-4, trainer: TrainerSettings(),
                      data: .init(trainSource: "a", trainTarget: "b", validSource: "c", validTarget: "d", vocabulary: "v"),
                      testSource: "e", testTarget: "f", beam: 5, averageLast: 3, threadsPerRun: 1, lossThreshold: 6,
                      baseline: arms.contains { $0.name == "adam-warmup-200" } ? "adam-warmup-200" : nil)
    }

    /// Each arm differs from `adam` in exactly what it names; peak lr (but for Adam-2k's
    /// rescale) and decay are shared, and every Adam arm adds ε inside as fairseq does.
    @Test func everyArmChangesOnlyWhatItNames() throws {
        let s = Self.settings()
        let base = try #require(s.arm(named: "adam")).configure(s, lr: 1e-3)
        #expect(base.optimizer.kind == .adam && base.schedule.kind == .linear && base.schedule.warmup == 0 && base.schedule.maxUpdate == 500)
        #expect(base.optimizer.epsPlacement == .inside && base.schedule.convention == .fairseq && base.trainer.maxUpdate == 500)
        #expect(!base.model.normalizeBefore)
        for arm in s.arms {
            let c = arm.configure(s, lr: 1e-3)
            var expected = base
            switch arm.name {
            case "adam": break
            case "adam-warmup-200": expected.schedule.warmup = 200
            case "adam-untuned": expected.schedule.untunedWarmupBeta2 = 0.98
            case "adam-untuned-exp": expected.schedule.untunedWarmupBeta2 = 0.98; expected.schedule.warmupShape = .exponential
            case "adam-2k":
                // The authors' Adam-2k: 100 frozen updates on top of the 500, peak × 600/500,
                // the decay over all 600: the moving updates get the baseline's rates.
                expected.optimizer.adamFreeze = 100
                expected.optimizer.adamFreezeRescaleLR = true
                expected.schedule.lr = 1e-3 * 600 / 500
                expected.schedule.maxUpdate = 600
                expected.trainer.maxUpdate = 600
                for j in [1, 2, 250, 500] {
                    #expect(abs(c.schedule.learningRate(update: 100 + j) - base.schedule.learningRate(update: j)) < 1e-15, "moving update \(j)")
                }
            case "adam-eps": expected.optimizer.eps = 1e-4
            case "adam-eps-torch": expected.optimizer.eps = 1e-4; expected.optimizer.epsPlacement = .torch
            case "radam": expected.optimizer.kind = .radam; expected.optimizer.epsPlacement = nil
            case "radam-skip": expected.optimizer.kind = .radam; expected.optimizer.epsPlacement = nil; expected.optimizer.radamDegenerate = .skip
            case "adam-preln": expected.model.normalizeBefore = true
            case "adam-preln-warmup-200": expected.model.normalizeBefore = true; expected.schedule.warmup = 200
            case "control": expected.schedule.warmup = 200; expected.trainer.sourceBlind = true
            default: Issue.record("untested arm \(arm.name)")
            }
            #expect(c.model == expected.model && c.optimizer == expected.optimizer && c.schedule == expected.schedule && c.trainer == expected.trainer,
                    "\(arm.name)")
            try c.optimizer.validate()
            try c.schedule.validate()
        }
        // The untuned warmup is 2/(1-beta2) = 100 updates long.
        #expect(abs(try #require(s.arm(named: "adam-untuned")).configure(s, lr: 1e-3).schedule.warmupFactor(update: 50) - 0.5) < 1e-12)
    }

    @Test func cellsRunSeedBySeedAndNameTheirRuns() {
        let s = Self.settings(arms: Self.arms(["adam", "radam", "control"]), lrs: [1e-3, 2e-3], seeds: [7, 8])
        let cells = s.cells
        // The control runs on the first seed only.
        #expect(cells.count == 10)
        #expect(cells.prefix(6).allSatisfy { $0.seed == 7 })
        #expect(cells.filter { $0.arm.name == "control" }.map(\.seed) == [7, 7])
        #expect(cells[0].runName(study: "bible") == "bible.adam.lr0.001.s7")
        #expect(cells[4].runName(study: "bible") == "bible.radam.lr0.002.s7")
        #expect(Set(cells).count == 10)
        #expect(s.totalUpdates == 10 * 500)
    }

    @Test func shardsSplitTheCellsWithoutOverlap() throws {
        let s = Self.settings(arms: Self.arms(["adam", "adam-warmup", "radam", "control"]), seeds: [1, 2, 3])
        for n in [1, 2, 3, 7] {
            let parts = try (1...n).map { try StudyShard(parsing: "\($0)/\(n)").cells(of: s) }
            #expect(parts.flatMap { $0 }.count == s.cells.count)
            #expect(Set(parts.flatMap { $0 }) == Set(s.cells))
            #expect(parts.map(\.count).max()! - parts.map(\.count).min()! <= 1, "balanced")
        }
        for bad in ["3/2", "0/0", "0/3", "1", "a/b", "2/-1", "/"] {
            #expect(throws: ApplicationError.self, "\(bad)") { try StudyShard(parsing: bad) }
        }
    }

    @Test func theSameSettingsAreTheSameStudy() throws {
        let s = Self.settings()
        #expect(try s.reconcile(with: s, study: "x", extend: false) == nil)
        #expect(try s.reconcile(with: s, study: "x", extend: true) == nil)
        let decoded = try StudySettings.decode(try s.json(), study: "x")
        #expect(decoded == s)
    }

    @Test func extendGrowsTheGridKeepingItsOrder() throws {
        let old = Self.settings(arms: Self.arms(["adam", "radam"]), lrs: [1e-3], seeds: [1])
        var new = Self.settings(arms: Self.arms(["radam", "adam-warmup", "adam"]), lrs: [2e-3, 1e-3], seeds: [1, 3])
        new.baseline = nil  // the old study has none; a new baseline would be another design
        let grown = try #require(try new.reconcile(with: old, study: "x", extend: true))
        #expect(grown.arms.map(\.name) == ["adam", "radam", "adam-warmup-200"])
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
        (StudySettingsTests.settings(arms: StudySettingsTests.arms(["adam-warmup"], warmups: [600])), "its warmup (600) must be shorter than --max-update (500)"),
    ])
    func invalidGridsAreRefused(settings: StudySettings, message: String) {
        do { try settings.validate(); Issue.record("accepted: \(message)") }
        catch { #expect("\(error)".contains(message), "\(error)") }
    }

    @Test func armNamesExpandAndUnknownOnesListTheKnown() throws {
        #expect(Self.arms(["adam-warmup"], warmups: [100, 400]).map(\.name) == ["adam-warmup-100", "adam-warmup-400"])
        #expect(Self.arms(["adam-warmup-300"]).map(\.name) == ["adam-warmup-300"])
        #expect(Self.arms(["adam-preln-warmup"], warmups: [50]).map(\.name) == ["adam-preln-warmup-50"])
        do { _ = try StudyArmCatalog.arms(named: ["adamw"], warmups: [200], freeze: 100); Issue.record("unknown arm accepted") }
        catch { #expect("\(error)".contains("unknown arm 'adamw'") && "\(error)".contains("radam-skip")) }
    }

    /// A study stored by the first version (arms by name, warmup and freeze beside them)
    /// decodes to the arms as they were: adam-2k not extended, adam-eps with torch's ε
    /// placement, the legacy schedule convention, and both checkpoints evaluated.
    @Test func versionOneStudiesDecodeToTheirOldArms() throws {
        var json = try JSONSerialization.jsonObject(with: Data(try Self.settings().json().utf8)) as! [String: Any]
        json["version"] = nil
        json["arms"] = ["adam", "adam-warmup", "adam-2k", "adam-eps", "radam-skip"]
        json["warmup"] = 200
        json["freeze"] = 100
        for key in ["lrConvention", "evaluate", "baseline", "design", "keepCheckpoints", "epsPlacement"] { json[key] = nil }
        let old = try StudySettings.decode(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self), study: "old")
        #expect(old.version == 1 && old.lrConvention == .legacy && old.evaluate == ["last", "avg"] && old.baseline == "adam-warmup")
        let twoK = try #require(old.arm(named: "adam-2k")).configure(old, lr: 1e-3)
        #expect(twoK.schedule.maxUpdate == 500 && twoK.schedule.lr == 1e-3 && twoK.optimizer.adamFreeze == 100 && !twoK.optimizer.adamFreezeRescaleLR)
        let eps = try #require(old.arm(named: "adam-eps")).configure(old, lr: 1e-3)
        #expect(eps.optimizer.eps == 1e-4 && eps.optimizer.adamEpsPlacement == .torch && eps.schedule.convention == .legacy)
        #expect(try #require(old.arm(named: "adam-warmup")).warmupUpdates == 200)
        // It can be read, not run further.
        do { _ = try Self.settings().reconcile(with: old, study: "old", extend: true); Issue.record("a version-1 study was extended") }
        catch { #expect("\(error)".contains("earlier nmt")) }
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
    /// A study's ETA counts the evaluations still to come beside the updates: 100 of 200
    /// updates in 50 s leaves 50 s of training, plus 30 s of evaluations.
    @Test func theETACountsWhatTheCountDoesNotMeasure() {
        let line = ProgressLine("study s", total: 200, unit: "updates", quiet: true)
        #expect(line.text(100, elapsed: 50).contains("ETA 50s"), "\(line.text(100, elapsed: 50))")
        #expect(line.text(100, elapsed: 50, otherSeconds: 30).contains("ETA 1m20s"), "\(line.text(100, elapsed: 50, otherSeconds: 30))")
        #expect(line.text(200, elapsed: 50, otherSeconds: 30).contains("ETA 30s"), "training done, evaluations left")
    }

    @Test func remainingTimeFollowsThePaceSinceTheStart() {
        // A resumed run: 20% done at the start, 40% after 60 s → 60% left at 20% per minute.
        #expect(ProgressLine.remaining(fraction: (0.2, 0.4), elapsed: 60) == 180)
        #expect(ProgressLine.remaining(fraction: (0, 0.5), elapsed: 10) == 10)
        #expect(ProgressLine.remaining(fraction: (0.3, 0.3), elapsed: 10) == nil, "no pace yet")
        #expect(ProgressLine.remaining(fraction: (0, 1), elapsed: 10) == nil, "done")
    }
}
