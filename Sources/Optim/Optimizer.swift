// Optimizers over one flat parameter buffer (llm.c layout: every tensor of the model is a
// view into a single Float array, gradients and moments share that layout), so each
// optimizer is one elementwise loop. Arithmetic follows torch.optim's single-tensor
// implementations operation by operation in Float32, so trajectories match its fixtures.

/// What one update did, for the metrics log (ρt and rt exist only for RAdam).
public struct StepReport: Equatable, Sendable {
    public var step: Int
    public var rhoT: Double?
    public var rectification: Double?
    /// False when RAdam took the un-adapted (momentum SGD) step or skipped the update.
    public var adaptive: Bool
    /// False when the parameters were left as they were: Adam during `adamFreeze`, RAdam
    /// with `degenerate = .skip` while ρt is below the threshold.
    public var movedParameters: Bool

    public init(step: Int, rhoT: Double?, rectification: Double?, adaptive: Bool, movedParameters: Bool = true) {
        self.step = step
        self.rhoT = rhoT
        self.rectification = rectification
        self.adaptive = adaptive
        self.movedParameters = movedParameters
    }
}

/// β2, ε, step and the second moment v of an Adam-type optimizer, lent for a measurement
/// (the adaptive-rate diagnostics).
public struct SecondMomentView {
    public var beta2: Double
    public var eps: Double
    public var step: Int
    public var v: UnsafeBufferPointer<Float>

    public init(beta2: Double, eps: Double, step: Int, v: UnsafeBufferPointer<Float>) {
        self.beta2 = beta2
        self.eps = eps
        self.step = step
        self.v = v
    }
}

public protocol Optimizer {
    /// Number of updates taken so far.
    var step: Int { get }
    /// Applies one update in place. `gradients` is read-only; `parameters` and the moments change.
    mutating func update(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, lr: Double) -> StepReport
    /// The whole state (step and moments) as bytes, for checkpoints.
    func serialized() -> [UInt8]
    /// Lends β2, ε, step and v to `body` (nil for optimizers without a second moment).
    func withSecondMoment<R>(_ body: (SecondMomentView?) -> R) -> R
}

extension Optimizer {
    public func withSecondMoment<R>(_ body: (SecondMomentView?) -> R) -> R { body(nil) }
}

extension MomentState {
    func withSecondMoment<R>(config: OptimizerConfig, _ body: (SecondMomentView?) -> R) -> R {
        moments.withUnsafeBufferPointer { all in
            body(SecondMomentView(beta2: config.beta2, eps: config.eps, step: step,
                                  v: UnsafeBufferPointer(rebasing: all[parameterCount..<(2 * parameterCount)])))
        }
    }
}

public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case adam, radam, sgd
}

/// What RAdam does while ρt is at or below the threshold (the variance of the adaptive
/// learning rate is intractable there).
public enum RAdamDegenerate: String, Codable, CaseIterable, Sendable {
    /// torch.optim.RAdam: an un-adapted momentum step θ ← θ − η·m̂ (with weight decay);
    /// rectified once ρt > threshold (strictly greater).
    case sgd
    /// The authors' radam/radam.py default since 2021 (degenerated_to_sgd=False): no parameter
    /// update and no weight decay, m and v still accumulate; rectified once ρt ≥ threshold
    /// (greater or equal, as their code tests `N_sma >= 5`).
    case skip

    /// Whether update with ρt takes the rectified step: the comparison differs between the
    /// two reference implementations, so it is spelled out here and nowhere else.
    public func rectifies(rhoT: Double, threshold: Double) -> Bool {
        switch self {
        case .sgd: return rhoT > threshold
        case .skip: return rhoT >= threshold
        }
    }
}

/// Where Adam adds ε. The two forms are the same algorithm with different ε: `inside` divides
/// by √v + ε and then scales by √(1 − β2^t), so its ε is, in torch's terms, ε/√(1 − β2^t) —
/// 7.1 ε at t = 1 for β2 = 0.98, 22 ε for β2 = 0.999 — which damps the first updates whenever
/// √v is not far above ε (small gradients, or the paper's ε = 1e-4).
public enum EpsilonPlacement: String, Codable, CaseIterable, Sendable {
    /// torch.optim.Adam/AdamW: θ ← θ − η/(1 − β1^t) · m / (√v/√(1 − β2^t) + ε).
    case torch
    /// fairseq's Adam, the RAdam authors' adam2.py and Kingma & Ba's "more efficient" form:
    /// θ ← θ − η·√(1 − β2^t)/(1 − β1^t) · m / (√v + ε). (RAdam always adds ε this way.)
    case inside
}

