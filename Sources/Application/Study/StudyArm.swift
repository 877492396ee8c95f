import Optim
import Training
import Transformer

/// One arm of the warmup-vs-RAdam study (Liu et al. 2020, §3 and §5; Ma & Yarats 2021;
/// Xiong et al. 2020), as data: what its runs change against the study's shared settings
/// (model, data, batch order, seeds, peak learning rate, the linear decay to zero). A study
/// stores its arms whole, so what an arm meant when the study was planned is what its runs
/// are, whatever later versions call that name. `configure` is the only place an arm becomes
/// a run configuration; every other reader (runner, budget, results, figures, report) reads
/// these fields.
public struct StudyArm: Codable, Equatable, Hashable, Sendable {
    /// The arm's name in run names, tables and figures (e.g. `adam-warmup-200`).
    public var name: String
    /// What the arm tests, for `--help`, `show` and the report.
    public var summary: String
    public var optimizer: OptimizerKind
    /// A linear step warmup of this many updates (nil: none).
    public var warmupUpdates: Int?
    /// Ma & Yarats' untuned warmup of 2/(1 − β2) updates in this shape (nil: none).
    public var untunedWarmup: Schedule.WarmupShape?
    /// Adam-2k: updates that only accumulate v (0: none).
    public var freeze: Int
    /// Adam-2k as the authors ran it: the frozen updates come on top of the study's T, the run
    /// is T + N long, the peak rate × (T + N)/T and the decay spans T + N, so the T moving
    /// updates get exactly the baseline's rates. (False: the first study's form, N of T frozen.)
    public var freezeExtendsRun: Bool
    /// The arm's own ε (nil: the study's).
    public var eps: Double?
    /// The arm's own ε placement for Adam (nil: the study's).
    public var epsPlacement: EpsilonPlacement?
    /// RAdam's step while ρt is at or below 5 (nil: the optimizer's default, momentum SGD).
    public var radamDegenerate: RAdamDegenerate?
    public var preNorm: Bool
    /// Trains with the sources shuffled across sentences: the source-blind control.
    public var sourceBlind: Bool
    /// Runs only the first this many seeds of the study (nil: every seed).
    public var seedLimit: Int?

    public init(name: String, summary: String, optimizer: OptimizerKind, warmupUpdates: Int? = nil, untunedWarmup: Schedule.WarmupShape? = nil,
                freeze: Int = 0, freezeExtendsRun: Bool = true, eps: Double? = nil, epsPlacement: EpsilonPlacement? = nil,
                radamDegenerate: RAdamDegenerate? = nil, preNorm: Bool = false, sourceBlind: Bool = false, seedLimit: Int? = nil) {
        self.name = name; self.summary = summary; self.optimizer = optimizer; self.warmupUpdates = warmupUpdates
        self.untunedWarmup = untunedWarmup; self.freeze = freeze; self.freezeExtendsRun = freezeExtendsRun; self.eps = eps
        self.epsPlacement = epsPlacement; self.radamDegenerate = radamDegenerate; self.preNorm = preNorm; self.sourceBlind = sourceBlind
        self.seedLimit = seedLimit
    }

    /// The ε of Adam-eps (the paper's §3.2 value).
    public static let largeEpsilon = 1e-4

    /// Whether the arm trains with Adam's or RAdam's adaptive rate and no warmup of any kind:
    /// the arms whose early updates carry the full variance (figures mark them).
    public var hasWarmup: Bool { warmupUpdates != nil || untunedWarmup != nil }

    /// Updates a run of this arm takes in a study of `studyUpdates` (T): T + N for Adam-2k.
    public func updates(studyUpdates: Int) -> Int { studyUpdates + (freezeExtendsRun ? freeze : 0) }

