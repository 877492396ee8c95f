import Foundation
import Store
import Testing
import TestSupport

/// Runs and studies name their files by the paths they were given; reading commands find them
/// again from another directory (relative to the database, checked by hash), take an override,
/// and say which file they expected when it is gone.
struct StoredPathTests {
    @Test func evalAndStudyShowWorkFromAnotherDirectory() throws {
        let ws = try TrainingWorkspace(label: "paths")
        #expect(try ws.train("r", ["--optimizer", "radam", "--max-update", "4", "--valid-every", "2", "--save-every", "2"]).status == 0)
        let study = try ws.run(["study", "run", "s"] + TrainingWorkspace.modelFlags + ["--arms", "adam,adam-warmup", "--warmups", "2", "--lrs", "3e-3",
                                "--seeds", "1,2", "--max-update", "4", "--valid-every", "2", "--save-every", "2", "--keep-last", "2",
                                "--average-last", "2", "--beam", "1", "--test-src", "test.es", "--test-tgt", "test.en"])
        #expect(study.status == 0, "\(study.stderr)")
        let elsewhere = ws.directory.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let db = ws.path("nmt.sqlite")
        // The run's vocabulary and valid/test files are found next to the database.
        let evaluated = try NMTProcess.run(["eval", "r", "--db", db, "--split", "test", "--beam", "1", "--quiet"], in: elsewhere)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        // The study's paired tests are not silently dropped: the references are found too.
        let shown = try NMTProcess.run(["study", "show", "s", "--db", db], in: elsewhere)
        #expect(shown.status == 0 && !shown.stdout.contains("warning:") && shown.stdout.contains("paired bootstrap"), "\(shown.stdout)")
        // An override takes precedence, checked by hash; a vocabulary that is not the run's is refused.
        try FileManager.default.copyItem(atPath: ws.path("small.bpe"), toPath: elsewhere.appendingPathComponent("copy.bpe").path)
        let overridden = try NMTProcess.run(["eval", "r", "--db", db, "--split", "test", "--beam", "1", "--vocab", "copy.bpe", "--quiet"], in: elsewhere)
        #expect(overridden.status == 0, "\(overridden.stderr)")
        try Data("not a bpe model\n".utf8).write(to: elsewhere.appendingPathComponent("other.bpe"))
        let wrong = try NMTProcess.run(["eval", "r", "--db", db, "--split", "test", "--vocab", "other.bpe"], in: elsewhere)
        #expect(wrong.status != 0 && wrong.errorLines.count == 1 && wrong.stderr.contains("other.bpe"), "\(wrong.stderr)")
        // Gone: one line naming the file and the flag that gives it.
        try FileManager.default.removeItem(atPath: ws.path("small.bpe"))
        let gone = try NMTProcess.run(["eval", "r", "--db", db, "--split", "test"], in: elsewhere)
        #expect(gone.status != 0 && gone.errorLines.count == 1 && gone.stderr.contains("small.bpe: the vocabulary of run r is not there")
                && gone.stderr.contains("--vocab"), "\(gone.stderr)")
    }
}
