#if canImport(Glibc)
import Glibc
#endif

/// Learning-rate schedules, as a pure function of the 1-based update number `t` (the update
/// about to be taken), so a resumed run needs no schedule state beyond the update counter.
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
public struct Schedule: Codable, Equatable, Sendable {
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

    public init(kind: Kind, lr: Double, warmup: Int = 0, warmupInitLR: Double = 0, minLR: Double = 0, maxUpdate: Int = 0) {
        self.kind = kind
        self.lr = lr
        self.warmup = warmup
        self.warmupInitLR = warmupInitLR
        self.minLR = minLR
        self.maxUpdate = maxUpdate
    }

    public func validate() throws {
        if !(lr > 0) { throw OptimError.invalidSetting("learning rate must be positive, got \(lr)") }
        if warmup < 0 { throw OptimError.invalidSetting("warmup must be non-negative, got \(warmup)") }
        if warmupInitLR < 0 || warmupInitLR > lr { throw OptimError.invalidSetting("warmup-init-lr must be in [0, lr], got \(warmupInitLR)") }
        if kind == .linear {
            if maxUpdate <= warmup { throw OptimError.invalidSetting("the linear schedule needs --max-update (\(maxUpdate)) greater than --warmup (\(warmup))") }
            if minLR < 0 || minLR > lr { throw OptimError.invalidSetting("min-lr must be in [0, lr], got \(minLR)") }
        }
    }

    /// Learning rate for update `t` (1-based).
    public func learningRate(update t: Int) -> Double {
        precondition(t >= 1, "updates are counted from 1")
        if kind != .constant, warmup > 0, t <= warmup {
            return warmupInitLR + (lr - warmupInitLR) * Double(t) / Double(warmup)
        }
        switch kind {
        case .constant:
            return lr
        case .inverseSqrt:
            return lr * (Double(max(warmup, 1)) / Double(t)).squareRoot()
        case .linear:
            let progress = Double(t - warmup) / Double(maxUpdate - warmup)
            return lr + (minLR - lr) * min(1, progress)
        }
    }
}
