import Store

/// How training reports what it does, so the training loop has no SQL in it: the application
/// layer implements this over the SQLite store; tests implement it in memory.
public protocol TrainingRecorder: AnyObject {
    func recordMetrics(_ metrics: TrainMetrics) throws
    func recordValidation(_ validation: ValidationResult) throws
    /// Saves one checkpoint atomically (and applies retention).
    func saveCheckpoint(_ checkpoint: TrainingCheckpoint) throws
    /// The adaptive-rate diagnostics of one update (see `AdaptiveRateDiagnostics`).
    func recordDiagnostics(_ record: DiagnosticsRecord) throws
}

extension TrainingRecorder {
    public func recordDiagnostics(_ record: DiagnosticsRecord) throws {}
}

public struct TrainMetrics: Sendable, Equatable {
    public var update: Int
    public var epoch: Int
    public var loss: Double
    public var nll: Double
    public var lr: Double
    public var gradNorm: Double
    public var tokensPerSecond: Double
    public var wallSeconds: Double
    public var rhoT: Double?
    public var rectification: Double?
    /// The schedule's warmup factor ωt of this update (1 after warmup).
    public var warmupFactor: Double = 1
}

public struct ValidationResult: Sendable, Equatable {
    public var update: Int
    public var epoch: Int
    public var loss: Double
    public var nll: Double
    /// Per-token NLL is in nats, so perplexity is e^nll.
    public var perplexity: Double { exp(nll) }
    public var bleu: Double?
    public var chrF: Double?
}

/// One checkpoint: the flat parameter buffer, the optimizer's serialized state and the
/// training state (JSON), taken after `update` updates.
public struct TrainingCheckpoint: Sendable {
    public var update: Int
    public var epoch: Int
    public var validLoss: Double?
    /// The best-checkpoint metric's value when taken at a validation (lower is better).
    public var selectionValue: Double?
    /// Why it was taken: "periodic", "epoch", "final" or "interrupted".
    public var kind: CheckpointKind
    public var weights: [Float]
    public var optimizer: [UInt8]
    public var state: [UInt8]
}

#if canImport(Glibc)
import Glibc
#endif
