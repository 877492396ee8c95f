// Optimizers over one flat parameter buffer (llm.c layout: every tensor of the model is a
// view into a single Float array, gradients and moments share that layout), so each
// optimizer is one elementwise loop. Arithmetic follows torch.optim's single-tensor
// implementations operation by operation in Float32, so trajectories match its fixtures.

/// What one update did, for the metrics log (ρt and rt exist only for RAdam).
public struct StepReport: Equatable, Sendable {
    public var step: Int
    public var rhoT: Double?
    public var rectification: Double?
    /// False when RAdam took the un-adapted (momentum SGD) step.
    public var adaptive: Bool

    public init(step: Int, rhoT: Double?, rectification: Double?, adaptive: Bool) {
        self.step = step
        self.rhoT = rhoT
        self.rectification = rectification
        self.adaptive = adaptive
    }
}

public protocol Optimizer {
    /// Number of updates taken so far.
    var step: Int { get }
    /// Applies one update in place. `gradients` is read-only; `parameters` and the moments change.
    mutating func update(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, lr: Double) -> StepReport
    /// The whole state (step and moments) as bytes, for checkpoints.
    func serialized() -> [UInt8]
}

public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case adam, radam, sgd
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

    public init(kind: OptimizerKind) { self.kind = kind }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw OptimError.invalidSetting(message) } }
        try check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), got \(beta1)")
        try check(beta2 > 0 && beta2 < 1, "beta2 must be in (0, 1), got \(beta2)")
        try check(eps > 0, "eps must be positive, got \(eps)")
        try check(weightDecay >= 0, "weight decay must be non-negative, got \(weightDecay)")
        try check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got \(momentum)")
        try check(rhoThreshold >= 4, "rho threshold must be at least 4 (rt is undefined below), got \(rhoThreshold)")
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
