import Application
import ArgumentParser
import Foundation
import Metrics

/// `nmt bleu REF_FILE [REF_FILE ...] [--hyp HYP_FILE] [--tokenize 13a|none|intl|char] [--lowercase] [--chrf] [--json]`
struct BleuCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bleu",
        abstract: "Score translations exactly as sacreBLEU does.",
        discussion: """
        Corpus BLEU with sacreBLEU 2.x's defaults (tokenizer 13a, smoothing exp), optionally chrF2 \
        (character order 6, beta 2). Lines are read as sacreBLEU's command line reads them: split on \
        newlines, trailing whitespace dropped. Several reference files are several references.
        """
    )

    @Argument(help: ArgumentHelp("Reference file(s), one segment per line; give several for multiple references.", valueName: "REF_FILE"))
    var referenceFiles: [String] = []

    @Option(name: .customLong("hyp"), help: ArgumentHelp("Hypothesis file (default: standard input).", valueName: "HYP_FILE"))
    var hypothesisFile: String?

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
    }

    func run() throws {
        runtime.apply()
        let references = try referenceFiles.map { NamedLines(name: $0, lines: try TextLines(utf8: try readInput(path: $0), name: $0)) }
        let hypothesisName = hypothesisFile ?? "standard input"
        let hypothesisBytes = try hypothesisFile.map { try readInput(path: $0) } ?? readStandardInput()
        let hypotheses = NamedLines(name: hypothesisName, lines: try TextLines(utf8: hypothesisBytes, name: hypothesisName))
        try CorpusScorer.checkAlignment(hypotheses: hypotheses, references: references)

        let options = BLEUOptions(tokenizer: tokenize, lowercase: lowercase)
        let stats = CorpusScorer.statistics(hypotheses: hypotheses.lines, references: references.map(\.lines),
                                            options: options, includeCHRF: chrf)
        let bleu = BLEU.score(stats.bleu)
        let bleuSignature = Signature.bleu(references: references.count, options: options)
        let chrfScore = stats.chrF.map(CHRF.score)

        if json {
            print(Self.json(bleu: bleu, signature: bleuSignature, chrF: chrfScore))
        } else {
            print(bleu.line)
            print("BLEU signature: \(bleuSignature)")
            if let chrfScore {
                print(String(format: "chrF%d = %.2f", CHRF.beta, chrfScore))
                print("chrF\(CHRF.beta) signature: \(Signature.chrF(references: references.count))")
            }
        }
    }

    /// `{"bleu": {"score", "precisions", "bp", "sys_len", "ref_len", "signature"}, "chrf": {"score"}}`
    static func json(bleu: BLEUScore, signature: String, chrF: Double?) -> String {
        let precisions = bleu.precisions.map { "\($0)" }.joined(separator: ", ")
        var text = "{\"bleu\": {\"score\": \(bleu.score), \"precisions\": [\(precisions)], \"bp\": \(bleu.brevityPenalty), "
        text += "\"sys_len\": \(bleu.hypothesisLength), \"ref_len\": \(bleu.referenceLength), \"signature\": \"\(signature)\"}"
        if let chrF { text += ", \"chrf\": {\"score\": \(chrF)}" }
        return text + "}"
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
