import Foundation
import Testing
@testable import Metrics

/// Every case written by scripts/reference/make_bleu_fixtures.py from sacreBLEU itself.
struct SacreBLEUFixtureTests {
    static let cases = BleuFixtures.expected.cases

    private func lines(_ file: String) throws -> TextLines {
        try TextLines(utf8: [UInt8](BleuFixtures.data(file)), name: file)
    }

    @Test("fixtures cover every tokenizer, lowercase, and 1-3 references")
    func coverage() {
        #expect(Set(Self.cases.map(\.tokenize)) == Set(BLEUTokenizer.allCases.map(\.rawValue)))
        #expect(Set(Self.cases.map(\.lowercase)) == [false, true])
        #expect(Set(Self.cases.map(\.refs.count)) == [1, 2, 3])
        #expect(Self.cases.count >= 100)
    }

    @Test("BLEU and chrF equal sacreBLEU's", arguments: cases)
    func matchesSacreBLEU(_ fixture: BleuFixtures.Case) throws {
        let hypotheses = try lines(fixture.hyp)
        let references = try fixture.refs.map(lines)
        let options = BLEUOptions(tokenizer: try #require(BLEUTokenizer(rawValue: fixture.tokenize)), lowercase: fixture.lowercase)
        for workers in [1, 2] {
            let stats = CorpusScorer.statistics(hypotheses: hypotheses, references: references, options: options,
                                                chrF: CHRFOptions(), workers: workers)
            let bleu = BLEU.score(stats.bleu)
            #expect(abs(bleu.score - fixture.bleu.score) < 0.01, "score \(bleu.score) vs \(fixture.bleu.score)")
            #expect(bleu.precisions.count == 4)
            for (mine, theirs) in zip(bleu.precisions, fixture.bleu.precisions) {
                #expect(abs(mine - theirs) < 0.01, "precisions \(bleu.precisions) vs \(fixture.bleu.precisions)")
            }
            #expect(abs(bleu.brevityPenalty - fixture.bleu.bp) < 0.01)
            #expect(bleu.hypothesisLength == fixture.bleu.sys_len)
            #expect(bleu.referenceLength == fixture.bleu.ref_len)
            let chrF = CHRF.score(try #require(stats.chrF))
            #expect(abs(chrF - fixture.chrf) < 0.01, "chrF \(chrF) vs \(fixture.chrf)")
        }
        #expect(Signature.bleu(references: references.count, options: options) == fixture.bleu.signature)
    }
}
