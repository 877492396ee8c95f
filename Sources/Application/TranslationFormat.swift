import Foundation

/// How `nmt translate` writes its output.
/// - `plain`: one line per input line, the `nbest` hypotheses joined by tabs.
/// - `fairseq`: fairseq-generate's lines per input line: `S-i` (source BPE pieces), then for
///   each hypothesis `H-i` (score, pieces), `D-i` (score, detokenized text) and `P-i` (each
///   token's log-probability, `</s>` last). As in fairseq, scores are in base 2 and `H`/`D`
///   carry the length-normalised score, so its tools (sorting, rescoring) read them as they are.
/// - `tsv`: a header, then one row per hypothesis: `id`, `rank` (1 = best), `logprob` (natural
///   log, `</s>` included), `score` (logprob / length^lenpen, what the search ranks by), `hypothesis`.
public enum TranslationFormat: String, CaseIterable, Sendable {
    case plain, fairseq, tsv

    /// The header line, if the format has one.
    public var header: String? { self == .tsv ? "id\trank\tlogprob\tscore\thypothesis" : nil }

    /// The output lines for input line `id` (0-based in the whole stream).
    public func lines(id: Int, _ translation: ScoredTranslation) -> [String] {
        switch self {
        case .plain:
            return [translation.hypotheses.map { Self.oneLine($0.text) }.joined(separator: "\t")]
        case .fairseq:
            var out = ["S-\(id)\t" + translation.sourcePieces.joined(separator: " ")]
            for hyp in translation.hypotheses {
                let score = Self.number(hyp.score / M_LN2)
                out.append("H-\(id)\t\(score)\t" + hyp.pieces.joined(separator: " "))
                out.append("D-\(id)\t\(score)\t" + Self.oneLine(hyp.text))
                out.append("P-\(id)\t" + hyp.tokenLogProbs.map { Self.number(Double($0) / M_LN2) }.joined(separator: " "))
            }
            return out
        case .tsv:
            return translation.hypotheses.enumerated().map { rank, hyp in
                "\(id)\t\(rank + 1)\t\(Self.number(hyp.logProb))\t\(Self.number(hyp.score))\t" + Self.oneLine(hyp.text)
            }
        }
    }

    /// Four decimals, as fairseq prints scores; -inf never occurs for a finished hypothesis.
    static func number(_ value: Double) -> String { String(format: "%.4f", value) }

    /// A tab or line break inside a translation would break the line-per-record formats.
    static func oneLine(_ text: String) -> String {
        text.contains(where: { $0 == "\t" || $0.isNewline })
            ? String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 }) : text
    }
}
