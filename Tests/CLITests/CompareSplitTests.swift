import Foundation
import Testing
import TestSupport

/// `nmt compare A B --split test`: the paired test of the runs' stored evaluations, identical to
/// `nmt bleu --paired-bs` on the same translations.
@Suite(.serialized) struct CompareSplitTests {
    @Test func compareTestsTheStoredEvaluations() throws {
        let ws = try TrainingWorkspace(label: "compare-split")
        for (name, lr) in [("a", "3e-3"), ("b", "1e-3")] {
            let trained = try ws.train(name, ["--optimizer", "adam", "--lr", lr, "--warmup", "5", "--max-update", "12", "--valid-every", "6",
                                              "--save-every", "6"])
            try #require(trained.status == 0, "\(trained.stderr)")
        }
        let missing = try ws.run(["compare", "a", "b", "--split", "test"])
        #expect(missing.status != 0 && missing.stderr.contains("run a has no evaluation of the test split"), "\(missing.stderr)")
        for name in ["a", "b"] {
            let e = try ws.run(["eval", name, "--split", "test", "--beam", "1", "--quiet", "--src", "test.es", "--ref", "test.en", "--out", "\(name).hyp"])
            try #require(e.status == 0, "\(e.stderr)")
        }
        let compared = try ws.run(["compare", "a", "b", "--split", "test", "--paired-n", "200"])
        #expect(compared.status == 0, "\(compared.stderr)")
        #expect(compared.stdout.contains("Paired bootstrap resampling test with 200 resampling trials"))
        #expect(compared.stdout.contains("Baseline: a") && compared.stdout.contains("(p = "))
        // The same test through nmt bleu on the written translations gives the same cells.
        let direct = try ws.run(["bleu", "test.en", "-i", "a.hyp", "b.hyp", "-m", "bleu", "chrf", "--paired-bs", "--paired-bs-n", "200"])
        #expect(direct.status == 0, "\(direct.stderr)")
        func cells(_ text: String) -> [String] {
            text.split(separator: "\n").filter { $0.hasPrefix("│") }.dropFirst().map { line in
                line.split(separator: "│").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "|")
            }
        }
        #expect(cells(compared.stdout).count == 3)
        #expect(cells(compared.stdout) == cells(direct.stdout), "\(compared.stdout)\n\(direct.stdout)")
        let ar = try ws.run(["compare", "a", "b", "--split", "test", "--paired-ar", "--paired-n", "300"])
        #expect(ar.status == 0 && ar.stdout.contains("Paired approximate randomization test with 300 trials"), "\(ar.stderr)")
    }
}
