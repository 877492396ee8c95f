import Foundation
import Testing
import TestSupport

/// `nmt bleu --paired-bs/--paired-ar/--confidence` against `python3 -m sacrebleu -f text`
/// (scripts/reference/make_significance_fixtures.py): the paired reports byte for byte; for
/// --confidence, every score, mean and interval (nmt keeps its own line layout).
@Suite struct SignificanceCommandTests {
    struct Fixture: Decodable { let cases: [Case] }
    struct Case: Decodable, CustomStringConvertible {
        let name: String
        let args: [String]
        let seed: String?
        let stdout: String
        var description: String { name }
    }

    static let fixture = try! JSONDecoder().decode(Fixture.self, from: Fixtures.data("bleu-stats/significance.json"))
    static var names: [String] { fixture.cases.map(\.name) }

    func run(_ c: Case) throws -> NMTProcess.Result {
        try NMTProcess.run(["bleu"] + c.args, environment: c.seed.map { ["SACREBLEU_SEED": $0] } ?? ["SACREBLEU_SEED": "12345"])
    }

    @Test(arguments: names)
    func matchesSacreBLEU(name: String) throws {
        let c = try #require(Self.fixture.cases.first { $0.name == name })
        let r = try run(c)
        #expect(r.status == 0, "\(r.stderr)")
        if c.args.contains("--confidence") {
            // "(μ = M ± C)" and the scores, in order, must agree.
            #expect(Self.numbers(in: r.stdout, pattern: #"\(μ = ([0-9.]+) ± ([0-9.]+)\)"#)
                    == Self.numbers(in: c.stdout, pattern: #"\(μ = ([0-9.]+) ± ([0-9.]+)\)"#), "\(r.stdout)")
            #expect(Self.numbers(in: r.stdout, pattern: #"= ([0-9.]+)"#) == Self.numbers(in: c.stdout, pattern: #"= ([0-9.]+)"#), "\(r.stdout)")
            for signature in Self.numbers(in: c.stdout, pattern: #"\|(nrefs:[^ ]+) ="#) {
                #expect(r.stdout.contains(signature), "signature \(signature)")
            }
        } else {
            #expect(r.stdout == c.stdout, "\(r.stdout)")
        }
    }

    static func numbers(in text: String, pattern: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).flatMap { m in
            (1..<m.numberOfRanges).map { String(text[Range(m.range(at: $0), in: text)!]) }
        }
    }

    @Test func badStatisticsRequestsGiveOneClearLine() throws {
        let d = "Tests/Fixtures/bleu-stats"
        let cases: [([String], [String: String], String)] = [
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", "--paired-bs"], [:], "at least two"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", d + "/small30.radam.txt", "--confidence"], [:], "--paired-bs"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", d + "/small30.radam.txt", "--paired-bs", "--paired-bs-n", "0"], [:], "--paired-bs-n"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", d + "/small30.radam.txt", "--paired-bs", "--paired-ar"], [:], "exclude"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", d + "/bible500.beam1.txt", "--paired-bs"], [:], "bible500.beam1.txt"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", "-m", "meteor"], [:], "meteor"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", "--confidence"], ["SACREBLEU_SEED": "x"], "SACREBLEU_SEED"),
            ([d + "/small30.ref.txt", "-i", d + "/small30.adam.txt", "--chrf", "--chrf-char-order", "0"], [:], "chrF"),
        ]
        for (args, env, fragment) in cases {
            let r = try NMTProcess.run(["bleu"] + args, environment: env)
            #expect(r.status != 0, "\(args)")
            #expect(r.stdout.isEmpty, "\(args): nothing on stdout, got \(r.stdout)")
            #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)")
        }
    }
}
