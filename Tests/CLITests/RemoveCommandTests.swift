import Foundation
import Store
import Testing
import TestSupport

/// `nmt rm` and `nmt prune`: runs you no longer want go, finished runs keep only what they
/// still need, the file shrinks, and what would break something is refused in one line.
struct RemoveCommandTests {
    @Test func pruneKeepsWhatIsAskedAndTheRunStillEvaluates() throws {
        let ws = try TrainingWorkspace(label: "prune")
        for name in ["a", "b"] {
            let r = try ws.train(name, ["--optimizer", "radam", "--max-update", "8", "--valid-every", "2", "--save-every", "2", "--keep-last", "4"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.checkpoints(run: "a").count >= 4)
        let last = try #require(try store.checkpointInfo(run: "a", .last))
        let before = try store.fileBytes()
        let pruned = try ws.run(["prune", "a", "--keep", "last", "--drop-moments"])
        #expect(pruned.status == 0 && pruned.stdout.contains("pruned 1 run"), "\(pruned.stdout)\(pruned.stderr)")
        let after = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try after.checkpoints(run: "a").map(\.id) == [last.id])
        #expect(try after.checkpoints(run: "b").count >= 4, "another run is untouched")
        #expect(try after.fileBytes() < before, "the file shrank")
        // Still translates and evaluates; no longer resumes, and says why.
        let evaluated = try ws.run(["eval", "a", "--split", "test", "--checkpoint", "last", "--beam", "1", "--quiet"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let resumed = try ws.run(["train", "--resume", "a", "--quiet"])
        #expect(resumed.status != 0 && resumed.errorLines.count == 1 && resumed.stderr.contains("nmt prune --drop-moments"), "\(resumed.stderr)")
        // Every finished run when none is named; the default keeps best, last and avg.
        let all = try ws.run(["prune"])
        #expect(all.status == 0 && all.stdout.contains("pruned 2 runs"), "\(all.stdout)")
        let kept = Set(try [CheckpointSelector.best, .last].compactMap { try after.checkpointInfo(run: "b", $0)?.id })
        #expect(Set(try after.checkpoints(run: "b").map(\.id)) == kept)
        let bad = try ws.run(["prune", "a", "--keep", "newest"])
        #expect(bad.status != 0 && bad.stderr.contains("--keep: 'newest'"), "\(bad.stderr)")
    }

    @Test func removeTakesRunsAwayAndRefusesAStudysRun() throws {
        let ws = try TrainingWorkspace(label: "rm")
        #expect(try ws.train("a", ["--optimizer", "radam", "--max-update", "2"]).status == 0)
        #expect(try ws.train("b", ["--optimizer", "radam", "--max-update", "2"]).status == 0)
        let removed = try ws.run(["rm", "a"])
        #expect(removed.status == 0 && removed.stdout.contains("removed 1 run"), "\(removed.stdout)\(removed.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.listRuns().map(\.name) == ["b"])
        let unknown = try ws.run(["rm", "b", "nobody"])
        #expect(unknown.status != 0 && unknown.errorLines.count == 1 && unknown.stderr.contains("nobody"), "\(unknown.stderr)")
        #expect(try store.listRuns().map(\.name) == ["b"], "nothing removed when one name is wrong")
        let study = try ws.run(["study", "run", "s"] + TrainingWorkspace.modelFlags + ["--arms", "adam", "--lrs", "3e-3", "--seeds", "1",
                                "--max-update", "4", "--warmups", "2", "--valid-every", "2", "--save-every", "2", "--keep-last", "2",
                                "--average-last", "2", "--beam", "1", "--test-src", "test.es", "--test-tgt", "test.en"])
        #expect(study.status == 0, "\(study.stderr)")
        let member = try ws.run(["rm", "s.adam.lr0.003.s1"])
        #expect(member.status != 0 && member.errorLines.count == 1 && member.stderr.contains("belongs to a study"), "\(member.stderr)")
    }
}
