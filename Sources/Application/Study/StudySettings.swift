import Foundation
import Training
import Transformer

/// Everything a study is: its grid (arms × learning rates × seeds) and what every run of it
/// shares. Stored as JSON with the study; running the same study again compares the new
/// settings with the stored ones (`reconcile`).
public struct StudySettings: Codable, Equatable, Sendable {
    public var arms: [StudyArm]
    public var lrs: [Double]
    public var seeds: [UInt64]
    /// Updates per run; the linear decay reaches zero here.
    public var maxUpdate: Int
    public var preset: String
    /// The post-LN model every arm trains (`adam-preln` flips the norm placement only).
    public var model: TransformerConfig
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var weightDecay: Double
    /// `adam-warmup`'s linear warmup length (the "tuned" one).
    public var warmup: Int
    /// `adam-2k`'s number of updates that only accumulate the second moment.
    public var freeze: Int
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
    /// Threads of each run (fixed at creation, so a resumed run takes bit-identical updates).
    public var threadsPerRun: Int
    /// "Reached the threshold" = a logged training NLL (nats/token) at or below it; by default
    /// the entropy of the training targets' unigram distribution, i.e. the loss of a model
    /// that ignores the source and the prefix.
    public var lossThreshold: Double

    public init(arms: [StudyArm], lrs: [Double], seeds: [UInt64], maxUpdate: Int, preset: String, model: TransformerConfig,
                beta1: Double, beta2: Double, eps: Double, weightDecay: Double, warmup: Int, freeze: Int, trainer: TrainerSettings,
                data: RunConfiguration.DataFiles, testSource: String, testTarget: String, testLines: Int? = nil, beam: Int, averageLast: Int,
                threadsPerRun: Int, lossThreshold: Double = .nan) {
        self.arms = arms; self.lrs = lrs; self.seeds = seeds; self.maxUpdate = maxUpdate; self.preset = preset; self.model = model
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.warmup = warmup
        self.freeze = freeze; self.trainer = trainer; self.data = data; self.testSource = testSource; self.testTarget = testTarget; self.testLines = testLines
        self.beam = beam; self.averageLast = averageLast; self.threadsPerRun = threadsPerRun; self.lossThreshold = lossThreshold
    }

    /// The study's cells in the order they are run: seed by seed, so a study stopped half-way
    /// has every arm and learning rate for its first seeds.
    public var cells: [StudyCell] {
        seeds.flatMap { seed in lrs.flatMap { lr in arms.map { StudyCell(arm: $0, lr: lr, seed: seed) } } }
    }

    public func validate() throws {
        if arms.isEmpty { throw ApplicationError("--arms is empty: name at least one arm (\(StudyArm.allCases.map(\.rawValue).joined(separator: ", ")))") }
        if lrs.isEmpty { throw ApplicationError("--lrs is empty: give at least one learning rate") }
        if seeds.isEmpty { throw ApplicationError("--seeds is empty: give at least one seed") }
        for (name, list) in [("--arms", arms.map(\.rawValue)), ("--lrs", lrs.map { String($0) }), ("--seeds", seeds.map { String($0) })] {
            if let d = Self.firstDuplicate(list) { throw ApplicationError("\(name) names \(d) twice") }
        }
        if let bad = lrs.first(where: { !($0 > 0) || !$0.isFinite }) { throw ApplicationError("--lrs: learning rate \(bad) is not positive") }
        if maxUpdate <= 0 { throw ApplicationError("--max-update must be positive, got \(maxUpdate)") }
        if arms.contains(.adamWarmup) && warmup >= maxUpdate {
            throw ApplicationError("--warmup (\(warmup)) must be shorter than --max-update (\(maxUpdate))")
        }
        if arms.contains(.adam2k) && freeze >= maxUpdate {
            throw ApplicationError("--freeze (\(freeze)) must be shorter than --max-update (\(maxUpdate))")
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
            } catch {
                throw ApplicationError("arm \(cell.arm.rawValue) at lr \(cell.lr): \(error)")
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
        var shared = self
        shared.arms = old.arms; shared.lrs = old.lrs; shared.seeds = old.seeds
        if shared != old {
            let fields = Self.differingFields(try old.json(), try shared.json())
            throw ApplicationError("study \(study) exists with different settings (\(fields.joined(separator: ", "))); "
                + "run it with its stored settings (see `nmt study show \(study)`) or choose another name")
        }
        if self == old { return nil }
        let removed = old.arms.filter { !arms.contains($0) }.map(\.rawValue) + old.lrs.filter { !lrs.contains($0) }.map { "lr \($0)" }
            + old.seeds.filter { !seeds.contains($0) }.map { "seed \($0)" }
        guard extend else {
            throw ApplicationError("study \(study) exists with arms \(old.arms.map(\.rawValue).joined(separator: ",")), "
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
    public func runName(study: String) -> String { "\(study).\(arm.rawValue).lr\(lr).s\(seed)" }
}
