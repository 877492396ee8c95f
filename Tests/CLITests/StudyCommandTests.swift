import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Store
import Testing
import TestSupport

/// `nmt study`: a grid of tagged runs that survives kill -9, its results, its report, and
/// bad input that writes nothing.
@Suite(.serialized)
struct StudyCommandTests {
    /// A miniature grid on the small corpus: 3 arms × 1 lr × 2 seeds, 20 updates each.
    static let grid = ["--arms", "adam,adam-warmup,radam", "--lrs", "3e-3", "--seeds", "1,2", "--warmups", "6",
                       "--freeze", "3", "--valid-every", "10", "--save-every", "5", "--keep-last", "3", "--average-last", "2",
                       "--histogram-every", "10", "--beam", "2", "--test-src", "test.es", "--test-tgt", "test.en", "--jobs", "2"]

    func study(_ ws: TrainingWorkspace, _ name: String, _ extra: [String] = []) throws -> NMTProcess.Result {
        let length = extra.contains("--max-update") || extra.contains("--budget") ? [] : ["--max-update", "20"]
        return try ws.run(["study", "run", name] + TrainingWorkspace.modelFlags + Self.grid + length + extra)
    }

    /// `--budget`: updates per run from a calibration of this machine, stored with the study.
    @Test func budgetSetsTheUpdatesFromACalibration() throws {
        let ws = try TrainingWorkspace(label: "study-budget")
        let result = try study(ws, "b", ["--arms", "adam", "--seeds", "1", "--budget", "8s"])
        #expect(result.status == 0, "\(result.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let json = try #require(try store.study(named: "b")?.settingsJSON)
        let settings = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let updates = try #require(settings["maxUpdate"] as? Int)
        #expect(updates >= 10 && updates % 10 == 0)
        #expect(try store.metrics(run: "b.adam.lr0.003.s1").last?.update == updates)
        let both = try study(ws, "c", ["--budget", "8s", "--max-update", "20"])
        #expect(both.status != 0 && both.stderr.contains("not both"))
    }

