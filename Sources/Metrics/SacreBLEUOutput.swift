/// sacreBLEU 2.6's command-line output for one system, byte for byte: `-f json` (an object per
/// metric, a list of them for several), `-f text` (`NAME|signature = score verbose`, the left
/// parts right-aligned to the longest), `-b` (scores only), and `--sentence-level` (the text line
/// of every sentence). Metrics come in sacreBLEU's order (BLEU, chrF, TER). Checked against the
/// real command line (Tests/Fixtures/bleu-cli, scripts/reference/make_sacrebleu_cli_fixtures.py).
public struct SacreBLEUOutput: Sendable {
    public enum Format: String, CaseIterable, Sendable { case json, text }

    public var width: Int
    public var scoreOnly: Bool
    public var bleu: BLEUOptions
    public var chrF: CHRFOptions
    public var ter: TEROptions
    /// "bleu", "chrf", "ter" (in that order).
    public var metrics: [String]

    public init(width: Int, scoreOnly: Bool, bleu: BLEUOptions, chrF: CHRFOptions, ter: TEROptions, metrics: [String]) {
        self.width = width; self.scoreOnly = scoreOnly; self.bleu = bleu; self.chrF = chrF; self.ter = ter; self.metrics = metrics
    }

    /// One metric's result as sacreBLEU's score object holds it.
    struct Result {
        var name: String
        var score: Double
        var signature: String
        var verbose: String?
    }

    /// The corpus scores in `format`, ending with a newline.
    public func corpus(_ hypotheses: TextLines, references: [TextLines], format: Format) -> String {
        var results: [Result] = []
        let signatureCount = references.count
        for metric in metrics {
            switch metric {
            case "bleu":
                let stats = CorpusScorer.statistics(hypotheses: hypotheses, references: references, options: bleu)
                results.append(bleuResult(BLEU.score(stats.bleu, smoothing: bleu.smoothing, effectiveOrder: bleu.effectiveOrder),
                                          signature: Signature.bleu(references: signatureCount, options: bleu)))
            case "chrf":
                let stats = SegmentStatistics.chrF(hypotheses: hypotheses, references: references, options: chrF)
                results.append(Result(name: chrF.name, score: stats.corpusScore, signature: Signature.chrF(references: signatureCount, options: chrF)))
            default:
                let stats = TER.statistics(hypotheses: hypotheses, references: references, options: ter)
                results.append(Result(name: "TER", score: TER.score(stats), signature: TER.signature(references: signatureCount, options: ter)))
            }
        }
        if scoreOnly {
            let scores = results.map { fixed($0.score) }
            return (format == .json && scores.count > 1 ? "[\n" + scores.joined(separator: ",\n") + "\n]" : scores.joined(separator: "\n")) + "\n"
        }
        switch format {
        case .json:
            let objects = results.map(json)
            return (objects.count == 1 ? objects[0] : "[\n" + objects.joined(separator: ",\n") + "\n]") + "\n"
        case .text:
            return textLines(results).map { $0 + "\n" }.joined()
        }
    }

    /// The text line of every sentence (sacreBLEU ignores `-f json` here); BLEU with effective order.
    public func sentences(_ hypotheses: TextLines, references: [TextLines]) -> String {
        var out = ""
        let n = references.count
        switch metrics.first ?? "bleu" {
        case "bleu":
            var options = bleu
            options.effectiveOrder = true
            let stats = SegmentStatistics.bleu(hypotheses: hypotheses, references: references, options: options)
            let signature = Signature.bleu(references: n, options: options)
            for s in 0..<stats.segments {
                let counts = SegmentStatistics.bleuStatistics(stats.row(s))
                out += line(bleuResult(BLEU.score(counts, smoothing: options.smoothing, effectiveOrder: true), signature: signature)) + "\n"
            }
        case "chrf":
            let stats = SegmentStatistics.chrF(hypotheses: hypotheses, references: references, options: chrF)
            let signature = Signature.chrF(references: n, options: chrF)
            for s in 0..<stats.segments {
                out += line(Result(name: chrF.name, score: stats.score(stats.row(s)),
                                   signature: signature)) + "\n"
            }
        default:
            let stats = SegmentStatistics.ter(hypotheses: hypotheses, references: references, options: ter)
            let signature = TER.signature(references: n, options: ter)
            for s in 0..<stats.segments {
                out += line(Result(name: "TER", score: stats.score(stats.row(s)),
                                   signature: signature)) + "\n"
            }
        }
        return out
    }

