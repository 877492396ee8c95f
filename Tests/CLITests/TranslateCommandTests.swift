import Foundation
import Store
import Testing
import TestSupport

/// `nmt translate`, `score`, `average`, `eval` on a small trained run.
@Suite(.serialized)
struct TranslateCommandTests {
    static func trainedWorkspace() throws -> TrainingWorkspace {
        let ws = try TrainingWorkspace(label: "translate")
        let r = try ws.train("r", ["--lr", "3e-3", "--warmup", "10", "--max-update", "30", "--valid-every", "10",
                                   "--save-every", "10", "--keep-last", "3"])
        guard r.status == 0 else { throw TestSupportError("training failed: \(r.stderr)") }
        return ws
    }

    /// `--eval-bleu` stores the valid-set BLEU with each validation; `--learn-vocab` trains
    /// with a vocabulary learned for the run.
    @Test func evalBLEUDuringTrainingAndLearnedVocabulary() throws {
        let ws = try TrainingWorkspace(label: "evalbleu")
        let r = try ws.train("b", ["--lr", "3e-3", "--max-update", "20", "--valid-every", "10", "--eval-bleu", "--learn-vocab", "300"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: ws.path("b.bpe")))
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let validations = try store.validations(run: "b")
        #expect(validations.count == 2)
        #expect(validations.allSatisfy { ($0.bleu ?? -1) >= 0 && ($0.bleu ?? 101) <= 100 })
        #expect(try store.run(named: "b").run.configurationJSON.contains("b.bpe"))
        let again = try ws.train("b", ["--max-update", "5", "--learn-vocab", "300"])
        #expect(again.status != 0 && again.errorLines.count == 1)
        let version = try ws.run(["--version"])
        #expect(version.stdout.contains("OpenBLAS core") && version.stdout.contains("thread"))
    }

