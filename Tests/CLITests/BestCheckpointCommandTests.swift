import Foundation
import Store
import Testing
import TestSupport

/// `--best-checkpoint-metric` end to end, and `nmt average --best N` / `--checkpoints IDS`.
@Suite(.serialized)
struct BestCheckpointCommandTests {
    @Test func chrFPicksTheBestAndAverageTakesTheBestOrNamedCheckpoints() throws {
        let ws = try TrainingWorkspace(label: "bestmetric")
        let r = try ws.train("c", ["--lr", "3e-3", "--max-update", "12", "--valid-every", "3", "--save-every", "3", "--keep-last", "4",
                                   "--eval-bleu", "--best-checkpoint-metric", "chrf"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("best valid chrf"), "\(r.stdout)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let validations = try store.validations(run: "c")
        #expect(validations.count == 4 && validations.allSatisfy { $0.chrF != nil && $0.bleu != nil })
        let checkpoints = try store.checkpoints(run: "c")
        #expect(checkpoints.count == 4)
        for info in checkpoints {
            let v = try #require(validations.first { $0.update == info.update })
            #expect(info.selectionValue == -v.chrF!)
        }
        let bestChrF = validations.max { $0.chrF! < $1.chrF! }!
        let shown = try ws.run(["export", "c", "--checkpoint", "best", "--out", "best.safetensors"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(try store.loadCheckpoint(run: "c", .best).info.update == bestChrF.update)

        let best2 = try ws.run(["average", "c", "--best", "2"])
        #expect(best2.status == 0, "\(best2.stderr)")
        let topTwo = validations.sorted { ($0.chrF!, -$0.update) > ($1.chrF!, -$1.update) }.prefix(2).map(\.update).sorted()
        #expect(best2.stdout.contains("average of 2 checkpoints (updates \(topTwo.map(String.init).joined(separator: ", ")))"), "\(best2.stdout)")
        let ids = checkpoints.prefix(2).map(\.id)
        let named = try ws.run(["average", "c", "--checkpoints", ids.map(String.init).joined(separator: ",")])
        #expect(named.status == 0 && named.stdout.contains("updates \(checkpoints[0].update), \(checkpoints[1].update))"), "\(named.stdout)")
        for bad in [["--checkpoints", "1,x"], ["--best", "9"], ["--best", "2", "--last", "2"], ["--checkpoints", "99999"]] {
            let e = try ws.run(["average", "c"] + bad)
            #expect(e.status != 0 && e.errorLines.count == 1, "\(bad): \(e.stderr)")
        }
        let needsBLEU = try ws.train("n", ["--max-update", "2", "--best-checkpoint-metric", "bleu"])
        #expect(needsBLEU.status != 0 && needsBLEU.stderr.contains("--eval-bleu") && needsBLEU.errorLines.count == 1, "\(needsBLEU.stderr)")
    }
}
