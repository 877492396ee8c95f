import Decoding
import Foundation
import Store
import Training

/// The cells of one `nmt study run` still to do, worked off by `jobs` threads (each run single-
/// or few-threaded, fixed by the study), with one progress line for the whole study.
final class StudyWork: @unchecked Sendable {
    let study: String
    let studyID: Int64
    let database: String
    let settings: StudySettings
    let console: Console
    /// Runs print nothing of their own: two at a time would garble the terminal.
    let quiet = Console(quiet: true)
    private let lock = NSLock()
    private var queue: [StudyCell]
    private var stored: [String: StudyRunRecord]
    private var updates: [String: Int] = [:]
    /// Each run's update count when this process first saw it: the rate counts only new updates.
    private var initial: [String: Int] = [:]
    private var active: [String] = []
    private var firstError: Error?
    private let progress: ProgressLine
    private var cellCount: Int
    private(set) var trained = 0, evaluations = 0, diverged = 0, doneAtStart = 0

    init(study: String, studyID: Int64, database: String, settings: StudySettings, cells: [StudyCell], stored: [String: StudyRunRecord], console: Console) {
        self.study = study; self.studyID = studyID; self.database = database; self.settings = settings; self.console = console
        self.stored = stored
        queue = cells
        cellCount = cells.count
        progress = ProgressLine("study \(study)", total: cells.reduce(0) { $0 + $1.arm.updates(studyUpdates: settings.maxUpdate) }, unit: "updates",
                                quiet: console.quiet)
        for cell in cells {
            let name = cell.runName(study: study), total = cell.arm.updates(studyUpdates: settings.maxUpdate)
            if let r = stored[name], r.status == .finished || r.outcome != nil { updates[name] = total; initial[name] = total }
        }
    }

    /// Runs trained at once (the ETA's evaluations share them).
    private var jobs = 1