    @Test func translatesOneLinePerInputLineInOrder() throws {
        let ws = try Self.trainedWorkspace()
        var input = Data("En el principio\n\nY dijo Dios\n".utf8)
        input.append(Data((String(repeating: "palabra ", count: 400) + "\nfin").utf8))  // over-long, no final newline
        for beam in ["1", "3"] {
            let r = try ws.run(["translate", "--run", "r", "--beam", beam, "--max-len-b", "5"], stdin: input)
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 6 && lines.last == "", "one line per input line: \(lines)")
            #expect(lines[1] == "", "empty line in, empty line out")
            #expect(r.stderr.contains("truncated"))
        }
        // Invalid UTF-8 is refused as everywhere else (corpora, bpe, bleu): one line naming the
        // line, exit non-zero, the lines before it translated.
        var bad = Data("En el principio\n".utf8)
        bad.append(contentsOf: [0x61, 0xFF, 0x62, 0x0A, 0x63, 0x0A])
        let refused = try ws.run(["translate", "--run", "r", "--beam", "1", "--max-len-b", "5"], stdin: bad)
        #expect(refused.status != 0 && refused.errorLines.count == 1 && refused.stderr.contains("<stdin>:2: not valid UTF-8"), "\(refused.stderr)")
        #expect(refused.stdout.split(separator: "\n").count <= 1)
        // Batch composition does not change a sentence's translation.
        let alone = try ws.run(["translate", "--run", "r", "--beam", "3", "--max-len-b", "5"], stdin: Data("Y dijo Dios\n".utf8))
        let together = try ws.run(["translate", "--run", "r", "--beam", "3", "--max-len-b", "5"], stdin: input)
        #expect(alone.stdout.split(separator: "\n").first == together.stdout.split(separator: "\n", omittingEmptySubsequences: false)[2])
        // Same output from the exported model without the database.
        #expect(try ws.run(["export", "r", "--checkpoint", "best", "--out", "m.safetensors"]).status == 0)
        let exported = try ws.run(["translate", "--model", "m.safetensors", "--vocab", "small.bpe", "--beam", "3", "--max-len-b", "5"], stdin: input)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout == together.stdout)
        let missing = try ws.run(["translate", "--model", "m.safetensors"], stdin: input)
        #expect(missing.status != 0 && missing.stderr.contains("--vocab"))
        let unknown = try ws.run(["translate", "--run", "nobody"], stdin: input)
        #expect(unknown.status != 0 && unknown.stderr.contains("nobody") && unknown.errorLines.count == 1)
    }

    /// Forced decoding agrees with the trainer's validation NLL on the same pairs and weights.
    @Test func scoreAgreesWithTheTrainersLoss() throws {
        let ws = try Self.trainedWorkspace()
        let r = try ws.run(["score", "--run", "r", "--checkpoint", "last", "--src", "valid.es", "--tgt", "valid.en"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = r.stdout.split(separator: "\n").map { $0.split(separator: "\t").map { Double($0)! } }
        #expect(rows.count == 40)
        for row in rows { #expect(abs(row[0] / row[2] - row[1]) < 1e-9 && row[0] < 0) }
        let tokens = rows.map { $0[2] }.reduce(0, +)
        let nll = -rows.map { $0[0] }.reduce(0, +) / tokens
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        let validation = try #require(try store.validations(run: "r").last { $0.update == 30 })
        #expect(abs(nll - validation.nll) < 1e-4 * validation.nll, "score \(nll) vs trainer \(validation.nll)")
        let mismatched = try ws.run(["score", "--run", "r", "--src", "valid.es", "--tgt", "train.en"])
        #expect(mismatched.status != 0 && mismatched.errorLines.count == 1)
    }

    @Test func averagingOneCheckpointGivesItBackAndEvalIsStored() throws {
        let ws = try Self.trainedWorkspace()
        let one = try ws.run(["average", "r", "--last", "1"])
        #expect(one.status == 0, "\(one.stderr)")
        let store = try RunStore(path: ws.path("nmt.sqlite"))
        #expect(try store.loadCheckpoint(run: "r", .average).payload.weights == store.loadCheckpoint(run: "r", .last).payload.weights)
        let three = try ws.run(["average", "r", "--last", "3"])
        #expect(three.status == 0 && three.stdout.contains("average of 3 checkpoints (updates 10, 20, 30)"))
        let tooMany = try ws.run(["average", "r", "--last", "10"])
        #expect(tooMany.status != 0 && tooMany.stderr.contains("--keep-last 10"))
        // Resuming never starts from an averaged checkpoint.
        #expect(try store.loadCheckpoint(run: "r", .last).info.kind != .average)

        let eval = try ws.run(["eval", "r", "--split", "test", "--checkpoint", "avg", "--beam", "2", "--quiet"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let evaluation = try #require(try store.evaluations(run: "r").last)
        #expect(evaluation.split == "test")
        #expect(evaluation.decodingJSON.contains("\"beam\":2"))
        // The stored score is what `nmt bleu` says of the written translations.
        let bleu = try ws.run(["bleu", "test.en", "--hyp", "r.test.hyp", "--chrf", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(bleu.stdout.utf8)) as! [String: [String: Any]]
        #expect(abs((json["bleu"]!["score"] as! Double) - evaluation.bleu) < 1e-9)
        #expect(abs((json["chrf"]!["score"] as! Double) - evaluation.chrF) < 1e-9)
        #expect(evaluation.signature == json["bleu"]!["signature"] as! String)
        // A second evaluation writes its translations beside the first's, never over them.
        let first = try String(contentsOfFile: ws.path("r.test.hyp"), encoding: .utf8)
        let again = try ws.run(["eval", "r", "--split", "test", "--checkpoint", "last", "--beam", "1"])
        #expect(again.status == 0 && again.stdout.contains("translations in r.test.2.hyp"), "\(again.stdout)")
        #expect(try String(contentsOfFile: ws.path("r.test.hyp"), encoding: .utf8) == first)
        let runs = try ws.run(["runs"])
        #expect(runs.stdout.contains(String(format: "%.2f", evaluation.bleu)))
    }
}
