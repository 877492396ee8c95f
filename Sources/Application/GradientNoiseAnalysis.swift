import Foundation
import Store
import Training

/// `nmt analyze gradient-noise RUN --at 1,10,50,100 --batches K`: the variance of a run's
/// adaptive rate over gradient noise (`Training.GradientNoise`) at the updates named. Training
/// is deterministic, so the parameters and second moment before each update are reached by
/// replaying the run from its stored configuration in a scratch database (no checkpoint is
/// needed, so it works on a finished study's runs, which keep none); the measurements are
/// stored with the run.
public enum GradientNoiseAnalysis {
    public static func measure(database: String, run name: String, at updates: [Int], batches: Int, console: Console) throws -> [GradientNoiseRecord] {
        guard !updates.isEmpty else { throw ApplicationError("--at names no update") }
        if let bad = updates.first(where: { $0 < 1 }) { throw ApplicationError("--at: update \(bad) is not a positive update number") }
        guard batches >= 2 else { throw ApplicationError("--batches must be at least 2 (a variance needs two gradients), got \(batches)") }
        let store = try RunDatabase.openExisting(database)
        let record = try store.run(named: name)
        var config = try RunConfiguration.decode(json: record.run.configurationJSON)
        let last = updates.max()!
        if config.trainer.maxUpdate > 0 && last > config.trainer.maxUpdate {
            throw ApplicationError("--at \(last): run '\(name)' trains \(config.trainer.maxUpdate) updates")
        }
        // The same updates, only fewer of them, no validations or diagnostics in between.
        var trainer = config.trainer
        trainer.maxUpdate = last
        trainer.maxEpoch = 0
        trainer.maxTimeSeconds = 0
        trainer.logEvery = 1
        trainer.validEvery = 0
        trainer.saveEvery = 0
        trainer.patience = 0
        trainer.evalBLEUBeam = 0
        trainer.bestCheckpointMetric = nil
        trainer.diagnostics = false
        config.trainer = trainer
        let records = try ScratchDirectory.with("gradient-noise") { scratch -> [GradientNoiseRecord] in
            let replay = try TrainingRun.start(TrainingRun.Plan(
                name: "replay", database: scratch.appendingPathComponent("replay.sqlite").path, preset: config.preset,
                model: { [config] _ in config.model }, optimizer: config.optimizer, schedule: config.schedule, trainer: trainer, data: config.data,
                threads: config.threads), console: Console(quiet: true))
            let wanted = Set(updates)
            var records: [GradientNoiseRecord] = []
            var failure: Error?
            func measure(_ update: Int) {
                guard failure == nil, wanted.contains(update) else { return }
                do { records += try GradientNoise.measure(trainer: replay.trainer, update: update, batches: batches) }
                catch { failure = error }
            }
            measure(1)
            if last > 1 {
                _ = try replay.run { p in measure(p.update + 1) }
            }
            if let failure { throw failure }
            let measured = Set(records.map(\.update))
            if let missing = wanted.subtracting(measured).min() {
                throw ApplicationError("run '\(name)': the replay stopped before update \(missing) (it diverged or ran out of data)")
            }
            return records
        }
        try store.recordGradientNoise(run: name, records)
        console.info("run \(name): adaptive-rate variance over \(batches) mini-batch gradients at updates \(updates.sorted().map(String.init).joined(separator: ", ")) stored")
        return records
    }
}

/// The whole model's line from a measurement's per-group rows: means weighted by coordinates;
/// the medians of the groups' medians, weighted likewise (an approximation of the whole
/// model's median, said in the group name).
public enum GradientNoiseSummary {
    public static func whole(_ rows: [GradientNoiseRecord]) -> GradientNoiseRecord {
        precondition(!rows.isEmpty)
        let total = Double(rows.reduce(0) { $0 + $1.coordinates })
        func weighted(_ value: KeyPath<GradientNoiseRecord, Double>) -> Double {
            rows.reduce(0) { $0 + $1[keyPath: value] * Double($1.coordinates) } / max(total, 1)
        }
        func weightedMedian(_ value: KeyPath<GradientNoiseRecord, Double>) -> Double {
            let sorted = rows.sorted { $0[keyPath: value] < $1[keyPath: value] }
            var seen = 0.0
            for r in sorted {
                seen += Double(r.coordinates)
                if seen >= total / 2 { return r[keyPath: value] }
            }
            return sorted.last![keyPath: value]
        }
        var r = rows[0]
        r.group = "all (\(rows.count) groups; medians: of the groups')"
        r.coordinates = Int(total)
        r.psiMean = weighted(\.psiMean)
        r.psiVarianceMean = weighted(\.psiVarianceMean)
        r.psiVarianceMedian = weightedMedian(\.psiVarianceMedian)
        r.psiCV2Median = weightedMedian(\.psiCV2Median)
        return r
    }
}
