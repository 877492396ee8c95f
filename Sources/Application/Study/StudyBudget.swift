import Foundation
import Training

/// `--budget`: the number of updates per run that fits the study into a wall-clock budget,
/// from a calibration of this machine's speed (a short run of the study's first cell in a
/// scratch database, with the study's threads per run).
public enum StudyBudget {
    /// Share of the budget left for start-up, validation and the test-set evaluations.
    public static let trainingShare = 0.75
    public static let calibrationUpdates = 20

    /// Seconds one update of the study's first cell takes here, with the study's threads per
    /// run: 20 updates in a scratch database, timed from the first progress report on (so
    /// start-up is not counted as training).
    public static func secondsPerUpdate(settings: StudySettings) throws -> Double {
        try ScratchDirectory.with("calibration") { scratch in
            let cell = settings.cells[0]
            var s = settings
            s.maxUpdate = s.arms.map { max($0.warmupUpdates ?? 0, $0.freeze) }.max()! + 100
            let c = cell.arm.configure(s, lr: cell.lr)
            var trainer = c.trainer
            trainer.maxUpdate = calibrationUpdates
            trainer.logEvery = 5
            trainer.validEvery = 0
            trainer.saveEvery = 0
            trainer.seed = cell.seed
            let run = try TrainingRun.start(TrainingRun.Plan(
                name: "calibration", database: scratch.appendingPathComponent("calibration.sqlite").path, preset: s.preset,
                model: { _ in c.model }, optimizer: c.optimizer, schedule: c.schedule, trainer: trainer, data: s.data,
                threads: s.threadsPerRun), console: Console(quiet: true))
            var first: (update: Int, seconds: Double)?
            var last: (update: Int, seconds: Double)?
            _ = try run.run { p in
                if first == nil { first = (p.update, p.elapsedSeconds) } else { last = (p.update, p.elapsedSeconds) }
            }
            guard let first, let last, last.update > first.update else {
                throw ApplicationError("the calibration run reported too little progress to time (use --max-update, or --no-estimate)")
            }
            return max(1e-6, (last.seconds - first.seconds) / Double(last.update - first.update))
        }
    }

    public static func maxUpdate(budgetSeconds: Double, settings: StudySettings, jobs: Int, console: Console) throws -> Int {
        let perUpdate = try secondsPerUpdate(settings: settings)
        let cells = Double(settings.cells.count)
        // Adam-2k's frozen updates come on top of T: T·cells + extra updates fill the budget.
        let extra = Double(settings.cells.reduce(0) { $0 + $1.arm.updates(studyUpdates: 0) })
        let updates = Int((budgetSeconds * trainingShare * Double(jobs) / perUpdate - extra) / cells)
        console.info("budget: \(String(format: "%.3f", perUpdate)) s per update here (calibrated over \(calibrationUpdates) updates); "
            + "\(Int(cells)) runs, \(jobs) at a time, \(Int(trainingShare * 100))% of the budget for training: \(updates) updates per run")
        guard updates >= 10 else {
            throw ApplicationError("a budget of \(ProgressLine.format(duration: budgetSeconds)) leaves \(updates) updates per run for \(Int(cells)) runs: give a larger --budget or a smaller grid")
        }
        return updates / 10 * 10
    }
}
