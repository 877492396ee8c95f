import Metrics

/// BLEU and chrF of translations against one reference, through exactly the path `nmt bleu`
/// takes for files (the lines are read back from their UTF-8 bytes), so a stored score equals
/// `nmt bleu REF --hyp HYP` and sacreBLEU on the same files.
public struct CorpusBLEU {
    public var bleu: BLEUScore
    public var chrF: Double
    public var signature: String

    public static func score(hypotheses: [String], references: [String], name: String) throws -> CorpusBLEU {
        func lines(_ l: [String], _ n: String) throws -> NamedLines {
            NamedLines(name: n, lines: try TextLines(utf8: Array((l.joined(separator: "\n") + (l.isEmpty ? "" : "\n")).utf8), name: n))
        }
        let hyp = try lines(hypotheses, "hypotheses of \(name)")
        let ref = try lines(references, name)
        try CorpusScorer.checkAlignment(hypotheses: hyp, references: [ref])
        let options = BLEUOptions()
        let stats = CorpusScorer.statistics(hypotheses: hyp.lines, references: [ref.lines], options: options, chrF: CHRFOptions())
        return CorpusBLEU(bleu: BLEU.score(stats.bleu), chrF: stats.chrF.map { CHRF.score($0) } ?? 0,
                          signature: Signature.bleu(references: 1, options: options))
    }
}