    /// The run configuration of this arm at one learning rate.
    public func configure(_ s: StudySettings, lr: Double) -> (model: TransformerConfig, optimizer: OptimizerConfig, schedule: Schedule, trainer: TrainerSettings) {
        var model = s.model
        if preNorm { model.normalizeBefore = true }
        var o = OptimizerConfig(kind: optimizer)
        o.beta1 = s.beta1
        o.beta2 = s.beta2
        o.eps = eps ?? s.eps
        o.weightDecay = s.weightDecay
        if optimizer == .adam { o.epsPlacement = epsPlacement ?? s.epsPlacement }
        if let radamDegenerate { o.radamDegenerate = radamDegenerate }
        let total = updates(studyUpdates: s.maxUpdate)
        if freeze > 0 {
            o.adamFreeze = freeze
            o.adamFreezeRescaleLR = freezeExtendsRun
        }
        var schedule = Schedule(kind: .linear, lr: lr * o.learningRateScale(maxUpdate: total), warmup: warmupUpdates ?? 0, maxUpdate: total,
                                convention: s.lrConvention)
        if let untunedWarmup {
            schedule.untunedWarmupBeta2 = s.beta2
            schedule.warmupShape = untunedWarmup
        }
        var trainer = s.trainer
        trainer.maxUpdate = total
        if sourceBlind { trainer.sourceBlind = true }
        return (model, o, schedule, trainer)
    }
}

/// The arms a study can name, and how `--arms` names them.
public enum StudyArmCatalog {
    /// Names `--arms` takes; `adam-warmup` and `adam-preln-warmup` stand for one arm per
    /// `--warmups` length (`adam-warmup-200`, …).
    public static let names = ["adam", "adam-warmup", "adam-untuned", "adam-untuned-exp", "adam-2k", "adam-eps", "adam-eps-torch",
                               "radam", "radam-skip", "adam-preln", "adam-preln-warmup", "control"]

    /// The arms of a new study, for its step-warmup lengths and Adam-2k's freeze.
    public static func arms(named requested: [String], warmups: [Int], freeze: Int) throws -> [StudyArm] {
        var arms: [StudyArm] = []
        for name in requested {
            let expanded = try expand(name, warmups: warmups, freeze: freeze)
            for arm in expanded where !arms.contains(where: { $0.name == arm.name }) { arms.append(arm) }
        }
        return arms
    }

    static func expand(_ name: String, warmups: [Int], freeze: Int) throws -> [StudyArm] {
        let baselineWarmup = warmups.first ?? 0
        switch name {
        case "adam":
            return [StudyArm(name: name, summary: "Adam, no warmup (the failure warmup is meant to fix)", optimizer: .adam)]
        case "adam-warmup":
            return warmups.map(warmupArm)
        case "adam-untuned":
            return [StudyArm(name: name, summary: "Adam with Ma & Yarats' untuned linear warmup, ω_t = min(1, t(1−β2)/2)", optimizer: .adam,
                             untunedWarmup: .linear)]
        case "adam-untuned-exp":
            return [StudyArm(name: name, summary: "Adam with Ma & Yarats' untuned exponential warmup, ω_t = 1 − exp(−(1−β2)t)", optimizer: .adam,
                             untunedWarmup: .exponential)]
        case "adam-2k":
            return [StudyArm(name: name, summary: "Adam-2k as the authors ran it: \(freeze) updates that only accumulate v, then the baseline's T "
                             + "moving updates (T+\(freeze) in all, peak × (T+\(freeze))/T)", optimizer: .adam, freeze: freeze)]
        case "adam-eps":
            return [StudyArm(name: name, summary: "Adam-eps: ε = 1e-4 added to √v before bias correction (adam2.py, fairseq), no warmup",
                             optimizer: .adam, eps: StudyArm.largeEpsilon, epsPlacement: .inside)]
        case "adam-eps-torch":
            return [StudyArm(name: name, summary: "Adam, ε = 1e-4 added after bias correction (torch), no warmup", optimizer: .adam,
                             eps: StudyArm.largeEpsilon, epsPlacement: .torch)]
        case "radam":
            return [StudyArm(name: name, summary: "RAdam as the authors' NMT code (nmt/my_module/radam.py): momentum SGD while ρ_t ≤ 5, no warmup",
                             optimizer: .radam, radamDegenerate: .sgd)]
        case "radam-skip":
            return [StudyArm(name: name, summary: "RAdam as radam/radam.py's default: no update while ρ_t < 5, no warmup", optimizer: .radam,
                             radamDegenerate: .skip)]
        case "adam-preln":
            return [StudyArm(name: name, summary: "Adam, no warmup, pre-LN Transformer (Xiong et al.)", optimizer: .adam, preNorm: true)]
        case "adam-preln-warmup":
            return warmups.map { w in
                StudyArm(name: "adam-preln-warmup-\(w)", summary: "Adam with a linear warmup of \(w) updates, pre-LN Transformer", optimizer: .adam,
                         warmupUpdates: w, preNorm: true)
            }
        case "control":
            return [StudyArm(name: name, summary: "source-blind control: adam-warmup-\(baselineWarmup) trained with sources shuffled across sentences "
                             + "(first seed only); a run whose final valid loss is no better fails", optimizer: .adam,
                             warmupUpdates: baselineWarmup > 0 ? baselineWarmup : nil, sourceBlind: true, seedLimit: 1)]
        default:
            if name.hasPrefix("adam-warmup-"), let w = Int(name.dropFirst("adam-warmup-".count)), w > 0 { return [warmupArm(w)] }
            if name.hasPrefix("adam-preln-warmup-"), let w = Int(name.dropFirst("adam-preln-warmup-".count)), w > 0 {
                return try expand("adam-preln-warmup", warmups: [w], freeze: freeze)
            }
            throw ApplicationError("unknown arm '\(name)'; the arms are \(names.joined(separator: ", ")) (adam-warmup-N for one warmup length)")
        }
    }

