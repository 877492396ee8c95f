import Foundation
import Metrics
import Store

/// `nmt compare A B … --split test`: sacreBLEU's paired test of the runs' latest evaluations of a
/// split, from the translations stored with them (no translating again). The first run is the
/// baseline; all must have been evaluated against the same reference file.
public enum SplitComparison {
    public static func report(store: RunStore, runs: [String], split: String, test: SignificanceReport.Test,
                              seed: UInt64 = Resampling.defaultSeed) throws -> SignificanceReport {
        guard runs.count >= 2 else { throw ApplicationError("--split compares runs with the first: name at least two") }
        var translations: [TextLines] = []
        var referencePath: String?
        var references: TextLines?
        for run in runs {
            guard let evaluation = try store.evaluations(run: run).last(where: { $0.split == split && $0.hypotheses != nil }),
                  let hypothesesText = evaluation.hypotheses else {
                throw ApplicationError("run \(run) has no evaluation of the \(split) split with its translations stored (run `nmt eval \(run) --split \(split)`)")
            }
            let settings = try JSONDecoder().decode(EvaluationSettings.self, from: Data(evaluation.decodingJSON.utf8))
            if let referencePath, referencePath != settings.ref {
                throw ApplicationError("run \(run)'s \(split) evaluation used \(settings.ref), but \(runs[0])'s used \(referencePath): compare evaluations of the same references")
            }
            if references == nil {
                guard let bytes = FileManager.default.contents(atPath: settings.ref) else {
                    throw ApplicationError("\(settings.ref): cannot read the references of run \(run)'s \(split) evaluation")
                }
                references = try TextLines(utf8: Array(bytes), name: settings.ref)
                referencePath = settings.ref
            }
            let name = "\(run)'s \(split) translations"
            let hypotheses = try TextLines(utf8: Array(hypothesesText.utf8), name: name)
            try CorpusScorer.checkAlignment(hypotheses: NamedLines(name: name, lines: hypotheses),
                                            references: [NamedLines(name: settings.ref, lines: references!)])
            translations.append(hypotheses)
        }
        // The metrics `nmt eval` reports: BLEU (13a) and chrF2.
        let bleu = SegmentStatistics.bleu(systems: translations, references: [references!], options: BLEUOptions())
        let chrF = SegmentStatistics.chrF(systems: translations, references: [references!], options: CHRFOptions())
        let systems = runs.indices.map { i in (name: runs[i], metrics: [bleu[i], chrF[i]]) }
        return SignificanceReport(systems: systems, test: test, seed: seed)
    }
}
