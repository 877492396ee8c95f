import Foundation
@testable import Store
import Testing
import TestSupport

/// Run databases written by earlier releases keep working: each fixture under
/// Tests/Fixtures/databases/ was written by the nmt named in its folder (a finished run of a
/// few updates with checkpoints, validations and an evaluation, with its small corpus and
/// vocabulary). Every later version must open, list, show, compare, evaluate and resume it,
/// migrating the schema on the way. Add a fixture whenever the schema or a stored type changes;
/// never remove one.
@Suite(.serialized)
struct StoredDatabaseTests {
    static let fixtures = Fixtures.url("databases")

    static var releases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func thereIsAtLeastOneOldDatabase() {
        #expect(!Self.releases.isEmpty)
    }

    @Test(arguments: releases)
    func anOldDatabaseStillWorks(release: String) throws {
        let scratch = try TemporaryDirectory("old-db-\(release)")
        let dir = scratch.url
        let folder = Self.fixtures.appendingPathComponent(release)
        try scratch.copy(fixtures: try FileManager.default.contentsOfDirectory(atPath: folder.path), from: folder)
        func run(_ args: [String]) throws -> NMTProcess.Result { try NMTProcess.run(args, in: dir) }
        let before = try RunStore(path: dir.appendingPathComponent("nmt.sqlite").path)
        let updates = try before.metrics(run: "old").map(\.update)
        let lastUpdate = try #require(updates.last)

        let runs = try run(["runs"])
        #expect(runs.status == 0 && runs.stdout.contains("old") && runs.stdout.contains("finished"), "\(runs.stderr)")
        let show = try run(["show", "old", "--diagnostics"])
        let optimizer = try before.run(named: "old").run.optimizer
        #expect(show.status == 0 && show.stdout.contains("arm: \(optimizer)"), "\(show.stderr)")
        // Databases from before the diagnostics say so; later ones show their tables.
        let hasDiagnostics = try !before.diagnostics(run: "old").isEmpty
        #expect(show.stdout.contains("none recorded") != hasDiagnostics, "\(show.stdout)")
        let compare = try run(["compare", "old"])
        #expect(compare.status == 0, "\(compare.stderr)")
        let evaluation = try run(["eval", "old", "--split", "test", "--beam", "2", "--quiet"])
        #expect(evaluation.status == 0 && evaluation.stdout.contains("BLEU"), "\(evaluation.stderr)")
        let translated = try NMTProcess.run(["translate", "--run", "old", "--beam", "2"], in: dir, stdin: Data("Y dijo Dios\n".utf8))
        #expect(translated.status == 0 && translated.stdout.split(separator: "\n").count == 1, "\(translated.stderr)")
        // Resume for two more updates: the old settings decode to the old behaviour.
        let resumed = try run(["train", "--resume", "old", "--max-update", String(lastUpdate + 2), "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try RunStore(path: dir.appendingPathComponent("nmt.sqlite").path)
        #expect(try after.schemaVersion() == Migrations.latestVersion)
        #expect(try after.metrics(run: "old").last?.update == lastUpdate + 2)
        #expect(try after.evaluations(run: "old").count >= 2)
        // Studies (schema 6 on) still show, report and count as done.
        for study in try after.studyNames() {
            let shown = try run(["study", "show", study, "--format", "json"])
            #expect(shown.status == 0 && shown.stdout.contains("\"cells\""), "\(shown.stderr)")
            let report = try run(["study", "report", study, "--html", "report.html"])
            #expect(report.status == 0, "\(report.stderr)")
            #expect(try after.studyRuns(study: study).allSatisfy { $0.status == .finished })
        }
    }
}
