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
        Corpus BLEU with sacreBLEU 2.x's defaults (tokenizer 13a, smoothing exp), chrF2 (character order 6, \
        beta 2) and TER (Tercom's shifts, sacreBLEU's --ter-* options); -m picks the metrics (default bleu; \
        --chrf adds chrf). Lines are read as sacreBLEU's command line reads them: split on newlines, trailing \
        whitespace dropped. Several reference files are several references.
        """
    )

    @Argument(help: ArgumentHelp("Reference file(s), one segment per line; give several for multiple references.", valueName: "REF_FILE"))
    var referenceFiles: [String] = []

    @Option(name: [.customShort("i"), .customLong("hyp"), .customLong("input")],
            help: ArgumentHelp("Hypothesis file (default: standard input).", valueName: "HYP_FILE"))
    var hypothesisFile: String?

    @Option(name: [.customShort("m"), .customLong("metrics")], parsing: .upToNextOption,
            help: ArgumentHelp("Metrics to compute, any of: bleu chrf ter (default: bleu).", valueName: "METRIC"))
    var metrics: [MetricName] = []

    @Flag(name: [.customShort("b"), .customLong("score-only")], help: "Print only the score of each metric, one per line.")
    var scoreOnly = false

    @Option(name: [.customShort("w"), .customLong("width")], help: "Decimal places of the printed scores.")
    var width = 2

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

    @Option(help: ArgumentHelp("BLEU tokenizer: 13a, none, intl or char.", valueName: "13a|none|intl|char"))
    var tokenize: BLEUTokenizer = .thirteenA

    @Flag(help: "Lowercase before computing BLEU (chrF stays case-sensitive, as in sacreBLEU).")
    var lowercase = false

    @Flag(help: "Also compute chrF2.")
    var chrf = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if referenceFiles.isEmpty { throw ValidationError("give at least one reference file") }
        if width < 0 || width > 17 { throw ValidationError("--width must be in 0...17, got \(width)") }
        do { try chrFOptions.validate() } catch { throw ValidationError("\(error)") }
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
        let references = try referenceFiles.map { NamedLines(name: $0, lines: try TextLines(utf8: try readInput(path: $0), name: $0)) }
        let hypothesisName = hypothesisFile ?? "standard input"
        let hypothesisBytes = try hypothesisFile.map { try readInput(path: $0) } ?? readStandardInput()
        let hypotheses = NamedLines(name: hypothesisName, lines: try TextLines(utf8: hypothesisBytes, name: hypothesisName))
        try CorpusScorer.checkAlignment(hypotheses: hypotheses, references: references)

        let want = selected
        let options = BLEUOptions(tokenizer: tokenize, lowercase: lowercase)
        let stats = CorpusScorer.statistics(hypotheses: hypotheses.lines, references: references.map(\.lines),
                                            options: options, chrF: want.contains(.chrf) ? chrFOptions : nil)
        let bleu = BLEU.score(stats.bleu)
        let bleuSignature = Signature.bleu(references: references.count, options: options)
        let chrfScore = stats.chrF.map { CHRF.score($0, beta: chrfBeta) }
        let terOptions = TEROptions(normalized: terNormalized, noPunctuation: terNoPunct, asianSupport: terAsianSupport,
                                    caseSensitive: terCaseSensitive)
        let ter = want.contains(.ter) ? TER.statistics(hypotheses: hypotheses.lines, references: references.map(\.lines), options: terOptions) : nil
        let terSignature = TER.signature(references: references.count, options: terOptions)

        if json {
            print(Self.json(bleu: want.contains(.bleu) ? bleu : nil, signature: bleuSignature, chrF: chrfScore,
                            chrFName: chrFOptions.name, chrFSignature: Signature.chrF(references: references.count, options: chrFOptions),
                            ter: ter, terSignature: terSignature))
            return
        }
        func fixed(_ v: Double) -> String { String(format: "%.\(width)f", v) }
        if want.contains(.bleu) {
            if scoreOnly { print(fixed(bleu.score)) } else {
                print(bleu.line(width: width))
                print("BLEU signature: \(bleuSignature)")
            }
        }
        if let chrfScore {
            if scoreOnly { print(fixed(chrfScore)) } else {
                print("\(chrFOptions.name) = \(fixed(chrfScore))")
                print("\(chrFOptions.name) signature: \(Signature.chrF(references: references.count, options: chrFOptions))")
            }
        }
        if let ter {
            if scoreOnly { print(fixed(TER.score(ter))) } else {
                print("TER = \(fixed(TER.score(ter)))")
                print("TER signature: \(terSignature)")
            }
        }
    }

    /// `{"bleu": {"score", "precisions", "bp", "sys_len", "ref_len", "signature"}, "chrf": {"score", "name", "signature"},
    /// "ter": {"score", "num_edits", "ref_length", "signature"}}`, each present when computed.
    static func json(bleu: BLEUScore?, signature: String, chrF: Double?, chrFName: String = "chrF2", chrFSignature: String = "",
                     ter: TERStatistics? = nil, terSignature: String = "") -> String {
        var parts: [String] = []
        if let bleu {
            let precisions = bleu.precisions.map { "\($0)" }.joined(separator: ", ")
            parts.append("\"bleu\": {\"score\": \(bleu.score), \"precisions\": [\(precisions)], \"bp\": \(bleu.brevityPenalty), "
                + "\"sys_len\": \(bleu.hypothesisLength), \"ref_len\": \(bleu.referenceLength), \"signature\": \"\(signature)\"}")
        }
        if let chrF { parts.append("\"chrf\": {\"score\": \(chrF), \"name\": \"\(chrFName)\", \"signature\": \"\(chrFSignature)\"}") }
        if let ter {
            parts.append("\"ter\": {\"score\": \(TER.score(ter)), \"num_edits\": \(Int(ter.edits)), \"ref_length\": \(ter.referenceLength), "
                + "\"signature\": \"\(terSignature)\"}")
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

extension BLEUTokenizer: ExpressibleByArgument {}

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