/// The settings of any optimizer, as stored with a run.
public struct OptimizerConfig: Codable, Equatable, Sendable {
    public var kind: OptimizerKind
    public var beta1: Double = 0.9
    public var beta2: Double = 0.98
    public var eps: Double = 1e-8
    public var weightDecay: Double = 0
    /// RAdam: the rectified (adaptive) step is taken once ρt exceeds this (5 in torch and the
    /// authors' code, 4 in the paper's algorithm box).
    public var rhoThreshold: Double = 5
    public var momentum: Double = 0.9
    /// RAdam: the step taken while ρt is below the threshold.
    public var radamDegenerate: RAdamDegenerate = .sgd
    /// Adam-2k (the authors' nmt/my_module/adam2.py): for the first `adamFreeze` updates only
    /// the second moment v accumulates; parameters, first moment and weight decay are frozen,
    /// while the step counter (and so both bias corrections) advances. 0 = off.
    public var adamFreeze: Int = 0
    /// Adam-2k: multiply the peak learning rate by M/(M − N), M = --max-update (the run's
    /// total, frozen updates included), N = adamFreeze, as the authors' recipe does (M = 72,000,
    /// N = 2,000: 3e-4 · 72/70 = 3.086e-4), so that the M − N moving updates get the rates of a
    /// run of M − N updates without the freeze. Stored in the schedule's peak rate.
    public var adamFreezeRescaleLR: Bool = false
    /// Adam: where ε is added; nil is `.torch` (kept nil rather than `.torch` so that the stored
    /// configuration of a run that does not choose stays byte-identical to older versions').
    public var epsPlacement: EpsilonPlacement? = nil

    public var adamEpsPlacement: EpsilonPlacement { epsPlacement ?? .torch }

    public init(kind: OptimizerKind) { self.kind = kind }

    enum CodingKeys: String, CodingKey {
        case kind, beta1, beta2, eps, weightDecay, rhoThreshold, momentum, radamDegenerate, adamFreeze, adamFreezeRescaleLR, epsPlacement
    }

    /// Stored configurations of older versions lack the later keys: each absent key takes the
    /// value that reproduces the old behaviour (the defaults above).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(OptimizerKind.self, forKey: .kind)
        let d = OptimizerConfig(kind: kind)
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1) ?? d.beta1
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2) ?? d.beta2
        eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? d.eps
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        rhoThreshold = try c.decodeIfPresent(Double.self, forKey: .rhoThreshold) ?? d.rhoThreshold
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? d.momentum
        radamDegenerate = try c.decodeIfPresent(RAdamDegenerate.self, forKey: .radamDegenerate) ?? d.radamDegenerate
        adamFreeze = try c.decodeIfPresent(Int.self, forKey: .adamFreeze) ?? d.adamFreeze
        adamFreezeRescaleLR = try c.decodeIfPresent(Bool.self, forKey: .adamFreezeRescaleLR) ?? d.adamFreezeRescaleLR
        epsPlacement = try c.decodeIfPresent(EpsilonPlacement.self, forKey: .epsPlacement)
    }

    /// The learning-rate multiplier of Adam-2k's rescaling for a run of `maxUpdate` updates in
    /// all (frozen ones included): M/(M − N).
    public func learningRateScale(maxUpdate: Int) -> Double {
        guard kind == .adam, adamFreeze > 0, adamFreezeRescaleLR, maxUpdate > adamFreeze else { return 1 }
        return Double(maxUpdate) / Double(maxUpdate - adamFreeze)
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw OptimError.invalidSetting(message) } }
        try check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got \(beta1)")
        try check(beta2 > 0 && beta2 < 1, "beta2 must be in (0, 1), got \(beta2)")
        try check(eps > 0 && eps.isFinite, "eps must be positive and finite, got \(eps)")
        try check(weightDecay >= 0 && weightDecay.isFinite, "weight decay must be non-negative and finite, got \(weightDecay)")
        try check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got \(momentum)")
        try check(rhoThreshold >= 4 && rhoThreshold.isFinite, "rho threshold must be a number of at least 4 (rt is undefined below), got \(rhoThreshold)")
        try check(adamFreeze >= 0, "--adam-freeze must be a non-negative number of updates, got \(adamFreeze)")
        try check(adamFreeze == 0 || kind == .adam, "--adam-freeze applies to --optimizer adam only, not \(kind.rawValue)")
        try check(!adamFreezeRescaleLR || adamFreeze > 0, "--adam-freeze-rescale-lr needs --adam-freeze N")
        try check(epsPlacement == nil || kind == .adam,
                  "--eps-placement applies to --optimizer adam only (RAdam adds ε inside, as torch and the authors do), not \(kind.rawValue)")
        try check(radamDegenerate == .sgd || kind == .radam, "--radam-degenerate applies to --optimizer radam only, not \(kind.rawValue)")
    }

    public func makeOptimizer(parameterCount: Int) -> any Optimizer {
        switch kind {
        case .adam: return Adam(config: self, parameterCount: parameterCount)
        case .radam: return RAdam(config: self, parameterCount: parameterCount)
        case .sgd: return SGD(config: self, parameterCount: parameterCount)
        }
    }

    /// Restores an optimizer saved with `serialized()`, checking it fits this configuration.
    public func restoreOptimizer(parameterCount: Int, from bytes: [UInt8]) throws -> any Optimizer {
        let state = try MomentState.decode(bytes, expectedKind: kind, parameterCount: parameterCount)
        switch kind {
        case .adam: return Adam(config: self, state: state)
        case .radam: return RAdam(config: self, state: state)
        case .sgd: return SGD(config: self, state: state)
        }
    }
}

public enum OptimError: Error, CustomStringConvertible, Equatable {
    case invalidSetting(String)
    case badState(String)

    public var description: String {
        switch self {
        case .invalidSetting(let m): return "invalid optimizer setting: \(m)"
        case .badState(let m): return "optimizer state: \(m)"
        }
    }
}