    @Test func runKilledWithSignalNineResumesWithoutRedoingFinishedRuns() throws {
        let ws = try TrainingWorkspace(label: "study-kill")
        // Longer runs than the other tests', so the kill lands while the grid is half done.
        let longer = ["--max-update", "120", "--save-every", "20", "--valid-every", "40"]
        let process = try NMTProcess.start(["study", "run", "s"] + TrainingWorkspace.modelFlags + Self.grid + longer, in: ws.directory)
        let deadline = Date().addingTimeInterval(600)   // a hang guard only, long enough for a loaded machine
        var store: RunStore?
        var lastError = ""
        // Kill once a run is complete (evaluated) and another has started.
        while Date() < deadline && process.isRunning {
            do {
                if store == nil, FileManager.default.fileExists(atPath: ws.path("nmt.sqlite.lock")) { store = try RunStore(path: ws.path("nmt.sqlite")) }
                if let s = store, try s.studyRuns(study: "s").contains(where: { r in r.status == .finished && ((try? s.evaluations(run: r.run).count) ?? 0) == 1 }) { break }
            } catch { lastError = "\(error)" }
            usleep(5_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "\(lastError)")
        let db = try #require(store)
        let before = try db.studyRuns(study: "s")
        let complete = before.filter { r in r.status == .finished && ((try? db.evaluations(run: r.run).count) ?? 0) == 1 }
        #expect(!complete.isEmpty && complete.count < 6, "the kill should land mid-study")
        let startedBefore = Dictionary(uniqueKeysWithValues: try complete.map { ($0.run, try db.run(named: $0.run).run.startedAt) })

        let resumed = try study(ws, "s", longer)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("study s: complete"))
        let after = try db.studyRuns(study: "s")
        #expect(after.count == 6)
        #expect(Set(after.map(\.arm)) == ["adam", "adam-warmup-6", "radam"] && Set(after.map(\.seed)) == [1, 2])
        for r in after {
            #expect(r.status == .finished, "\(r.run)")
            #expect(try db.metrics(run: r.run).last?.update == 120, "\(r.run) trained to the end")
            // Exactly one test evaluation, of the averaged checkpoint, translations kept.
            let evaluations = try db.evaluations(run: r.run)
            #expect(evaluations.count == 1 && evaluations.allSatisfy { $0.split == "test" && $0.hypotheses != nil }, "\(r.run)")
            // After evaluation no checkpoint is kept: a finished study is curves and evaluations.
            #expect(try db.checkpoints(run: r.run).isEmpty, "\(r.run)")
        }
        for (run, started) in startedBefore { #expect(try db.run(named: run).run.startedAt == started, "\(run) was not started again") }

        // Running the finished study again does nothing.
        let again = try study(ws, "s", longer)
        #expect(again.status == 0 && again.stdout.contains("trained 0 and evaluated 0"), "\(again.stdout)\(again.stderr)")
    }

    @Test func showAndJSONReportEveryCellWithPairedTests() throws {
        let ws = try TrainingWorkspace(label: "study-show")
        let ran = try study(ws, "s")
        #expect(ran.status == 0, "\(ran.stderr)")
        let show = try ws.run(["study", "show", "s"])
        #expect(show.status == 0, "\(show.stderr)")
        for needle in ["final valid loss", "BLEU avg", "updates to thr.", "diverged", "failed", "against the baseline (adam-warmup-6), paired by seed",
                       "(baseline)", "primary endpoint: final validation loss", "largest stable learning rate", "verdict", "TOST"] {
            #expect(show.stdout.contains(needle), "show lacks '\(needle)'")
        }
        let storage = try ws.run(["study", "show", "s", "--storage"])
        #expect(storage.status == 0 && storage.stdout.contains("the database file") && storage.stdout.contains("all 6 runs"), "\(storage.stdout)")
        let json = try ws.run(["study", "show", "s", "--format", "json"])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        let cells = try #require(object["cells"] as? [[String: Any]])
        #expect(cells.count == 3)
        #expect((object["runs"] as? [Any])?.count == 6)
        let radam = try #require(cells.first { $0["arm"] as? String == "radam" })
        let paired = try #require(radam["pairedVsBaseline"] as? [[String: Any]])
        #expect(paired.count == 2 && paired.allSatisfy { ($0["pValue"] as? Double).map { $0 > 0 && $0 <= 1 } == true })
        #expect((radam["bleuAverage"] as? [String: Any])?["count"] as? Int == 2)
        // The seed-level comparison with the baseline on the primary endpoint: both seeds paired.
        let loss = try #require(radam["lossVsBaseline"] as? [String: Any])
        #expect((loss["seeds"] as? [Any])?.count == 2 && (loss["statistics"] as? [String: Any])?["n"] as? Int == 2)
        #expect(["different", "equivalent", "not shown equivalent"].contains(loss["verdict"] as? String ?? ""), "\(loss)")

        // Every cell is a run whose settings `nmt show --config` prints and `nmt train --config`
        // reruns: the same configuration, whatever the arm.
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        func settings(_ run: String) throws -> String { try store.run(named: run).run.configurationJSON }
        for member in try store.studyRuns(study: "s") {
            let shown = try ws.run(["show", member.run, "--config"])
            try shown.stdout.write(toFile: ws.path("cell.yaml"), atomically: true, encoding: .utf8)
            let rerun = try ws.run(["train", "--name", "again-" + member.run, "--config", "cell.yaml", "--quiet"])
            #expect(rerun.status == 0, "\(member.run): \(rerun.stderr)")
            #expect(try settings("again-" + member.run) == settings(member.run), "\(member.run) (\(member.arm))")
        }
    }

    @Test func extendAddsSeedsAndTrainsOnlyTheNewRuns() throws {
        let ws = try TrainingWorkspace(label: "study-extend")
        let first = try study(ws, "e", ["--arms", "adam", "--seeds", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let original = try store.run(named: "e.adam.lr0.003.s1").run.startedAt
        let refused = try study(ws, "e", ["--arms", "adam", "--seeds", "1,2"])
        #expect(refused.status != 0 && refused.stderr.contains("--extend"), "\(refused.stderr)")
        #expect(try store.studyRuns(study: "e").count == 1)
        let extended = try study(ws, "e", ["--arms", "adam", "--seeds", "1,2", "--extend"])
        #expect(extended.status == 0, "\(extended.stderr)")
        #expect(try store.studyRuns(study: "e").map(\.seed).sorted() == [1, 2])
        #expect(try store.run(named: "e.adam.lr0.003.s1").run.startedAt == original)
        #expect(try store.study(named: "e")?.commands.count == 2)
    }

    @Test(arguments: [
        (["--arms", "adam,sgd-warmup"], "unknown arm 'sgd-warmup'"),
        (["--lrs", ""], "--lrs is empty"),
        (["--seeds", ""], "--seeds is empty"),
        (["--lrs", "1e-3,1e-3"], "--lrs names 0.001 twice"),
        (["--test-src", "missing.es"], "missing.es: no test split"),
        (["--max-update", "5", "--warmups", "6"], "its warmup (6) must be shorter than --max-update (5)"),
        (["--shard", "3/2"], "--shard 3/2: I must be between 1 and N"),
        (["--shard", "0/0"], "--shard 0/0: I must be between 1 and N"),
        (["--baseline", "sgd"], "--baseline sgd is not one of the study's arms"),
    ])
    func badInputIsOneLineAndWritesNothing(extra: [String], message: String) throws {
        let ws = try TrainingWorkspace(label: "study-bad")
        let result = try study(ws, "bad", extra)
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1 && result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("nmt.sqlite")), "nothing is written")
    }

    @Test func sameNameWithOtherSettingsIsRefusedAndChangesNothing() throws {
        let ws = try TrainingWorkspace(label: "study-dup")
        let first = try study(ws, "d", ["--arms", "adam", "--seeds", "1"])
        #expect(first.status == 0, "\(first.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let stored = try #require(try store.study(named: "d"))
        let other = try study(ws, "d", ["--arms", "adam", "--seeds", "1", "--beam", "3"])
        #expect(other.status != 0)
        #expect(other.errorLines.count == 1 && other.stderr.contains("exists with different settings (beam)"), "\(other.stderr)")
        #expect(try store.study(named: "d") == stored)
        #expect(try store.listRuns().count == 1)
    }

    /// `plan` stores the design; `run` with the name alone trains it; a plan that differs from
    /// the stored one is refused and writes nothing.
    @Test func planThenRunTheStoredPlan() throws {
        let ws = try TrainingWorkspace(label: "study-plan")
        let planFlags = TrainingWorkspace.modelFlags + Self.grid + ["--max-update", "20", "--seeds", "1", "--no-estimate"]
        let planned = try ws.run(["study", "plan", "p"] + planFlags)
        #expect(planned.status == 0, "\(planned.stderr)")
        #expect(planned.stdout.contains("study p: planned") && planned.stdout.contains("primary endpoint: final validation loss"), "\(planned.stdout)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.studyRuns(study: "p").isEmpty, "planning trains nothing")
        let again = try ws.run(["study", "plan", "p"] + planFlags)
        #expect(again.status == 0 && again.stdout.contains("already planned"), "\(again.stdout)")
        let changed = try ws.run(["study", "plan", "p"] + planFlags + ["--beam", "3"])
        #expect(changed.status != 0 && changed.errorLines.count == 1 && changed.stderr.contains("exists with different settings (beam)"), "\(changed.stderr)")
        let ran = try ws.run(["study", "run", "p", "--jobs", "2"])
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(try store.studyRuns(study: "p").count == 3 && store.studyRuns(study: "p").allSatisfy { $0.status == .finished })
        // Once runs exist, a changed plan is refused the same way, and the stored one is untouched.
        let stored = try store.study(named: "p")?.settingsJSON
        let after = try ws.run(["study", "plan", "p"] + planFlags + ["--loss-margin", "0.1"])
        #expect(after.status != 0 && after.errorLines.count == 1 && after.stderr.contains("exists with different settings (design.lossMargin)"), "\(after.stderr)")
        #expect(try store.study(named: "p")?.settingsJSON == stored)
        let missing = try ws.run(["study", "run", "nothing"])
        #expect(missing.status != 0 && missing.errorLines.count == 1 && missing.stderr.contains("plan it first"), "\(missing.stderr)")
    }

    /// A study run in two shards, each in its own copy of the planned database, then merged,
    /// shows exactly what the study run in one piece shows; shards of another plan, or a run in
    /// two shards, are refused.
    @Test func shardsMergedEqualTheStudyInOnePiece() throws {
        let ws = try TrainingWorkspace(label: "study-shards")
        let planFlags = TrainingWorkspace.modelFlags + Self.grid + ["--max-update", "20", "--no-estimate"]
        let planned = try ws.run(["study", "plan", "m", "--db", "plan.sqlite"] + planFlags)
        #expect(planned.status == 0, "\(planned.stderr)")
        for name in ["whole", "shard1", "shard2"] {
            try FileManager.default.copyItem(atPath: ws.path("plan.sqlite"), toPath: ws.path("\(name).sqlite"))
        }
        let whole = try ws.run(["study", "run", "m", "--db", "whole.sqlite", "--jobs", "2"])
        #expect(whole.status == 0, "\(whole.stderr)")
        for i in 1...2 {
            let shard = try ws.run(["study", "run", "m", "--db", "shard\(i).sqlite", "--shard", "\(i)/2", "--jobs", "1", "--threads", "1"])
            #expect(shard.status == 0, "\(shard.stderr)")
            #expect(try RunStore(path: ws.path("shard\(i).sqlite")).studyRuns(study: "m").count == 3)
        }
        let merged = try ws.run(["study", "merge", "merged.sqlite", "shard1.sqlite", "shard2.sqlite"])
        #expect(merged.status == 0 && merged.stdout.contains("merged 6 runs from 2 databases"), "\(merged.stdout)\(merged.stderr)")
        func json(_ db: String) throws -> [String: Any] {
            let shown = try ws.run(["study", "show", "m", "--db", db, "--format", "json"])
            var object = try #require(try JSONSerialization.jsonObject(with: shown.stdoutData) as? [String: Any])
            object["commands"] = nil  // each database keeps the command lines that made it
            return object
        }
        #expect(NSDictionary(dictionary: try json("merged.sqlite")).isEqual(to: try json("whole.sqlite")), "merged shards differ from the whole study")
        func table(_ db: String) throws -> String { try ws.run(["study", "show", "m", "--db", db]).stdout }
        #expect(try table("merged.sqlite") == table("whole.sqlite"))
        // Refusals: one line, nothing written.
        let twice = try ws.run(["study", "merge", "again.sqlite", "shard1.sqlite", "whole.sqlite"])
        #expect(twice.status != 0 && twice.errorLines.count == 1 && twice.stderr.contains("is in both"), "\(twice.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("again.sqlite")))
        let other = try ws.run(["study", "plan", "m", "--db", "other.sqlite", "--no-estimate"] + planFlags + ["--beam", "3"])
        #expect(other.status == 0, "\(other.stderr)")
        let mixed = try ws.run(["study", "merge", "mixed.sqlite", "shard1.sqlite", "other.sqlite"])
        #expect(mixed.status != 0 && mixed.errorLines.count == 1 && mixed.stderr.contains("another plan of study 'm' (beam differ)"), "\(mixed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("mixed.sqlite")))
        let into = try ws.run(["study", "merge", "shard1.sqlite", "shard1.sqlite"])
        #expect(into.status != 0 && into.stderr.contains("is the output database too"), "\(into.stderr)")
        // One shard under two spellings is one file named twice.
        let spelled = try ws.run(["study", "merge", "spelled.sqlite", "shard1.sqlite", "./shard1.sqlite"])
        #expect(spelled.status != 0 && spelled.errorLines.count == 1 && spelled.stderr.contains("./shard1.sqlite is named twice"), "\(spelled.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("spelled.sqlite")))
    }

    /// The report: self-contained (no scripts, no external resources), every SVG well-formed
    /// XML, six sections, and Chromium renders it to a page with plots on it.
    @Test func reportIsSelfContainedAndRendersInChromium() throws {
        let ws = try TrainingWorkspace(label: "study-report")
        let ran = try study(ws, "r", ["--gradient-noise-at", "1,5", "--gradient-noise-batches", "3"])
        #expect(ran.status == 0, "\(ran.stderr)")
        let report = try ws.run(["study", "report", "r", "--html", "report.html", "--svg-dir", "plots"])
        #expect(report.status == 0, "\(report.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: ws.path("plots")).filter { $0.hasSuffix(".svg") }
        #expect(files.count >= 10 && files.contains("rt-vs-warmup.svg") && files.contains("bleu-vs-lr.svg"), "\(files)")
        #expect(files.contains("gradient-noise-lr0.003.svg") && files.contains("gradient-noise-effective-lr0.003.svg"), "\(files)")
        #expect(files.contains("forest-final-valid-loss.svg") && files.contains("stability.svg") && files.contains("valid-loss-vs-lr.svg"), "\(files)")
        for file in files { #expect(XMLParser(contentsOf: URL(fileURLWithPath: ws.path("plots/" + file)))?.parse() == true, "\(file)") }
        let html = try String(contentsOfFile: ws.path("report.html"), encoding: .utf8)
        #expect(!html.contains("<script") && !html.contains(" src=") && !html.contains(" href=") && !html.contains("@import"))
        for n in 1...6 { #expect(html.contains("<h2>\(n). "), "section \(n)") }
        let svgs = StudyReportChecks.svgElements(html)
        #expect(svgs.count >= 10, "\(svgs.count) plots")
        for (i, svg) in svgs.enumerated() {
            #expect(StudyReportChecks.parses(svg), "SVG \(i) is not well-formed XML")
            #expect(svg.contains("<text"), "SVG \(i) has labels")
        }
        let image = try HeadlessBrowser.screenshot(of: URL(fileURLWithPath: ws.path("report.html")), height: 6000, in: ws.directory)
        #expect(image.width == 1280 && image.height == 6000)
        #expect(image.inkFraction > 0.03, "screenshot is blank (\(image.inkFraction))")
        #expect(image.colourCount > 20, "screenshot has \(image.colourCount) colours: no plots drawn")
    }
}

enum StudyReportChecks {
    /// The outermost `<svg …>…</svg>` elements of a page (a document of plots nests them).
    static func svgElements(_ html: String) -> [String] {
        let bytes = Array(html.utf8), open = Array("<svg".utf8), close = Array("</svg>".utf8)
        func at(_ i: Int, _ p: [UInt8]) -> Bool { i + p.count <= bytes.count && Array(bytes[i..<(i + p.count)]) == p }
        var out: [String] = []
        var depth = 0, start = 0, i = 0
        while i < bytes.count {
            if bytes[i] == 60, at(i, open) { if depth == 0 { start = i }; depth += 1; i += open.count }
            else if bytes[i] == 60, at(i, close) {
                depth -= 1; i += close.count
                if depth == 0 { out.append(String(decoding: bytes[start..<i], as: UTF8.self)) }
            } else { i += 1 }
        }
        return out
    }

    static func parses(_ xml: String) -> Bool {
        let parser = XMLParser(data: Data(xml.utf8))
        return parser.parse()
    }
}
