import Foundation
import Store
import Testing
import TestSupport

/// `nmt shortlist learn` and `--shortlist` on translate and eval (also with `--int8`), on a small trained run.
struct ShortlistCommandTests {
    @Test func learnStoreAndDecodeWithTheShortlist() throws {
        let ws = try TrainingWorkspace(label: "shortlist")
        let trained = try ws.train("r", ["--lr", "3e-3", "--max-update", "20", "--valid-every", "10", "--save-every", "10"])
        #expect(trained.status == 0, "\(trained.stderr)")

        let missing = try ws.run(["translate", "--run", "r", "--shortlist"], stdin: Data("Y dijo Dios\n".utf8))
        #expect(missing.status != 0 && missing.errorLines.count == 1 && missing.stderr.contains("nmt shortlist learn r"), "\(missing.stderr)")

        let learned = try ws.run(["shortlist", "learn", "r", "--best", "30", "--frequent", "50"])
        #expect(learned.status == 0, "\(learned.stderr)")
        #expect(learned.stdout.contains("shortlist from 400 training pairs, 50 frequent tokens"), "\(learned.stdout)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let stored = try #require(try store.shortlist(run: "r"))
        #expect(stored.settingsJSON.contains("\"best\":30") && stored.data.count > 400 * 4)

        let input = Data("En el principio\n\nY dijo Dios\n".utf8)
        let listed = try ws.run(["translate", "--run", "r", "--shortlist", "--beam", "3"], stdin: input)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 4)  // three lines and the final newline

        let eval = try ws.run(["eval", "r", "--split", "test", "--shortlist", "--beam", "2"])
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stdout.contains("beam 2, shortlist:"), "\(eval.stdout)")
        #expect(try store.evaluations(run: "r").last?.decodingJSON.contains("\"shortlist\":true") == true)

        // --int8 with the shortlist (its output rows quantized as the full table's): translate
        // answers every line, and eval records both approximations with the evaluation.
        let quantized = try ws.run(["translate", "--run", "r", "--shortlist", "--int8", "--beam", "3"], stdin: input)
        #expect(quantized.status == 0 && quantized.stderr.contains("int8 decoding: kernel "), "\(quantized.stderr)")
        #expect(quantized.stdout.split(separator: "\n", omittingEmptySubsequences: false).count == 4)
        let int8Eval = try ws.run(["eval", "r", "--split", "test", "--shortlist", "--int8", "--beam", "2"])
        #expect(int8Eval.status == 0, "\(int8Eval.stderr)")
        #expect(int8Eval.stdout.contains("beam 2, shortlist, int8:"), "\(int8Eval.stdout)")
        let recorded = try store.evaluations(run: "r").last?.decodingJSON ?? ""
        #expect(recorded.contains("\"int8\":true") && recorded.contains("\"shortlist\":true"), "\(recorded)")

        let exported = try ws.run(["export", "r", "--out", "r.safetensors"])
        #expect(exported.status == 0)
        let wrong = try ws.run(["translate", "--model", "r.safetensors", "--vocab", "small.bpe", "--shortlist"], stdin: input)
        #expect(wrong.status != 0 && wrong.errorLines.count == 1 && wrong.stderr.contains("--shortlist needs --run"), "\(wrong.stderr)")
        let unknown = try ws.run(["shortlist", "learn", "nope"])
        #expect(unknown.status != 0 && unknown.errorLines.count == 1, "\(unknown.stderr)")
        let bad = try ws.run(["shortlist", "learn", "r", "--best", "0"])
        #expect(bad.status != 0 && bad.errorLines.count == 1 && bad.stderr.contains("--best"), "\(bad.stderr)")
    }
}
