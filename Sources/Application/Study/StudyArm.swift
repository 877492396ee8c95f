import Optim
import Training
import Transformer

/// The arms of the warmup-vs-RAdam study (Liu et al. 2020, §3 and §5; Ma & Yarats 2021). Each
/// arm changes one thing against `adam` (Adam, post-LN, no warmup); everything else — model,
/// data, batch order, seeds, peak learning rate, the linear decay to zero — is the study's.
public enum StudyArm: String, CaseIterable, Codable, Sendable {
    case adam
    case adamWarmup = "adam-warmup"
    case adamUntuned = "adam-untuned"
    case adam2k = "adam-2k"
    case adamEps = "adam-eps"
    case radam
    case radamSkip = "radam-skip"
    case adamPreLN = "adam-preln"

    /// What the arm tests, for `nmt study --help`, `show` and the report.
    public var summary: String {
        switch self {
        case .adam: return "Adam, no warmup (the failure warmup is meant to fix)"
        case .adamWarmup: return "Adam with the study's tuned linear warmup"
        case .adamUntuned: return "Adam with Ma & Yarats' untuned warmup, omega_t = min(1, t(1-b2)/2)"
        case .adam2k: return "Adam-2k: the first N updates only accumulate v (parameters frozen)"
        case .adamEps: return "Adam-eps: epsilon 1e-4 bounds the adaptive rate"
        case .radam: return "RAdam, no warmup; momentum SGD while rho_t <= 5 (torch)"
        case .radamSkip: return "RAdam, no warmup; no update while rho_t < 5 (the authors' code)"
        case .adamPreLN: return "Adam, no warmup, pre-LN Transformer (the control)"
        }
    }

    /// The ε of Adam-eps (the paper's §3.2 value).
    public static let largeEpsilon = 1e-4

    public static func parse(_ text: String) throws -> StudyArm {
        guard let arm = StudyArm(rawValue: text) else {
            throw ApplicationError("unknown arm '\(text)'; the arms are \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return arm
    }

    /// The run configuration of this arm at one learning rate and seed.
    func configure(_ s: StudySettings, lr: Double) -> (model: TransformerConfig, optimizer: OptimizerConfig, schedule: Schedule) {
        var model = s.model
        var o = OptimizerConfig(kind: self == .radam || self == .radamSkip ? .radam : .adam)
        o.beta1 = s.beta1
        o.beta2 = s.beta2
        o.eps = s.eps
        o.weightDecay = s.weightDecay
        var schedule = Schedule(kind: .linear, lr: lr, warmup: 0, maxUpdate: s.maxUpdate)
        switch self {
        case .adam, .radam: break
        case .adamWarmup: schedule.warmup = s.warmup
        case .adamUntuned: schedule.untunedWarmupBeta2 = s.beta2
        case .adam2k: o.adamFreeze = s.freeze
        case .adamEps: o.eps = Self.largeEpsilon
        case .radamSkip: o.radamDegenerate = .skip
        case .adamPreLN: model.normalizeBefore = true
        }
        return (model, o, schedule)
    }
}
