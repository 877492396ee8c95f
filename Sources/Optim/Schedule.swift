#if canImport(Glibc)
import Glibc
#endif

/// Learning-rate schedules, as a pure function of the 1-based update number `t` (the update
/// about to be taken), so a resumed run needs no schedule state beyond the update counter.
///
/// The formulas below are written in k, the position on the schedule. With the `fairseq`
/// convention (every new run) k = t − 1, the number of updates already taken: fairseq sets the
/// rate with `step_update(num_updates)` after each update (and `step_update(0)` before the
/// first), so update t uses the rate of t − 1, and so do the RAdam authors' recipes. A linear
/// decay to 0 at T then spends its last update at η/T, not at 0, and a step warmup's first
/// update runs at the initial rate. Runs stored before the convention existed (`legacy`) used
/// k = t and resume with it.
///
/// - constant:     η
/// - inverse-sqrt: linear warmup from `warmupInitLR` to η over `warmup` updates, then
///                 η·√(warmup / t) (Vaswani et al. 2017; fairseq's inverse_sqrt). Without
///                 warmup: η/√t.
/// - linear:       linear warmup as above, then linear decay from η to `minLR` at `maxUpdate`
///                 (the RAdam authors' NMT recipe).
///
/// Warmup reaches η exactly at update `warmup`: update t of the warmup uses
/// warmupInitLR + (η − warmupInitLR)·t/warmup, so no update is spent at the initial rate.
///
/// Untuned warmup (Ma & Yarats, AAAI 2021), `untunedWarmupBeta2` set: the rate is
/// ωt · base(t), with ωt = min(1, t·(1 − β2)/2) (linear, over 2/(1 − β2) updates) or
/// 1 − exp(−(1 − β2)·t) (exponential), and base(t) the schedule without warmup: η (constant),
/// η·min(1, √(W/t)) with W = 2/(1 − β2) (inverse-sqrt), or the linear decay from η at t = 0
/// to `minLR` at `maxUpdate` (linear). It composes with any optimizer.
public struct Schedule: Codable, Equatable, Sendable {
    public enum WarmupShape: String, Codable, CaseIterable, Sendable {
        case linear, exponential
    }

    /// Which position on the schedule update t takes (see the type's comment).
    public enum StepConvention: String, Codable, CaseIterable, Sendable {
        /// k = t − 1: fairseq's and the RAdam authors' (the default of every new run).
        case fairseq
        /// k = t: nmt's first versions (runs stored without a convention).
        case legacy
    }

    public enum Kind: String, Codable, CaseIterable, Sendable {
        case constant
        case inverseSqrt = "inverse-sqrt"
        case linear
    }

    public var kind: Kind
    public var lr: Double
    public var warmup: Int = 0
    public var warmupInitLR: Double = 0
    public var minLR: Double = 0
    public var maxUpdate: Int = 0
    /// β2 of the optimizer when the warmup is Ma & Yarats' untuned one; nil = `warmup` updates.
    public var untunedWarmupBeta2: Double?
    public var warmupShape: WarmupShape = .linear
    public var convention: StepConvention = .fairseq

    public init(kind: Kind, lr: Double, warmup: Int = 0, warmupInitLR: Double = 0, minLR: Double = 0, maxUpdate: Int = 0,
                untunedWarmupBeta2: Double? = nil, warmupShape: WarmupShape = .linear, convention: StepConvention = .fairseq) {
        self.kind = kind
        self.lr = lr
        self.warmup = warmup
        self.warmupInitLR = warmupInitLR
        self.minLR = minLR
        self.maxUpdate = maxUpdate
        self.untunedWarmupBeta2 = untunedWarmupBeta2
        self.warmupShape = warmupShape
        self.convention = convention
    }

    enum CodingKeys: String, CodingKey {
        case kind, lr, warmup, warmupInitLR, minLR, maxUpdate, untunedWarmupBeta2, warmupShape, convention
    }

