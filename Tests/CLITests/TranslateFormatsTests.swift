import Foundation
import Testing
import TestSupport

/// `nmt translate` as a coprocess, its n-best formats, and the bound on the beam.
@Suite(.serialized)
struct TranslateFormatsTests {
    /// A program that writes one line and waits for its answer gets it, line after line,
    /// without closing its end of the pipe; the answers equal those of a whole-file run.
    @Test func answersEachLineWhileTheInputStaysOpen() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        let lines = ["En el principio", "Y dijo Dios", "", "Y fue la tarde y la mañana"]
        let whole = try ws.run(["translate", "--run", "r", "--beam", "2", "--max-len-b", "5"],
                               stdin: Data(lines.map { $0 + "\n" }.joined().utf8))
        #expect(whole.status == 0, "\(whole.stderr)")
        let expected = whole.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let coprocess = try NMTCoprocess(["translate", "--run", "r", "--beam", "2", "--max-len-b", "5", "--quiet"], in: ws.directory)
        for (i, line) in lines.enumerated() {
            try coprocess.write(line + "\n")
            // The timeouts that expect an answer are hang guards only, long enough for a loaded machine.
            let answer = coprocess.readLine(timeout: 600)
            #expect(answer == expected[i], "line \(i): \(answer ?? "no answer within 600 s")")
        }
        // Half a line is not answered until its end arrives.
        try coprocess.write("En el")
        #expect(coprocess.readLine(timeout: 0.5) == nil)   // a slow machine cannot make this fail
        try coprocess.write(" principio\n")
        #expect(coprocess.readLine(timeout: 600) == expected[0])
        let end = try coprocess.finish()
        #expect(end.status == 0, "\(end.stderr)")
    }

    /// fairseq's S-/H-/D-/P- lines: H is the length-normalised base-2 score, P the per-token
    /// base-2 log-probabilities (so H = ΣP / length with lenpen 1), best first.
    @Test func nbestFairseqAndTSVFormats() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        let input = Data("En el principio\nY dijo Dios\n".utf8)
        let decoding = ["translate", "--run", "r", "--beam", "3", "--max-len-b", "5"]
        let fairseq = try ws.run(decoding + ["--nbest", "3"], stdin: input)
        #expect(fairseq.status == 0, "\(fairseq.stderr)")
        let rows = fairseq.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let kinds: [String] = (0..<2).flatMap { id -> [String] in
            ["S-\(id)"] + (0..<3).flatMap { _ in ["H-\(id)", "D-\(id)", "P-\(id)"] }
        }
        #expect(rows.map { $0[0] } == kinds)
        var scores: [[Double]] = [[], []]
        for (i, row) in rows.enumerated() where row[0].hasPrefix("H-") {
            let id = Int(row[0].dropFirst(2))!
            let h = try #require(Double(row[1]))
            #expect(rows[i + 1][1] == row[1], "D carries H's score")
            let p = rows[i + 2][1].split(separator: " ").map { Double($0)! }
            #expect(p.count == row[2].split(separator: " ").count + 1, "one P per piece, </s> last")
            #expect(abs(p.reduce(0, +) / Double(p.count) - h) <= 1e-4 * Double(p.count) + 1e-4)
            #expect(p.allSatisfy { $0 <= 0 })
            scores[id].append(h)
        }
        #expect(scores.allSatisfy { $0.count == 3 && $0 == $0.sorted(by: >) })

        let tsv = try ws.run(decoding + ["--nbest", "3", "--nbest-format", "tsv"], stdin: input)
        #expect(tsv.status == 0, "\(tsv.stderr)")
        let table = tsv.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(table.first == ["id", "rank", "logprob", "score", "hypothesis"])
        #expect(table.dropFirst().map { "\($0[0]):\($0[1])" } == ["0:1", "0:2", "0:3", "1:1", "1:2", "1:3"])
        let tsvScores = table.dropFirst().map { Double($0[3])! }
        for (a, b) in zip(tsvScores, scores.flatMap { $0 }) { #expect(abs(a / M_LN2 - b) < 1e-3) }
        #expect(table.dropFirst().allSatisfy { Double($0[2])! <= Double($0[3])! + 1e-9 }, "logprob ≤ logprob / length")
        // Rank 1 is what the one-best run prints.
        let best = try ws.run(decoding, stdin: input)
        #expect(best.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
                == table.dropFirst().filter { $0[1] == "1" }.map { $0[4] })
        let plain = try ws.run(decoding + ["--nbest", "2", "--nbest-format", "plain"], stdin: input)
        #expect(plain.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).count } == [2, 2])
    }

    @Test func aBeamAboveTheBoundIsAClearError() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        let input = Data("hola\n".utf8)
        let huge = try ws.run(["translate", "--run", "r", "--beam", "100000"], stdin: input)
        #expect(huge.status != 0 && huge.errorLines.count == 1 && huge.stderr.contains("--max-beam"), "\(huge.stderr)")
        let lowered = try ws.run(["translate", "--run", "r", "--beam", "3", "--max-beam", "2"], stdin: input)
        #expect(lowered.status != 0 && lowered.stderr.contains("at most 2"), "\(lowered.stderr)")
        let raised = try ws.run(["translate", "--run", "r", "--beam", "65", "--max-beam", "65", "--max-len-b", "2"], stdin: input)
        #expect(raised.status == 0, "\(raised.stderr)")
        let format = try ws.run(["translate", "--run", "r", "--nbest-format", "xml"], stdin: input)
        #expect(format.status != 0 && format.errorLines.count == 1, "\(format.stderr)")
    }
}
