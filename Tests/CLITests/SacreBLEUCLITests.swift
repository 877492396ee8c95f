import Foundation
import Testing
import TestSupport

/// `nmt bleu` with the flags sacreBLEU users type (`-f json|text`, `-lc`, `-tok`, `-sl`, `-s`/`-sv`,
/// `-nr`, `-b`, `-w`): every case the real sacreBLEU 2.6.0 command line answered
/// (Tests/Fixtures/bleu-cli, scripts/reference/make_sacrebleu_cli_fixtures.py), replayed, stdout
/// byte for byte; where sacreBLEU fails, nmt fails too, with one line.
struct SacreBLEUCLITests {
    struct Case: Decodable {
        let name: String
        let args: [String]
        let stdout: String
        let exit: Int32
    }

    static let cases: [Case] = try! JSONDecoder().decode([Case].self, from: Fixtures.data("bleu-cli/cases.json"))

    /// Flags nmt does not take: sacreBLEU's short signatures, its language pairs (a test-set
    /// feature), and argparse's abbreviations of long flags.
    static let unsupported: Set<String> = ["-sh", "--short", "-l", "--language-pair", "--token", "--smooth"]

    static var comparable: [String] {
        cases.filter { c in !c.args.contains(where: unsupported.contains) }.map(\.name)
    }

    @Test func mostCasesAreComparable() {
        #expect(Self.cases.count >= 150 && Self.comparable.count >= Self.cases.count - 12, "\(Self.comparable.count) of \(Self.cases.count)")
    }

    @Test(arguments: comparable)
    func answersAsSacreBLEUDoes(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        // sacreBLEU prints JSON unless told otherwise; nmt keeps its own lines then.
        let asksFormat = c.args.contains { ["-f", "--format", "-sl", "--sentence-level"].contains($0) }
        let args = ["bleu"] + c.args + (asksFormat ? [] : ["-f", "json"])
        let r = try NMTProcess.run(args, in: Fixtures.url("bleu"))
        if c.exit == 0 {
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(r.stdout == c.stdout, "\(name):\nnmt:\n\(r.stdout)\nsacreBLEU:\n\(c.stdout)")
        } else {
            #expect(r.status != 0, "\(name): sacreBLEU refused (exit \(c.exit)), nmt printed \(r.stdout)")
            #expect(r.errorLines.count == 1 || r.stderr.hasPrefix("Error:"), "\(name): one line, got \(r.stderr)")
        }
    }

    /// A system file named with a quote still gives valid JSON (names are escaped, not pasted in).
    @Test func systemNamesAreEscapedInJSON() throws {
        let scratch = try TemporaryDirectory("bleu-json-names")
        try scratch.copy(fixtures: ["basic.hyp.txt", "basic.ref1.txt"], from: Fixtures.url("bleu"))
        try FileManager.default.copyItem(atPath: scratch.url.appendingPathComponent("basic.hyp.txt").path,
                                         toPath: scratch.url.appendingPathComponent("sys\"1.txt").path)
        for extra in [[], ["--paired-bs", "--paired-bs-n", "10"]] {
            let r = try NMTProcess.run(["bleu", "basic.ref1.txt", "-i", "basic.hyp.txt", "sys\"1.txt", "--json"] + extra, in: scratch.url)
            #expect(r.status == 0, "\(r.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: r.stdoutData)) != nil, "invalid JSON: \(r.stdout)")
            #expect(r.stdout.contains(#"sys\"1.txt"#))
        }
    }
}