    /// The references of `-nr N`: one file whose lines hold N tab-separated references.
    public static func splitReferences(file: String, bytes: [UInt8], count: Int) throws -> [NamedLines] {
        let lines = try TextLines(utf8: bytes, name: file)
        var columns = [[String]](repeating: [], count: count)
        for i in 0..<lines.count {
            let text = lines.withLine(i) { String(String.UnicodeScalarView($0.compactMap(Unicode.Scalar.init))) }
            // Python's split('\t', maxsplit=N-1): the last field keeps any further tabs.
            let fields = text.split(separator: "\t", maxSplits: count - 1, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == count else {
                throw MetricsInputError.invalidSetting("\(file): line \(i + 1): expected \(count) tab-separated references, found \(fields.count)")
            }
            for k in 0..<count { columns[k].append(fields[k]) }
        }
        return columns.enumerated().map { NamedLines(name: "\(file) (reference \($0.offset + 1))", lines: TextLines(lines: $0.element)) }
    }

    func bleuResult(_ score: BLEUScore, signature: String) -> Result {
        let precisions = score.precisions.map { format1($0) }.joined(separator: "/")
        let verbose = "\(precisions) (BP = \(format3(score.brevityPenalty)) ratio = \(format3(score.ratio)) hyp_len = \(score.hypothesisLength) ref_len = \(score.referenceLength))"
        return Result(name: "BLEU", score: score.score, signature: signature, verbose: verbose)
    }

    /// `NAME|signature = score[ verbose]`, or the score alone with `-b`.
    func line(_ r: Result) -> String {
        scoreOnly ? fixed(r.score) : "\(r.name)|\(r.signature) = \(fixed(r.score))" + (r.verbose.map { " " + $0 } ?? "")
    }

    func textLines(_ results: [Result]) -> [String] {
        let heads = results.map { "\($0.name)|\($0.signature)" }
        let longest = heads.map(\.count).max() ?? 0
        return zip(heads, results).map { head, r in
            String(repeating: " ", count: longest - head.count) + head + " = " + fixed(r.score) + (r.verbose.map { " " + $0 } ?? "")
        }
    }

    /// `json.dumps(d, indent=1, ensure_ascii=False)` of sacreBLEU's score dictionary: name, score
    /// (rounded to the width, as a Python float), signature, verbose_score (BLEU), then every
    /// signature field as a string.
    func json(_ r: Result) -> String {
        var pairs: [(String, String)] = [("name", PythonFormat.jsonString(r.name)),
                                         ("score", PythonFormat.floatRepr(Double(fixed(r.score)) ?? r.score)),
                                         ("signature", PythonFormat.jsonString(r.signature))]
        if let verbose = r.verbose { pairs.append(("verbose_score", PythonFormat.jsonString(verbose))) }
        for field in r.signature.split(separator: "|") {
            let parts = field.split(separator: ":", maxSplits: 1).map(String.init)
            if parts.count == 2 { pairs.append((parts[0], PythonFormat.jsonString(parts[1]))) }
        }
        return "{\n" + pairs.map { " \(PythonFormat.jsonString($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}"
    }

    func fixed(_ v: Double) -> String { PythonFormat.fixed(v, decimals: width) }
    func format1(_ v: Double) -> String { PythonFormat.fixed(v, decimals: 1) }
    func format3(_ v: Double) -> String { PythonFormat.fixed(v, decimals: 3) }
}
