// Per-phase wall-clock timing of a training step, off by default (nmt-bench --profile).
//
// Phases are a fixed enum indexing a flat array, so a measurement is two clock reads and
// an add; nothing allocates. Only the thread that drives the model calls `measure` (the
// phases are whole parallel kernels, never code inside a worker), so no locking is needed.
#if canImport(Glibc)
import Glibc
#endif

public enum Profiler {
    public enum Phase: Int, CaseIterable, Sendable {
        case embedding, layerNorm, residualDropout
        case attentionProjection, attentionScores, attentionSoftmax, attentionContext, attentionOutput
        case ffnInput, ffnActivation, ffnOutput
        case outputProjection, loss
        case embeddingBackward, layerNormBackward, residualDropoutBackward
        case attentionProjectionBackward, attentionScoresBackward, attentionSoftmaxBackward, attentionContextBackward, attentionOutputBackward
        case ffnInputBackward, ffnActivationBackward, ffnOutputBackward
        case outputProjectionBackward, other

        public var name: String {
            switch self {
            case .embedding: "embedding + positions"
            case .layerNorm: "layer norm"
            case .residualDropout: "residual + dropout"
            case .attentionProjection: "attention q/k/v projection"
            case .attentionScores: "attention scores Q·Kᵀ"
            case .attentionSoftmax: "attention softmax (+dropout)"
            case .attentionContext: "attention context P·V"
            case .attentionOutput: "attention output projection"
            case .ffnInput: "FFN fc1"
            case .ffnActivation: "FFN ReLU (+dropout)"
            case .ffnOutput: "FFN fc2"
            case .outputProjection: "vocabulary projection"
            case .loss: "softmax + label-smoothed loss (+grad)"
            case .embeddingBackward: "embedding backward"
            case .layerNormBackward: "layer norm backward"
            case .residualDropoutBackward: "residual dropout backward"
            case .attentionProjectionBackward: "attention q/k/v projection backward"
            case .attentionScoresBackward: "attention dQ, dK"
            case .attentionSoftmaxBackward: "attention softmax backward"
            case .attentionContextBackward: "attention dP, dV"
            case .attentionOutputBackward: "attention output projection backward"
            case .ffnInputBackward: "FFN fc1 backward"
            case .ffnActivationBackward: "FFN ReLU backward"
            case .ffnOutputBackward: "FFN fc2 backward"
            case .outputProjectionBackward: "vocabulary projection backward"
            case .other: "other"
            }
        }
    }

    nonisolated(unsafe) public static var isEnabled = false
    nonisolated(unsafe) static var totals = [Double](repeating: 0, count: Phase.allCases.count)
    nonisolated(unsafe) static var counts = [Int](repeating: 0, count: Phase.allCases.count)

    public static func reset() {
        for i in totals.indices { totals[i] = 0; counts[i] = 0 }
    }

    @inlinable
    public static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// Runs `body`, adding its wall time to `phase` when profiling is on.
    @inlinable @inline(__always)
    public static func measure<R>(_ phase: Phase, _ body: () throws -> R) rethrows -> R {
        guard isEnabled else { return try body() }
        let t0 = now()
        let r = try body()
        add(phase, now() - t0)
        return r
    }

    public static func add(_ phase: Phase, _ seconds: Double) {
        totals[phase.rawValue] += seconds
        counts[phase.rawValue] += 1
    }

    /// (phase, total seconds, calls) for every phase that ran, in enum order.
    public static var report: [(phase: Phase, seconds: Double, calls: Int)] {
        Phase.allCases.filter { counts[$0.rawValue] > 0 }.map { ($0, totals[$0.rawValue], counts[$0.rawValue]) }
    }
}
