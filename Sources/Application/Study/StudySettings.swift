import Foundation
import Optim
import Training
import Transformer

/// Everything a study is: its grid (arms × learning rates × seeds), what every run of it
/// shares, and — since `nmt study plan` — its design, fixed before the first run. Stored as
/// JSON with the study; running the same study again compares the new settings with the
/// stored ones (`reconcile`).
///
/// Version 2 stores each arm whole (`StudyArm`), the schedule's step convention, Adam's ε
/// placement and the design; version 1 (stored without a version) named its arms and kept
/// adam-warmup's length and adam-2k's freeze beside them, and decodes to the arms as they were.
public struct StudySettings: Codable, Equatable, Sendable {
    public static let currentVersion = 2
    public var version: Int
    public var arms: [StudyArm]
    public var lrs: [Double]
    public var seeds: [UInt64]
    /// Updates per run (T); the linear decay reaches zero here (T + N for Adam-2k).
    public var maxUpdate: Int
    public var preset: String
    /// The post-LN model every arm trains (pre-LN arms flip the norm placement only).
    public var model: TransformerConfig
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    /// Where Adam arms add ε unless the arm says otherwise (nil: torch's placement).
    public var epsPlacement: EpsilonPlacement?
    public var weightDecay: Double
    /// Which schedule position update t takes (fairseq's in version 2, `legacy` in version 1).
    public var lrConvention: Schedule.StepConvention
    /// Batching, label smoothing, clipping, validation, logging and checkpoint cadence; the seed
    /// and update limit are set per run.
    public var trainer: TrainerSettings
    public var data: RunConfiguration.DataFiles
    public var testSource: String
    public var testTarget: String
    /// Evaluate only the first N test sentences (`--quick`); nil = the whole split.
    public var testLines: Int?
    /// Test-set decoding: beam size and how many final checkpoints are averaged.
    public var beam: Int
    public var averageLast: Int
    /// The checkpoints each finished run is evaluated with on the test split ("avg", "last").
    public var evaluate: [String]
    /// Threads of each run (fixed at creation, so a resumed run takes bit-identical updates).
    public var threadsPerRun: Int
    /// "Reached the threshold" = a logged training NLL (nats/token) at or below it; by default
    /// the entropy of the training targets' unigram distribution, i.e. the loss of a model
    /// that ignores the source and the prefix.
    public var lossThreshold: Double
    /// The arm every other arm is compared with (nil: none, as in version 1's adam-warmup).
    public var baseline: String?
    /// Endpoints, comparisons, α and margins, decided before the first run (nil in version 1).
    public var design: StudyDesign?
    /// Keep every run's checkpoints after its evaluation (default: none are kept, so a finished
    /// study holds configurations, curves, diagnostics and evaluations only).
    public var keepCheckpoints: Bool
    /// Updates at which each run's adaptive-rate variance over gradient noise is measured
    /// (`GradientNoiseAnalysis`, after the run is trained and evaluated); empty: none.
    public var gradientNoiseAt: [Int]
    /// Mini-batch gradients per gradient-noise measurement.
    public var gradientNoiseBatches: Int

    public init(arms: [StudyArm], lrs: [Double], seeds: [UInt64], maxUpdate: Int, preset: String, model: TransformerConfig,
                beta1: Double, beta2: Double, eps: Double, epsPlacement: EpsilonPlacement? = .inside, weightDecay: Double,
                lrConvention: Schedule.StepConvention = .fairseq, trainer: TrainerSettings,
                data: RunConfiguration.DataFiles, testSource: String, testTarget: String, testLines: Int? = nil, beam: Int, averageLast: Int,
                evaluate: [String] = ["avg"], threadsPerRun: Int, lossThreshold: Double = .nan, baseline: String? = nil,
                design: StudyDesign? = StudyDesign(), keepCheckpoints: Bool = false, gradientNoiseAt: [Int] = [], gradientNoiseBatches: Int = 8) {
        version = Self.currentVersion
        self.arms = arms; self.lrs = lrs; self.seeds = seeds; self.maxUpdate = maxUpdate; self.preset = preset; self.model = model
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.epsPlacement = epsPlacement; self.weightDecay = weightDecay
        self.lrConvention = lrConvention; self.trainer = trainer; self.data = data; self.testSource = testSource; self.testTarget = testTarget
        self.testLines = testLines; self.beam = beam; self.averageLast = averageLast; self.evaluate = evaluate; self.threadsPerRun = threadsPerRun
        self.lossThreshold = lossThreshold; self.baseline = baseline; self.design = design; self.keepCheckpoints = keepCheckpoints
        self.gradientNoiseAt = gradientNoiseAt; self.gradientNoiseBatches = gradientNoiseBatches
    }