    /// Older stored schedules lack the untuned-warmup keys and the convention: absent means the
    /// old behaviour (`legacy` indexing).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        lr = try c.decode(Double.self, forKey: .lr)
        warmup = try c.decodeIfPresent(Int.self, forKey: .warmup) ?? 0
        warmupInitLR = try c.decodeIfPresent(Double.self, forKey: .warmupInitLR) ?? 0
        minLR = try c.decodeIfPresent(Double.self, forKey: .minLR) ?? 0
        maxUpdate = try c.decodeIfPresent(Int.self, forKey: .maxUpdate) ?? 0
        untunedWarmupBeta2 = try c.decodeIfPresent(Double.self, forKey: .untunedWarmupBeta2)
        warmupShape = try c.decodeIfPresent(WarmupShape.self, forKey: .warmupShape) ?? .linear
        convention = try c.decodeIfPresent(StepConvention.self, forKey: .convention) ?? .legacy
    }

    /// The position on the schedule of update `t` (1-based): t − 1 or t.
    public func position(update t: Int) -> Int {
        precondition(t >= 1, "updates are counted from 1")
        return convention == .fairseq ? t - 1 : t
    }

    /// The length of the untuned warmup, 2/(1 − β2) updates (nil without untuned warmup).
    public var untunedWarmupLength: Double? { untunedWarmupBeta2.map { 2 / (1 - $0) } }

    public func validate() throws {
        // Finite too: an infinite rate would train on garbage (and cannot be stored as JSON).
        if !(lr > 0 && lr.isFinite) { throw OptimError.invalidSetting("learning rate must be positive, got \(lr)") }
        if warmup < 0 { throw OptimError.invalidSetting("warmup must be non-negative, got \(warmup)") }
        if warmupInitLR < 0 || warmupInitLR > lr { throw OptimError.invalidSetting("warmup-init-lr must be in [0, lr], got \(warmupInitLR)") }
        if let b2 = untunedWarmupBeta2 {
            if !(b2 > 0 && b2 < 1) { throw OptimError.invalidSetting("untuned warmup needs beta2 in (0, 1), got \(b2)") }
            if warmup != 0 { throw OptimError.invalidSetting("--warmup untuned sets the warmup length itself (2/(1-beta2)); drop the explicit length \(warmup)") }
            if warmupInitLR != 0 { throw OptimError.invalidSetting("--warmup-init-lr does not apply to --warmup untuned (it starts from ω1·lr)") }
        } else if warmupShape != .linear {
            throw OptimError.invalidSetting("--warmup-shape \(warmupShape.rawValue) applies to --warmup untuned only")
        }
        if kind == .linear {
            if maxUpdate <= warmup { throw OptimError.invalidSetting("the linear schedule needs --max-update (\(maxUpdate)) greater than --warmup (\(warmup))") }
            if minLR < 0 || minLR > lr { throw OptimError.invalidSetting("min-lr must be in [0, lr], got \(minLR)") }
        }
    }

    /// The warmup factor ωt of update `t`: the share of the base schedule's rate it uses
    /// (1 after warmup, and for a schedule without warmup), so an Adam run's ωt and a RAdam
    /// run's rt can be drawn on one axis.
    ///
    /// The untuned warmup's ωt counts the update itself (t, 1-based) under either convention:
    /// Ma & Yarats define it so, and pytorch_warmup's first update uses ω1, not ω0 = 0.
    public func warmupFactor(update t: Int) -> Double {
        let k = position(update: t)
        if let b2 = untunedWarmupBeta2 {
            switch warmupShape {
            case .linear: return min(1, Double(t) * (1 - b2) / 2)
            case .exponential: return 1 - exp(-(1 - b2) * Double(t))
            }
        }
        if kind != .constant, warmup > 0, k <= warmup {
            let start = warmupInitLR / lr
            return start + (1 - start) * Double(k) / Double(warmup)
        }
        return 1
    }

    /// Learning rate for update `t` (1-based).
    public func learningRate(update t: Int) -> Double {
        let k = position(update: t)
        if let length = untunedWarmupLength {
            let base: Double
            switch kind {
            case .constant: base = lr
            case .inverseSqrt: base = lr * min(1, (length / Double(max(k, 1))).squareRoot())
            case .linear: base = lr + (minLR - lr) * min(1, Double(k) / Double(maxUpdate))
            }
            return warmupFactor(update: t) * base
        }
        if kind != .constant, warmup > 0, k <= warmup {
            return warmupInitLR + (lr - warmupInitLR) * Double(k) / Double(warmup)
        }
        switch kind {
        case .constant:
            return lr
        case .inverseSqrt:
            return lr * (Double(max(warmup, 1)) / Double(max(k, 1))).squareRoot()
        case .linear:
            let progress = Double(k - warmup) / Double(maxUpdate - warmup)
            return lr + (minLR - lr) * min(1, progress)
        }
    }
}