    func run(jobs: Int) throws {
        self.jobs = jobs
        // Runs whose training and evaluation are complete are skipped without opening them.
        let store = try RunStore(path: database)
        queue = try queue.filter { cell in
            let done = try isComplete(cell, store: store)
            // A kill between the last evaluation and the clean-up leaves extra checkpoints.
            if done { doneAtStart += 1; try pruneCheckpoints(cell.runName(study: study), store: store) }
            return !done
        }
        if doneAtStart > 0 { console.info("study \(study): \(doneAtStart) runs already done, \(queue.count) to go") }
        let group = DispatchGroup()
        for _ in 0..<max(1, min(jobs, queue.count)) {
            group.enter()
            let thread = Thread { [self] in
                while let cell = next() {
                    do { try process(cell) } catch { fail(error) }
                }
                group.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        group.wait()
        let (fresh, total, finished) = locked { (freshUpdates, totalUpdates, finishedCells) }
        progress.finish(fresh, detail: "\(doneAtStart + finished) of \(cellCount) runs done", shownDone: total)
        if let firstError { throw firstError }
    }

    /// Cells completed by this process (trained and evaluated, or diverged).
    private var finishedCells = 0

    private func next() -> StudyCell? {
        lock.lock(); defer { lock.unlock() }
        guard firstError == nil, !Trainer.stopRequested, !queue.isEmpty else { return nil }
        return queue.removeFirst()
    }

    private func fail(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if firstError == nil { firstError = error }
    }

    private func locked<T>(_ body: () -> T) -> T { lock.lock(); defer { lock.unlock() }; return body() }
    /// Updates of all cells so far, and those taken by this process (read under `lock`).
    private var totalUpdates: Int { updates.values.reduce(0, +) }
    private var freshUpdates: Int { updates.reduce(0) { $0 + $1.value - (initial[$1.key] ?? $1.value) } }

    /// Seconds the test evaluations of this process took, and how many: the ETA counts the
    /// evaluations still to come at that pace (until one is timed, it counts training only).
    private var evaluationSeconds = 0.0, evaluationsTimed = 0

    private func report(_ run: String, update: Int) {
        lock.lock()
        updates[run] = update
        if initial[run] == nil { initial[run] = update }
        let done = totalUpdates, fresh = freshUpdates
        let detail = "\(doneAtStart + finishedCells)/\(cellCount) runs | " + active.map { name in
            "\(name.dropFirst(study.count + 1)) \(updates[name] ?? 0)" }.joined(separator: ", ")
        let remainingEvaluations = max(0, cellCount - doneAtStart - finishedCells) * settings.evaluate.count
        let evaluationETA = evaluationsTimed > 0 ? evaluationSeconds / Double(evaluationsTimed) * Double(remainingEvaluations) / Double(max(1, jobs)) : 0
        lock.unlock()
        progress.update(fresh, detail: detail, shownDone: done, otherSeconds: evaluationETA)
    }

    private func setActive(_ run: String, _ on: Bool) {
        lock.lock(); defer { lock.unlock() }
        if on { active.append(run) } else { active.removeAll { $0 == run } }
    }

    /// A run whose training ended (finished, or diverged) and whose evaluations are stored.
    private func isComplete(_ cell: StudyCell, store: RunStore) throws -> Bool {
        let name = cell.runName(study: study)
        guard let record = stored[name] else { return false }
        if record.outcome != nil { return true }
        guard record.status == .finished else { return false }
        return try evaluatedCheckpoints(name, store: store).isSuperset(of: settings.evaluate) && hasGradientNoise(name, store: store)
    }

    /// Whether the run's gradient-noise measurements the study asks for are stored.
    private func hasGradientNoise(_ name: String, store: RunStore) throws -> Bool {
        guard !settings.gradientNoiseAt.isEmpty else { return true }
        return Set(try store.gradientNoise(run: name).map(\.update)).isSuperset(of: settings.gradientNoiseAt)
    }

    /// What every finished run is evaluated with on the test split (the study's "avg"/"last").
    var evaluated: [CheckpointSelector] { settings.evaluate.compactMap(CheckpointSelector.init) }

    /// The checkpoint selectors ("last", "avg") of the run's stored test evaluations with translations.
    private func evaluatedCheckpoints(_ name: String, store: RunStore) throws -> Set<String> {
        Set(try store.evaluations(run: name).filter { $0.split == "test" && $0.hypotheses != nil }.compactMap(Self.checkpointLabel))
    }

    static func checkpointLabel(_ e: EvaluationRecord) -> String? {
        (try? JSONDecoder().decode(EvaluationSettings.self, from: Data(e.decodingJSON.utf8)))?.checkpoint
    }

    private func process(_ cell: StudyCell) throws {
        let name = cell.runName(study: study)
        setActive(name, true)
        defer { setActive(name, false) }
        let store = try RunStore(path: database)
        let started = Date()
        if try train(cell, name: name, store: store) {
            try evaluate(name, store: store)
            lock.lock(); finishedCells += 1; lock.unlock()
            let s = try StudyRunResult.load(store: store, study: study, run: name, cell: cell, settings: settings)
            progress.clear()
            console.info("study \(study): \(name) done in \(ProgressLine.format(duration: Date().timeIntervalSince(started))): "
                + "final valid loss \(s.finalValidLoss.map { String(format: "%.3f", $0) } ?? "-"), "
                + "test BLEU \(s.bleuAverage.map { String(format: "%.2f", $0) } ?? "-") (avg)")
        }
    }

    /// Trains the cell's run to its end; false when it stopped early (a signal) or diverged.
    private func train(_ cell: StudyCell, name: String, store: RunStore) throws -> Bool {
        var record = stored[name]
        if record?.outcome != nil { return false }
        if record?.status == .finished { return true }
        // A run killed before its first checkpoint has nothing to resume: it starts again
        // (its updates are a function of its seed, so nothing is lost).
        if record != nil, try store.checkpoints(run: name).filter({ $0.kind != .average }).isEmpty {
            try store.deleteRun(name)
            record = nil
        }
        let run: TrainingRun
        let total = cell.arm.updates(studyUpdates: settings.maxUpdate)
        if record == nil {
            let c = cell.arm.configure(settings, lr: cell.lr)
            var trainer = c.trainer
            trainer.seed = cell.seed
            run = try TrainingRun.start(TrainingRun.Plan(
                name: name, database: database, preset: settings.preset, model: { _ in c.model }, optimizer: c.optimizer,
                schedule: c.schedule, trainer: trainer, data: settings.data, threads: settings.threadsPerRun,
                study: StudyMembership(studyID: studyID, arm: cell.arm.name, learningRate: cell.lr, seed: cell.seed)), console: quiet)
        } else {
            run = try TrainingRun.resume(name, database: database, limits: .init(), threads: settings.threadsPerRun, console: quiet)
        }
        report(name, update: run.trainer.state.update)
        do {
            let summary = try run.run { [self] p in report(name, update: p.update) }
            guard summary.reason != .interrupted else { return false }
            lock.lock(); trained += 1; lock.unlock()
            report(name, update: total)
            return true
        } catch TrainingError.diverged(let update, let streak) {
            try store.setStudyRunOutcome(run: name, outcome: "diverged at update \(update + 1) (\(streak) non-finite update\(streak == 1 ? "" : "s") in a row)")
            lock.lock(); diverged += 1; finishedCells += 1; lock.unlock()
            report(name, update: total)
            try pruneCheckpoints(name, store: store)
            progress.clear()
            console.info("study \(study): \(name) diverged at update \(update + 1)")
            return false
        }
    }

    /// Test-set translations of the last checkpoint and of the average of the last ones, each
    /// evaluated once; then only those two checkpoints are kept.
    private func evaluate(_ name: String, store: RunStore) throws {
        let done = try evaluatedCheckpoints(name, store: store)
        let checkpoints = try store.checkpoints(run: name)
        if !checkpoints.contains(where: { $0.kind == .average }) {
            let training = checkpoints.filter { $0.kind != .average }.count
            _ = try CheckpointAveraging.average(store: store, run: name, last: min(settings.averageLast, training))
        }
        for selector in evaluated where !done.contains(selector.description) {
            guard !Trainer.stopRequested else { return }
            let started = Date()
            defer { locked { evaluationSeconds += Date().timeIntervalSince(started); evaluationsTimed += 1 } }
            _ = try Evaluation.run(Evaluation.Request(
                database: database, run: name, split: "test", checkpoint: selector, decoding: BeamSearch.Settings(beam: settings.beam),
                batchTokens: settings.trainer.maxTokens, source: settings.testSource, reference: settings.testTarget, output: nil,
                writeTranslations: false, firstLines: settings.testLines), console: quiet)
            lock.lock(); evaluations += 1; lock.unlock()
        }
        try pruneCheckpoints(name, store: store)
        // The adaptive rate's variance over gradient noise, by replaying the run's first updates.
        if !Trainer.stopRequested, try !hasGradientNoise(name, store: store) {
            _ = try GradientNoiseAnalysis.measure(database: database, run: name, at: settings.gradientNoiseAt, batches: settings.gradientNoiseBatches,
                                                  console: quiet)
        }
    }

    /// A done run keeps no checkpoint (weights and optimizer moments are most of a study's
    /// size); with `--keep-checkpoints` the last and the averaged one.
    private func pruneCheckpoints(_ name: String, store: RunStore) throws {
        let all = try store.checkpoints(run: name)
        let keep = settings.keepCheckpoints
            ? Set([all.last(where: { $0.kind != .average })?.id, all.last(where: { $0.kind == .average })?.id].compactMap { $0 }) : []
        guard all.count > keep.count else { return }
        try store.deleteCheckpoints(run: name, keeping: keep)
    }
}