    enum CodingKeys: String, CodingKey {
        case version, arms, lrs, seeds, maxUpdate, preset, model, beta1, beta2, eps, epsPlacement, weightDecay, lrConvention, trainer, data,
             testSource, testTarget, testLines, beam, averageLast, evaluate, threadsPerRun, lossThreshold, baseline, design, keepCheckpoints,
             gradientNoiseAt, gradientNoiseBatches
        case warmup, freeze
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        guard version <= Self.currentVersion else {
            throw ApplicationError("the study was planned by a newer nmt (settings version \(version); this one reads up to \(Self.currentVersion))")
        }
        if version == 1 {
            let warmup = try c.decode(Int.self, forKey: .warmup), freeze = try c.decode(Int.self, forKey: .freeze)
            arms = try c.decode([String].self, forKey: .arms).map { try StudyArmCatalog.legacy($0, warmup: warmup, freeze: freeze) }
            lrConvention = .legacy
            evaluate = ["last", "avg"]
            baseline = arms.contains { $0.name == "adam-warmup" } ? "adam-warmup" : nil
        } else {
            arms = try c.decode([StudyArm].self, forKey: .arms)
            lrConvention = try c.decode(Schedule.StepConvention.self, forKey: .lrConvention)
            evaluate = try c.decode([String].self, forKey: .evaluate)
            baseline = try c.decodeIfPresent(String.self, forKey: .baseline)
        }
        lrs = try c.decode([Double].self, forKey: .lrs)
        seeds = try c.decode([UInt64].self, forKey: .seeds)
        maxUpdate = try c.decode(Int.self, forKey: .maxUpdate)
        preset = try c.decode(String.self, forKey: .preset)
        model = try c.decode(TransformerConfig.self, forKey: .model)
        beta1 = try c.decode(Double.self, forKey: .beta1)
        beta2 = try c.decode(Double.self, forKey: .beta2)
        eps = try c.decode(Double.self, forKey: .eps)
        epsPlacement = try c.decodeIfPresent(EpsilonPlacement.self, forKey: .epsPlacement)
        weightDecay = try c.decode(Double.self, forKey: .weightDecay)
        trainer = try c.decode(TrainerSettings.self, forKey: .trainer)
        data = try c.decode(RunConfiguration.DataFiles.self, forKey: .data)
        testSource = try c.decode(String.self, forKey: .testSource)
        testTarget = try c.decode(String.self, forKey: .testTarget)
        testLines = try c.decodeIfPresent(Int.self, forKey: .testLines)
        beam = try c.decode(Int.self, forKey: .beam)
        averageLast = try c.decode(Int.self, forKey: .averageLast)
        threadsPerRun = try c.decode(Int.self, forKey: .threadsPerRun)
        // JSON has no NaN: a threshold that was never set is stored as null.
        lossThreshold = try c.decodeIfPresent(Double.self, forKey: .lossThreshold) ?? .nan
        design = try c.decodeIfPresent(StudyDesign.self, forKey: .design)
        keepCheckpoints = try c.decodeIfPresent(Bool.self, forKey: .keepCheckpoints) ?? (version == 1)
        gradientNoiseAt = try c.decodeIfPresent([Int].self, forKey: .gradientNoiseAt) ?? []
        gradientNoiseBatches = try c.decodeIfPresent(Int.self, forKey: .gradientNoiseBatches) ?? 8
    }

