import Application
import ArgumentParser
import Foundation
import Metrics

/// `nmt bleu REF_FILE [REF_FILE ...] [-i|--hyp HYP_FILE] [-m bleu chrf ter] [--tokenize 13a|none|intl|char] [--lowercase]
/// [--chrf] [--ter-*] [-b] [-w N] [--json]`
struct BleuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bleu",
        abstract: "Score translations exactly as sacreBLEU does.",
        discussion: """
        Corpus BLEU with sacreBLEU 2.x's defaults (tokenizer 13a, smoothing exp),
        chrF2 (character order 6, beta 2) and TER (Tercom's shifts, sacreBLEU's
        --ter-* options); -m picks the metrics (default bleu; --chrf adds chrf).
        Lines are read as sacreBLEU's command line reads them: split on newlines,
        trailing whitespace dropped. Several reference files are several references.
        """
    )

    @Argument(help: ArgumentHelp("Reference file(s), one segment per line; give several for multiple references.", valueName: "REF_FILE"))
    var referenceFiles: [String] = []

    @Option(name: [.customShort("i"), .customLong("hyp"), .customLong("input")], parsing: .upToNextOption,
            help: ArgumentHelp("Hypothesis file(s): one system, or several (the first is the baseline of --paired-*). Default: standard input.",
                               valueName: "HYP_FILE"))
    var hypothesisFiles: [String] = []

    @Flag(name: .customLong("confidence"), help: "Bootstrap mean and 95% interval of each score (sacreBLEU's --confidence).")
    var confidence = false
    @Option(name: .customLong("confidence-n"), help: "Bootstrap resamples for --confidence.") var confidenceN = 1000
    @Flag(name: .customLong("paired-bs"), help: "Paired bootstrap resampling of every system against the first.") var pairedBS = false
    @Option(name: .customLong("paired-bs-n"), help: "Resamples for --paired-bs.") var pairedBSN = 1000
    @Flag(name: .customLong("paired-ar"), help: "Paired approximate randomization of every system against the first.") var pairedAR = false
    @Option(name: .customLong("paired-ar-n"), help: "Trials for --paired-ar.") var pairedARN = 10000

    @Option(name: [.customShort("m"), .customLong("metrics")], parsing: .upToNextOption,
            help: ArgumentHelp("Metrics to compute, any of: bleu chrf ter (default: bleu).", valueName: "METRIC"))
    var metrics: [MetricName] = []

    @Flag(name: [.customShort("b"), .customLong("score-only")], help: "Print only the score of each metric, one per line.")
    var scoreOnly = false

    @Option(name: [.customShort("w"), .customLong("width")], help: "Decimal places of the printed scores (default 2; 1 with --format, as sacreBLEU).")
    var widthOption: Int?

    /// nmt's own output keeps two decimals by default; sacreBLEU's formats its one.
    var width: Int { widthOption ?? (format == nil && !sentenceLevel ? 2 : 1) }

    @Option(name: [.customShort("f"), .customLong("format")], help: "sacreBLEU's output: json or text (default: nmt's lines below).")
    var format: SacreBLEUOutput.Format?
    @Flag(name: [.customLong("sentence-level"), .customLong("sl", withSingleDash: true)],
          help: "One score per sentence, as sacreBLEU -sl (BLEU with effective order); one metric only.")
    var sentenceLevel = false
    @Option(name: [.customShort("s"), .customLong("smooth-method")], help: "BLEU smoothing: exp (default), floor, add-k or none.")
    var smoothMethod = "exp"
    @Option(name: [.customLong("smooth-value"), .customLong("sv", withSingleDash: true)],
            help: "The value of floor (default 0.1) or add-k (default 1).")
    var smoothValue: Double?
    @Option(name: [.customLong("num-refs"), .customLong("nr", withSingleDash: true)],
            help: "The references as one file of N tab-separated fields per line.")
    var numRefs: Int?

    @Option(name: .customLong("chrf-char-order"), help: "chrF: character n-gram order.") var chrfCharOrder = 6
    @Option(name: .customLong("chrf-word-order"), help: "chrF: word n-gram order (2 = chrF++).") var chrfWordOrder = 0
    @Option(name: .customLong("chrf-beta"), help: "chrF: weight of recall.") var chrfBeta = 2
    @Flag(name: .customLong("chrf-whitespace"), help: "chrF: count whitespace as characters.") var chrfWhitespace = false
    @Flag(name: .customLong("chrf-lowercase"), help: "chrF: lowercase first.") var chrfLowercase = false

    @Flag(name: .customLong("ter-case-sensitive"), help: "TER: do not lowercase.") var terCaseSensitive = false
    @Flag(name: .customLong("ter-no-punct"), help: "TER: remove punctuation.") var terNoPunct = false
    @Flag(name: .customLong("ter-asian-support"), help: "TER: CJK characters as words (with --ter-normalized), CJK punctuation removed (with --ter-no-punct).")
    var terAsianSupport = false
    @Flag(name: .customLong("ter-normalized"), help: "TER: Tercom's normalization (punctuation split, XML entities).") var terNormalized = false

    @Option(name: [.customLong("tokenize"), .customLong("tok", withSingleDash: true)],
            help: ArgumentHelp("BLEU tokenizer: 13a, none, intl, char or zh.", valueName: "13a|none|intl|char|zh"))
    var tokenizeName = "13a"

    @Flag(name: [.customLong("lowercase"), .customLong("lc", withSingleDash: true)],
          help: "Lowercase before computing BLEU (chrF stays case-sensitive, as in sacreBLEU).")
    var lowercase = false

    @Flag(help: "Also compute chrF2.")
    var chrf = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @OptionGroup var runtime: RuntimeOptions

    /// The tokenizer named, or why it is not here.
    var tokenize: BLEUTokenizer {
        get throws {
            if let t = BLEUTokenizer(rawValue: tokenizeName) { return t }
            switch tokenizeName {
            case "ja-mecab", "ko-mecab":
                throw ValidationError("--tokenize \(tokenizeName) needs MeCab and its dictionary, which nmt does not ship; use sacreBLEU for it")
            case "spm", "flores101", "flores200", "spBLEU-1K":
                throw ValidationError("--tokenize \(tokenizeName) needs a SentencePiece model sacreBLEU downloads; nmt works offline and does not have it")
            default:
                throw ValidationError("--tokenize must be 13a, none, intl, char or zh, got '\(tokenizeName)'")
            }
        }
    }

    var bleuOptions: BLEUOptions {
        get throws {
            BLEUOptions(tokenizer: try tokenize, lowercase: lowercase, smoothing: try BLEUSmoothing(method: smoothMethod, value: smoothValue),
                        effectiveOrder: sentenceLevel)
        }
    }

    func validate() throws {
        if referenceFiles.isEmpty { throw ValidationError("give at least one reference file") }
        if width < 0 || width > 17 { throw ValidationError("--width must be in 0...17, got \(width)") }
        _ = try bleuOptions
        if let numRefs {
            if numRefs < 1 { throw ValidationError("--num-refs must be at least 1, got \(numRefs)") }
            if referenceFiles.count != 1 { throw ValidationError("--num-refs takes one reference file of tab-separated references, got \(referenceFiles.count)") }
        }
        if sentenceLevel {
            if selected.count > 1 { throw ValidationError("--sentence-level scores one metric at a time, got \(selected.count)") }
            if hypothesisFiles.count > 1 || confidence || pairedBS || pairedAR {
                throw ValidationError("--sentence-level scores one system's sentences: drop the other systems, --confidence and --paired-*")
            }
        }
        if format != nil && (hypothesisFiles.count > 1 || confidence || json) {
            throw ValidationError("--format prints sacreBLEU's single-system output: one system, without --confidence or --json")
        }
        do { try chrFOptions.validate() } catch { throw ValidationError("\(error)") }
        if pairedBS && pairedAR { throw ValidationError("--paired-bs and --paired-ar exclude each other") }
        if (pairedBS || pairedAR) && hypothesisFiles.count < 2 {
            throw ValidationError("--paired-\(pairedBS ? "bs" : "ar") compares systems with the first: give at least two after -i")
        }
        if confidence && hypothesisFiles.count > 1 { throw ValidationError("--confidence takes one system; for several use --paired-bs") }
        for (flag, n) in [("--confidence-n", confidenceN), ("--paired-bs-n", pairedBSN), ("--paired-ar-n", pairedARN)] where n < 1 {
            throw ValidationError("\(flag) must be at least 1, got \(n)")
        }
        _ = try Self.seed()
    }

    /// sacreBLEU's seed: SACREBLEU_SEED, default 12345.
    static func seed() throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["SACREBLEU_SEED"] else { return Resampling.defaultSeed }
        guard let seed = UInt64(text) else {
            throw ValidationError("SACREBLEU_SEED must be a non-negative integer, got '\(text)'")
        }
        return seed
    }

    enum MetricName: String, ExpressibleByArgument, CaseIterable {
        case bleu, chrf, ter
    }

    var chrFOptions: CHRFOptions {
        CHRFOptions(charOrder: chrfCharOrder, wordOrder: chrfWordOrder, beta: chrfBeta, lowercase: chrfLowercase, whitespace: chrfWhitespace)
    }

    /// The metrics asked for, in sacreBLEU's order (bleu, chrf, ter).
    var selected: Set<MetricName> {
        var set = Set(metrics)
        if set.isEmpty { set.insert(.bleu) }
        if chrf { set.insert(.chrf) }
        return set
    }

    func run() throws {
        runtime.apply()
        let references = try numRefs.map { try SacreBLEUOutput.splitReferences(file: referenceFiles[0], bytes: try readInput(path: referenceFiles[0]), count: $0) }
            ?? referenceFiles.map { NamedLines(name: $0, lines: try TextLines(utf8: try readInput(path: $0), name: $0)) }
        let systems = try hypothesisFiles.isEmpty
            ? [NamedLines(name: "standard input", lines: try TextLines(utf8: try readStandardInput(), name: "standard input"))]
            : hypothesisFiles.map { NamedLines(name: $0, lines: try TextLines(utf8: try readInput(path: $0), name: $0)) }
        for system in systems { try CorpusScorer.checkAlignment(hypotheses: system, references: references) }
        if selected.contains(.ter) { for system in systems { try TER.checkSize(hypotheses: system, references: references) } }
        if sentenceLevel || format != nil {
            let output = SacreBLEUOutput(width: width, scoreOnly: scoreOnly, bleu: try bleuOptions, chrF: chrFOptions, ter: terOptions,
                                         metrics: [MetricName.bleu, .chrf, .ter].filter(selected.contains).map(\.rawValue))
            print(sentenceLevel ? output.sentences(systems[0].lines, references: references.map(\.lines))
                                : output.corpus(systems[0].lines, references: references.map(\.lines), format: format ?? .json),
                  terminator: "")
            return
        }
        if systems.count > 1 {
            try runSeveral(systems, references: references)
        } else {
            try runOne(systems[0], references: references)
        }
    }

    var terOptions: TEROptions {
        TEROptions(normalized: terNormalized, noPunctuation: terNoPunct, asianSupport: terAsianSupport, caseSensitive: terCaseSensitive)
    }

    /// Per-segment statistics of every selected metric for each system, metrics in sacreBLEU's
    /// order (bleu, chrf, ter).
    func segmentStatistics(_ systems: [NamedLines], references: [NamedLines]) throws -> [[SegmentStatistics]] {
        let refs = references.map(\.lines), want = selected
        var out = [[SegmentStatistics]](repeating: [], count: systems.count)
        if want.contains(.bleu) {
            let bleu = SegmentStatistics.bleu(systems: systems.map(\.lines), references: refs, options: try bleuOptions)
            for (s, stats) in bleu.enumerated() { out[s].append(stats) }
        }
        if want.contains(.chrf) {
            for (s, stats) in SegmentStatistics.chrF(systems: systems.map(\.lines), references: refs, options: chrFOptions).enumerated() {
                out[s].append(stats)
            }
        }
        if want.contains(.ter) {
            for (s, system) in systems.enumerated() { out[s].append(.ter(hypotheses: system.lines, references: refs, options: terOptions)) }
        }
        return out
    }

    func fixed(_ v: Double) -> String { String(format: "%.\(width)f", v) }

    func runOne(_ hypotheses: NamedLines, references: [NamedLines]) throws {
        let want = selected
        let options = try bleuOptions
        let stats = CorpusScorer.statistics(hypotheses: hypotheses.lines, references: references.map(\.lines),
                                            options: options, chrF: want.contains(.chrf) ? chrFOptions : nil)
        let bleu = BLEU.score(stats.bleu)
        var bleuSignature = Signature.bleu(references: references.count, options: options)
        let chrfScore = stats.chrF.map { CHRF.score($0, beta: chrfBeta) }
        var chrfSignature = Signature.chrF(references: references.count, options: chrFOptions)
        let ter = want.contains(.ter) ? TER.statistics(hypotheses: hypotheses.lines, references: references.map(\.lines), options: terOptions) : nil
        var terSignature = TER.signature(references: references.count, options: terOptions)

        // --confidence: bootstrap estimates from the per-segment statistics (computed once).
        var estimates: [MetricName: Resampling.Estimate] = [:]
        if confidence {
            let seed = try Self.seed()
            let metrics = try segmentStatistics([hypotheses], references: references)[0]
            for (name, stats) in zip([MetricName.bleu, .chrf, .ter].filter(want.contains), metrics) {
                estimates[name] = Resampling.confidence(stats, samples: confidenceN, seed: seed)
            }
            bleuSignature = Signature.withResampling(bleuSignature, bootstrap: confidenceN, randomization: nil, seed: seed)
            chrfSignature = Signature.withResampling(chrfSignature, bootstrap: confidenceN, randomization: nil, seed: seed)
            terSignature = Signature.withResampling(terSignature, bootstrap: confidenceN, randomization: nil, seed: seed)
        }
        func withEstimate(_ score: String, _ metric: MetricName) -> String {
            // sacreBLEU shows the estimate only when its mean is positive.
            guard let e = estimates[metric], e.mean > 0 else { return score }
            return score + " (μ = \(fixed(e.mean)) ± \(fixed(e.halfWidth)))"
        }

        if json {
            print(Self.json(bleu: want.contains(.bleu) ? bleu : nil, signature: bleuSignature, chrF: chrfScore,
                            chrFName: chrFOptions.name, chrFSignature: chrfSignature, ter: ter, terSignature: terSignature,
                            estimates: estimates.reduce(into: [:]) { $0[$1.key.rawValue] = $1.value }))
            return
        }
        if want.contains(.bleu) {
            if scoreOnly { print(withEstimate(fixed(bleu.score), .bleu)) } else {
                let line = bleu.line(width: width)
                let score = "BLEU = \(fixed(bleu.score))"
                print(withEstimate(score, .bleu) + line.dropFirst(score.count))
                print("BLEU signature: \(bleuSignature)")
            }
        }
        if let chrfScore {
            if scoreOnly { print(withEstimate(fixed(chrfScore), .chrf)) } else {
                print(withEstimate("\(chrFOptions.name) = \(fixed(chrfScore))", .chrf))
                print("\(chrFOptions.name) signature: \(chrfSignature)")
            }
        }
        if let ter {
            if scoreOnly { print(withEstimate(fixed(TER.score(ter)), .ter)) } else {
                print(withEstimate("TER = \(fixed(TER.score(ter)))", .ter))
                print("TER signature: \(terSignature)")
            }
        }
    }

    /// Several systems: sacreBLEU's paired-test table, or (no test asked) a table of scores.
    func runSeveral(_ systems: [NamedLines], references: [NamedLines]) throws {
        let statistics = zip(systems, try segmentStatistics(systems, references: references)).map { (name: $0.name, metrics: $1) }
        guard pairedBS || pairedAR else {
            let names = statistics[0].metrics.map(\.name)
            if json {
                let rows = statistics.map { s in
                    "{\"system\": \(PythonFormat.jsonString(s.name)), " + zip(names, s.metrics).map { "\"\($0)\": \($1.corpusScore)" }.joined(separator: ", ") + "}"
                }
                print("[" + rows.joined(separator: ", ") + "]")
            } else {
                print(FancyGrid.render(headers: ["System"] + names, rows: statistics.map { s in [[s.name]] + s.metrics.map { [fixed($0.corpusScore)] } }))
            }
            return
        }
        let report = SignificanceReport(systems: statistics, test: pairedBS ? .bootstrap(samples: pairedBSN) : .randomization(trials: pairedARN),
                                        seed: try Self.seed())
        if json {
            print(Self.json(report))
        } else {
            print(report.text(width: width), terminator: "")
        }
    }

    /// The paired report as sacreBLEU's JSON: one object per system, each metric
    /// `{"score", "p_value", "mean", "ci"}` (null where a value does not apply).
    static func json(_ report: SignificanceReport) -> String {
        func number(_ v: Double?) -> String { v.map { $0.isNaN ? "null" : "\($0)" } ?? "null" }
        let rows = report.rows.map { row in
            "{\"system\": \(PythonFormat.jsonString(row.system)), " + zip(report.metricNames, row.results).map { name, r in
                "\"\(name)\": {\"score\": \(r.score), \"p_value\": \(number(r.pValue)), \"mean\": \(number(r.estimate?.mean)), \"ci\": \(number(r.estimate?.halfWidth))}"
            }.joined(separator: ", ") + "}"
        }
        let signatures = zip(report.metricNames, report.signatures).map { "\"\($0)\": \"\($1)\"" }.joined(separator: ", ")
        return "{\"systems\": [" + rows.joined(separator: ", ") + "], \"signatures\": {" + signatures + "}}"
    }

    /// `{"bleu": {"score", "precisions", "bp", "sys_len", "ref_len", "signature"}, "chrf": {"score", "name", "signature"},
    /// "ter": {"score", "num_edits", "ref_length", "signature"}}`, each present when computed.
    static func json(bleu: BLEUScore?, signature: String, chrF: Double?, chrFName: String = "chrF2", chrFSignature: String = "",
                     ter: TERStatistics? = nil, terSignature: String = "", estimates: [String: Resampling.Estimate] = [:]) -> String {
        func confidence(_ metric: String) -> String {
            estimates[metric].map { ", \"confidence\": {\"mean\": \($0.mean), \"ci\": \($0.halfWidth)}" } ?? ""
        }
        var parts: [String] = []
        if let bleu {
            let precisions = bleu.precisions.map { "\($0)" }.joined(separator: ", ")
            parts.append("\"bleu\": {\"score\": \(bleu.score), \"precisions\": [\(precisions)], \"bp\": \(bleu.brevityPenalty), "
                + "\"sys_len\": \(bleu.hypothesisLength), \"ref_len\": \(bleu.referenceLength), \"signature\": \"\(signature)\"\(confidence("bleu"))}")
        }
        if let chrF { parts.append("\"chrf\": {\"score\": \(chrF), \"name\": \"\(chrFName)\", \"signature\": \"\(chrFSignature)\"\(confidence("chrf"))}") }
        if let ter {
            parts.append("\"ter\": {\"score\": \(TER.score(ter)), \"num_edits\": \(Int(ter.edits)), \"ref_length\": \(ter.referenceLength), "
                + "\"signature\": \"\(terSignature)\"\(confidence("ter"))}")
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

extension SacreBLEUOutput.Format: ExpressibleByArgument {}

/// A file or standard input that cannot be read, with the system's reason.
struct InputReadError: Error, CustomStringConvertible {
    let name: String
    let reason: String
    var description: String { "cannot read \(name): \(reason)" }
}

/// The whole file as bytes; an error names the file and the system's reason.
private func readInput(path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw InputReadError(name: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    return try readAll(fd: fd, name: path)
}

private func readStandardInput() throws -> [UInt8] {
    try readAll(fd: STDIN_FILENO, name: "standard input")
}

private func readAll(fd: Int32, name: String) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw InputReadError(name: name, reason: String(cString: strerror(errno)))
        }
        if n == 0 { return bytes }
        bytes.append(contentsOf: chunk[0 ..< n])
    }
}