    static func warmupArm(_ w: Int) -> StudyArm {
        StudyArm(name: "adam-warmup-\(w)", summary: "Adam with a linear warmup of \(w) updates", optimizer: .adam, warmupUpdates: w)
    }

    /// The arms of a study stored before arms were data (settings version 1): the names of
    /// that version with what they meant then — adam-2k froze N of the T updates without
    /// extending the run, adam-eps added ε after bias correction.
    static func legacy(_ name: String, warmup: Int, freeze: Int) throws -> StudyArm {
        switch name {
        case "adam": return StudyArm(name: name, summary: "Adam, no warmup", optimizer: .adam)
        case "adam-warmup": return StudyArm(name: name, summary: "Adam with a linear warmup of \(warmup) updates", optimizer: .adam, warmupUpdates: warmup)
        case "adam-untuned": return StudyArm(name: name, summary: "Adam with Ma & Yarats' untuned linear warmup", optimizer: .adam, untunedWarmup: .linear)
        case "adam-2k":
            return StudyArm(name: name, summary: "Adam, the first \(freeze) of the run's updates only accumulate v (run not extended)", optimizer: .adam,
                            freeze: freeze, freezeExtendsRun: false)
        case "adam-eps": return StudyArm(name: name, summary: "Adam, ε = 1e-4 added after bias correction", optimizer: .adam, eps: StudyArm.largeEpsilon)
        case "radam": return StudyArm(name: name, summary: "RAdam, momentum SGD while ρ_t ≤ 5 (the authors' NMT variant)", optimizer: .radam)
        case "radam-skip": return StudyArm(name: name, summary: "RAdam, no update while ρ_t < 5 (radam.py's default)", optimizer: .radam, radamDegenerate: .skip)
        case "adam-preln": return StudyArm(name: name, summary: "Adam, no warmup, pre-LN", optimizer: .adam, preNorm: true)
        default: throw ApplicationError("a stored study names an arm '\(name)' this version does not know")
        }
    }

    /// `--help`'s list of arms: each name, then its summary wrapped to 80 columns under itself
    /// (ArgumentParser would re-wrap a longer line and break the columns).
    public static func help(warmups: [Int], freeze: Int) -> String {
        names.compactMap { name -> String? in
            guard let arm = try? expand(name, warmups: [warmups.first ?? 0], freeze: freeze).first else { return nil }
            let indent = String(repeating: " ", count: 21)
            var lines: [String] = [], line = ""
            for word in arm.summary.split(separator: " ") {
                if !line.isEmpty && indent.count + line.count + 1 + word.count > 80 { lines.append(line); line = "" }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(line)
            return "\n  \(name.padding(toLength: 18, withPad: " ", startingAt: 0)) " + lines.joined(separator: "\n" + indent)
        }.joined()
    }
}
