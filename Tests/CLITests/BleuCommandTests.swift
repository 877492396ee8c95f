import Foundation
import Testing
import TestSupport

/// `nmt bleu`, run as the built binary (TestSupport.NMTProcess).
@Suite(.serialized)
struct BleuCommandTests {
    private static let fixtures = Fixtures.url("bleu")

    private struct Run {
        let stdout: String
        let stderr: String
        let status: Int32
    }

    private func nmt(_ arguments: [String], stdin: Data? = nil) throws -> Run {
        let r = try NMTProcess.run(["bleu"] + arguments, stdin: stdin)
        return Run(stdout: r.stdout, stderr: r.stderr, status: r.status)
    }

    /// A scratch directory with the given files (name → bytes).
    private func files(_ contents: [String: [UInt8]]) throws -> URL {
        let directory = try TemporaryDirectory.untilExit("bleu")
        for (name, bytes) in contents { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    private func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    private func expectOneErrorLine(_ run: Run, mentioning fragments: [String]) {
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty, "no score on error")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one error line, got: \(run.stderr)")
        for fragment in fragments { #expect(run.stderr.contains(fragment), "\(run.stderr) should mention \(fragment)") }
    }

    // MARK: Scores

    @Test func plainOutputHasSacreBLEUsShapeAndSignature() throws {
        let run = try nmt([fixture("basic.ref1.txt"), "--hyp", fixture("basic.hyp.txt"), "--chrf"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].range(of: #"^BLEU = \d+\.\d\d \d+\.\d/\d+\.\d/\d+\.\d/\d+\.\d \(BP = \d\.\d{3} ratio = \d\.\d{3} hyp_len = \d+ ref_len = \d+\)$"#,
                               options: .regularExpression) != nil, "\(lines[0])")
        #expect(lines[1] == "BLEU signature: nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0")
        #expect(lines[2].range(of: #"^chrF2 = \d+\.\d\d$"#, options: .regularExpression) != nil, "\(lines[2])")
        #expect(lines[3] == "chrF2 signature: nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0")
    }

    @Test func jsonMatchesSacreBLEUFixtureWithTwoReferencesFromStandardInput() throws {
        let expected = try #require(try Self.expectedCase(named: "two_references tok:intl lc"))
        let hypothesis = try Data(contentsOf: URL(fileURLWithPath: fixture("two_references.hyp.txt")))
        let run = try nmt([fixture("two_references.ref1.txt"), fixture("two_references.ref2.txt"),
                           "--tokenize", "intl", "--lowercase", "--chrf", "--json"], stdin: hypothesis)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["bleu", "chrf"])
        let bleu = try #require(object["bleu"] as? [String: Any])
        #expect(Set(bleu.keys) == ["score", "precisions", "bp", "sys_len", "ref_len", "signature"])
        let expectedBLEU = try #require(expected["bleu"] as? [String: Any])
        #expect(abs((bleu["score"] as! Double) - (expectedBLEU["score"] as! Double)) < 0.01)
        #expect(abs((bleu["bp"] as! Double) - (expectedBLEU["bp"] as! Double)) < 0.01)
        for (mine, theirs) in zip(bleu["precisions"] as! [Double], expectedBLEU["precisions"] as! [Double]) { #expect(abs(mine - theirs) < 0.01) }
        #expect((bleu["precisions"] as! [Double]).count == 4)
        #expect(bleu["sys_len"] as? Int == expectedBLEU["sys_len"] as? Int)
        #expect(bleu["ref_len"] as? Int == expectedBLEU["ref_len"] as? Int)
        #expect(bleu["signature"] as? String == expectedBLEU["signature"] as? String)
        let chrf = try #require(object["chrf"] as? [String: Any])
        #expect(abs((chrf["score"] as! Double) - (expected["chrf"] as! Double)) < 0.01)
    }

    @Test func jsonWithoutChrFHasOnlyBLEU() throws {
        let run = try nmt([fixture("all_empty_hypothesis.ref1.txt"), "--hyp", fixture("all_empty_hypothesis.hyp.txt"), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["bleu"])
        let bleu = try #require(object["bleu"] as? [String: Any])
        #expect(bleu["score"] as? Double == 0)
        #expect(bleu["sys_len"] as? Int == 0)
    }

    private static func expectedCase(named name: String) throws -> [String: Any]? {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("expected.json"))
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (root?["cases"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    // MARK: Bad input

    @Test func emptyHypothesisFileAgainstNonEmptyReference() throws {
        let dir = try files(["hyp.txt": [], "ref.txt": Array("a b\nc d\n".utf8)])
        let run = try nmt([dir.appendingPathComponent("ref.txt").path, "--hyp", dir.appendingPathComponent("hyp.txt").path])
        expectOneErrorLine(run, mentioning: ["hyp.txt", "0 lines", "ref.txt", "2"])
    }

    @Test func hypothesisLineCountMismatch() throws {
        let dir = try files(["hyp.txt": Array("a\nb\nc\n".utf8), "ref.txt": Array("a\nb\n".utf8)])
        let run = try nmt([dir.appendingPathComponent("ref.txt").path, "--hyp", dir.appendingPathComponent("hyp.txt").path])
        expectOneErrorLine(run, mentioning: ["hyp.txt", "3 lines", "ref.txt"])
    }

    @Test func referencesOfDifferentLengths() throws {
        let dir = try files(["hyp.txt": Array("a\nb\n".utf8), "r1.txt": Array("a\nb\n".utf8), "r2.txt": Array("a\n".utf8)])
        let run = try nmt([dir.appendingPathComponent("r1.txt").path, dir.appendingPathComponent("r2.txt").path,
                           "--hyp", dir.appendingPathComponent("hyp.txt").path])
        expectOneErrorLine(run, mentioning: ["r2.txt", "1 line", "r1.txt"])
    }

    @Test func unreadableFiles() throws {
        let dir = try files(["ref.txt": Array("a\n".utf8)])
        let missing = dir.appendingPathComponent("missing.txt").path
        expectOneErrorLine(try nmt([missing, "--hyp", dir.appendingPathComponent("ref.txt").path]), mentioning: ["missing.txt", "No such file"])
        expectOneErrorLine(try nmt([dir.appendingPathComponent("ref.txt").path, "--hyp", missing]), mentioning: ["missing.txt", "No such file"])
        expectOneErrorLine(try nmt([dir.appendingPathComponent("ref.txt").path, "--hyp", dir.path]), mentioning: [dir.path])
    }

    @Test func invalidUTF8NamesFileAndLine() throws {
        let dir = try files(["hyp.txt": Array("fine\nbad \u{E9}".utf8.dropLast(1)) + [0x0A], "ref.txt": Array("fine\nok\n".utf8)])
        let run = try nmt([dir.appendingPathComponent("ref.txt").path, "--hyp", dir.appendingPathComponent("hyp.txt").path])
        expectOneErrorLine(run, mentioning: ["hyp.txt:2", "not valid UTF-8"])
        let inReference = try nmt([dir.appendingPathComponent("hyp.txt").path], stdin: Data("x\ny\n".utf8))
        expectOneErrorLine(inReference, mentioning: ["hyp.txt:2", "not valid UTF-8"])
    }

    @Test func unknownTokenizerIsRejected() throws {
        let run = try nmt([fixture("basic.ref1.txt"), "--hyp", fixture("basic.hyp.txt"), "--tokenize", "ja-mecab"])
        #expect(run.status != 0)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("ja-mecab") && run.stderr.contains("MeCab"))
    }
}
