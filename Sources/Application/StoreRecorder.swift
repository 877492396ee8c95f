import Foundation
import Store
import Training

/// Training's recorder over the SQLite run store: every write is one transaction, so a kill
/// at any instant leaves the database at the last complete record.
final class StoreRecorder: TrainingRecorder {
    let store: RunStore
    let run: String
    let keepLast: Int
    /// Told the update of each checkpoint once it is saved.
    var afterCheckpoint: ((Int) -> Void)?
    /// Told each validation once it is recorded, and each checkpoint's update and kind once
    /// saved (the command's feedback lines).
    var afterValidation: ((ValidationResult) -> Void)?
    var afterSave: ((Int, CheckpointKind) -> Void)?

    init(store: RunStore, run: String, keepLast: Int) {
        // Checkpoint saves should cost their own write only (RunStore.copyWALInBackground).
        try? store.copyWALInBackground()
        self.store = store
        self.run = run
        self.keepLast = keepLast
    }

    func recordMetrics(_ m: TrainMetrics) throws {
        try store.appendMetrics([MetricRow(update: m.update, epoch: m.epoch, trainLoss: m.loss, nll: m.nll, learningRate: m.lr,
                                           gradientNorm: m.gradNorm, tokensPerSecond: m.tokensPerSecond, wallSeconds: m.wallSeconds,
                                           rho: m.rhoT, r: m.rectification, warmupFactor: m.warmupFactor)], run: run)
    }

    func recordValidation(_ v: ValidationResult) throws {
        // SQLite turns NaN into NULL, which the NOT NULL columns refuse; a diverged model's
        // validation is recorded as +∞ instead (still "not finite" to every reader).
        func finite(_ x: Double) -> Double { x.isNaN ? .infinity : x }
        try store.appendValidation(ValidationRow(update: v.update, epoch: v.epoch, validLoss: finite(v.loss), nll: finite(v.nll),
                                                 perplexity: finite(v.perplexity), bleu: v.bleu, chrF: v.chrF), run: run)
        afterValidation?(v)
    }

    func recordDiagnostics(_ d: DiagnosticsRecord) throws {
        let rows = d.groups.map { g in
            DiagnosticRow(update: d.update, group: g.group, coordinates: g.coordinates, psiMean: g.psiMean, psiVariance: g.psiVariance,
                          psiCV: g.psiCV, psiP01: g.psiP01, psiP50: g.psiP50, psiP99: g.psiP99, rectification: g.rectification,
                          gradientNorm: g.gradientNorm, updateNorm: g.updateNorm, parameterNorm: g.parameterNorm)
        }
        try store.appendDiagnostics(rows, histograms: d.histograms.map { HistogramRow(update: d.update, group: $0.group, counts: $0.counts) }, run: run)
    }

    func saveCheckpoint(_ c: TrainingCheckpoint) throws {
        // The optimizer state (two moments: twice the weights' size) is lent to the store for
        // the save, not copied into a Data of its own.
        try c.optimizer.withUnsafeBytes { bytes in
            // Read only: the store hashes and binds it, and never writes through the Data.
            let borrowed = bytes.count == 0 ? Data()
                : Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress!), count: bytes.count, deallocator: .none)
            try store.saveCheckpoint(Store.CheckpointPayload(weights: c.weights, optimizerState: borrowed, trainingState: Data(c.state)),
                                     run: run, update: c.update, epoch: c.epoch, validLoss: c.validLoss, selectionValue: c.selectionValue,
                                     kind: c.kind, keepLast: keepLast)
        }
        afterCheckpoint?(c.update)
        afterSave?(c.update, c.kind)
    }
}