    /// Always written in the current version's form (a version-1 study's arms as data).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.currentVersion, forKey: .version)
        try c.encode(arms, forKey: .arms)
        try c.encode(lrs, forKey: .lrs)
        try c.encode(seeds, forKey: .seeds)
        try c.encode(maxUpdate, forKey: .maxUpdate)
        try c.encode(preset, forKey: .preset)
        try c.encode(model, forKey: .model)
        try c.encode(beta1, forKey: .beta1)
        try c.encode(beta2, forKey: .beta2)
        try c.encode(eps, forKey: .eps)
        try c.encodeIfPresent(epsPlacement, forKey: .epsPlacement)
        try c.encode(weightDecay, forKey: .weightDecay)
        try c.encode(lrConvention, forKey: .lrConvention)
        try c.encode(trainer, forKey: .trainer)
        try c.encode(data, forKey: .data)
        try c.encode(testSource, forKey: .testSource)
        try c.encode(testTarget, forKey: .testTarget)
        try c.encodeIfPresent(testLines, forKey: .testLines)
        try c.encode(beam, forKey: .beam)
        try c.encode(averageLast, forKey: .averageLast)
        try c.encode(evaluate, forKey: .evaluate)
        try c.encode(threadsPerRun, forKey: .threadsPerRun)
        if lossThreshold.isFinite { try c.encode(lossThreshold, forKey: .lossThreshold) }
        try c.encodeIfPresent(baseline, forKey: .baseline)
        try c.encodeIfPresent(design, forKey: .design)
        try c.encode(keepCheckpoints, forKey: .keepCheckpoints)
        if !gradientNoiseAt.isEmpty {
            try c.encode(gradientNoiseAt, forKey: .gradientNoiseAt)
            try c.encode(gradientNoiseBatches, forKey: .gradientNoiseBatches)
        }
    }

    /// The settings with every file found where it now is (`StoredPath`): a stored plan run
    /// from another directory than the one it was planned in.
    public func resolvingPaths(database: String) throws -> StudySettings {
        var s = self
        func find(_ path: String, _ what: String, _ flag: String) throws -> String {
            try StoredPath.resolve(path, database: database, what: "study's \(what)", flag: flag)
        }
        s.data.trainSource = try find(data.trainSource, "training source", "--src")
        s.data.trainTarget = try find(data.trainTarget, "training target", "--tgt")
        s.data.validSource = try find(data.validSource, "valid source", "--valid-src")
        s.data.validTarget = try find(data.validTarget, "valid target", "--valid-tgt")
        s.data.vocabulary = try find(data.vocabulary, "vocabulary", "--vocab")
        s.testSource = try find(testSource, "test source", "--test-src")
        s.testTarget = try find(testTarget, "test references", "--test-tgt")
        return s
    }

    /// The arm named `name`.
    public func arm(named name: String) -> StudyArm? { arms.first { $0.name == name } }

    /// The source-blind control, if the study has one.
    public var control: StudyArm? { arms.first(where: \.sourceBlind) }

    /// The longest step warmup of any arm (0: none), which the report's zoomed plots span.
    public var longestWarmup: Int { arms.compactMap(\.warmupUpdates).max() ?? 0 }

    /// Updates of every cell, frozen ones included: what the study trains in all.
    public var totalUpdates: Int { cells.reduce(0) { $0 + $1.arm.updates(studyUpdates: maxUpdate) } }

    /// The study's cells in the order they are run: seed by seed, so a study stopped half-way
    /// has every arm and learning rate for its first seeds.
    public var cells: [StudyCell] {
        seeds.enumerated().flatMap { index, seed in
            lrs.flatMap { lr in arms.filter { index < ($0.seedLimit ?? .max) }.map { StudyCell(arm: $0, lr: lr, seed: seed) } }
        }
    }

    public func validate() throws {
        if arms.isEmpty { throw ApplicationError("--arms is empty: name at least one arm (\(StudyArmCatalog.names.joined(separator: ", ")))") }
        if lrs.isEmpty { throw ApplicationError("--lrs is empty: give at least one learning rate") }
        if seeds.isEmpty { throw ApplicationError("--seeds is empty: give at least one seed") }
        for (name, list) in [("--arms", arms.map(\.name)), ("--lrs", lrs.map { String($0) }), ("--seeds", seeds.map { String($0) })] {
            if let d = Self.firstDuplicate(list) { throw ApplicationError("\(name) names \(d) twice") }
        }
        if let bad = lrs.first(where: { !($0 > 0) || !$0.isFinite }) { throw ApplicationError("--lrs: learning rate \(bad) is not positive") }
        if maxUpdate <= 0 { throw ApplicationError("--max-update must be positive, got \(maxUpdate)") }
        for arm in arms {
            if let w = arm.warmupUpdates, w >= maxUpdate {
                throw ApplicationError("arm \(arm.name): its warmup (\(w)) must be shorter than --max-update (\(maxUpdate))")
            }
            if arm.freeze > 0 && !arm.freezeExtendsRun && arm.freeze >= maxUpdate {
                throw ApplicationError("arm \(arm.name): --freeze (\(arm.freeze)) must be shorter than --max-update (\(maxUpdate))")
            }
        }
        if let baseline, arm(named: baseline) == nil {
            throw ApplicationError("--baseline \(baseline) is not one of the study's arms (\(arms.map(\.name).joined(separator: ", ")))")
        }
        for selector in evaluate where selector != "avg" && selector != "last" {
            throw ApplicationError("a study evaluates the 'avg' or 'last' checkpoint, not '\(selector)'")
        }
        try design?.validate()
        if let bad = gradientNoiseAt.first(where: { $0 < 1 || $0 > maxUpdate }) {
            throw ApplicationError("--gradient-noise-at \(bad): updates are 1 to --max-update (\(maxUpdate))")
        }
        if !gradientNoiseAt.isEmpty && gradientNoiseBatches < 2 {
            throw ApplicationError("--gradient-noise-batches must be at least 2, got \(gradientNoiseBatches)")
        }
        if let n = testLines, n < 1 { throw ApplicationError("--test-lines must be at least 1, got \(n)") }
        if beam < 1 { throw ApplicationError("--beam must be at least 1, got \(beam)") }
        if averageLast < 1 { throw ApplicationError("--average-last must be at least 1, got \(averageLast)") }
        if averageLast > trainer.keepLast { throw ApplicationError("--average-last \(averageLast) needs --keep-last \(averageLast) or more (got \(trainer.keepLast))") }
        if threadsPerRun < 1 { throw ApplicationError("threads per run must be at least 1") }
        try model.validate()
        for cell in cells {
            let c = cell.arm.configure(self, lr: cell.lr)
            do {
                try c.optimizer.validate()
                try c.schedule.validate()
                try c.trainer.validate()
            } catch {
                throw ApplicationError("arm \(cell.arm.name) at lr \(cell.lr): \(error)")
            }
        }
    }

    static func firstDuplicate(_ list: [String]) -> String? {
        var seen = Set<String>()
        for x in list where !seen.insert(x).inserted { return x }
        return nil
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ json: String, study: String) throws -> StudySettings {
        do { return try JSONDecoder().decode(StudySettings.self, from: Data(json.utf8)) }
        catch { throw ApplicationError("study \(study): cannot read its stored settings: \(error)") }
    }

    /// What running a study again with `self` means for the stored `old` settings: the same
    /// study (nil), or — with `extend` — the old grid grown by new arms, lrs or seeds. Anything
    /// else is an error naming the first difference.
    public func reconcile(with old: StudySettings, study: String, extend: Bool) throws -> StudySettings? {
        if old.version < Self.currentVersion {
            throw ApplicationError("study \(study) was run by an earlier nmt (settings version \(old.version), whose adam-2k, adam-eps and "
                + "schedule differ from today's): `study show` and `study report` read it, but it cannot be run further; plan a new study")
        }
        var shared = self
        shared.arms = old.arms; shared.lrs = old.lrs; shared.seeds = old.seeds
        if shared != old {
            let fields = Self.differingFields(try old.json(), try shared.json())
            throw ApplicationError("study \(study) exists with different settings (\(fields.joined(separator: ", "))); "
                + "run it with its stored settings (see `nmt study show \(study)`) or choose another name")
        }
        if self == old { return nil }
        let removed = old.arms.filter { !arms.contains($0) }.map(\.name) + old.lrs.filter { !lrs.contains($0) }.map { "lr \($0)" }
            + old.seeds.filter { !seeds.contains($0) }.map { "seed \($0)" }
        guard extend else {
            throw ApplicationError("study \(study) exists with arms \(old.arms.map(\.name).joined(separator: ",")), "
                + "lrs \(old.lrs.map { String($0) }.joined(separator: ",")), seeds \(old.seeds.map { String($0) }.joined(separator: ",")); "
                + "give the same grid, or --extend to add to it")
        }
        guard removed.isEmpty else {
            throw ApplicationError("--extend only adds to study \(study); the new grid drops \(removed.joined(separator: ", "))")
        }
        var grown = old
        grown.arms += arms.filter { !old.arms.contains($0) }
        grown.lrs += lrs.filter { !old.lrs.contains($0) }
        grown.seeds += seeds.filter { !old.seeds.contains($0) }
        return grown
    }

    /// Top-level and nested keys whose JSON values differ, as dotted paths.
    static func differingFields(_ a: String, _ b: String) -> [String] {
        func object(_ s: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(s.utf8)) }
        func diff(_ x: Any?, _ y: Any?, _ path: String) -> [String] {
            if let dx = x as? [String: Any], let dy = y as? [String: Any] {
                return Set(dx.keys).union(dy.keys).sorted().flatMap { diff(dx[$0], dy[$0], path.isEmpty ? $0 : "\(path).\($0)") }
            }
            let same = (x as? NSObject).map { $0.isEqual(y) } ?? (y == nil)
            return same ? [] : [path]
        }
        return diff(object(a), object(b), "")
    }
}

/// One cell of the grid: an arm at a learning rate with a seed.
public struct StudyCell: Equatable, Hashable, Sendable {
    public var arm: StudyArm
    public var lr: Double
    public var seed: UInt64

    /// The run's name in the database: the study, then the cell.
    public func runName(study: String) -> String { "\(study).\(arm.name).lr\(lr).s\(seed)" }
}
