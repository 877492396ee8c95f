import Testing
@testable import Metrics

/// The pure functions from summed statistics to scores, on hand-checked numbers.
struct ScoreFormulaTests {
    @Test func perfectMatchScoresHundred() {
        var stats = BLEUStatistics()
        stats.hypothesisLength = 10; stats.referenceLength = 10
        stats.correct = [10, 9, 8, 7]; stats.total = [10, 9, 8, 7]
        let score = BLEU.score(stats)
        #expect(abs(score.score - 100) < 1e-9)
        #expect(score.brevityPenalty == 1)
    }

    @Test func expSmoothingHalvesEachOrderWithoutMatches() {
        var stats = BLEUStatistics()
        stats.hypothesisLength = 4; stats.referenceLength = 4
        stats.correct = [2, 0, 0, 0]; stats.total = [4, 3, 2, 1]
        let score = BLEU.score(stats)
        let expected: [Double] = [50, 100.0 / 6, 100.0 / 8, 100.0 / 8]
        #expect(score.precisions == expected)
    }

    @Test func brevityPenaltyAndEmptyHypothesis() {
        var stats = BLEUStatistics()
        stats.hypothesisLength = 5; stats.referenceLength = 10
        stats.correct = [5, 4, 3, 2]; stats.total = [5, 4, 3, 2]
        #expect(abs(BLEU.score(stats).brevityPenalty - 0.36787944117144233) < 1e-12)
        let empty = BLEU.score(BLEUStatistics())
        #expect(empty.score == 0 && empty.brevityPenalty == 1 && empty.precisions == [0, 0, 0, 0])
    }

    @Test func closestReferenceLengthPrefersShorterOnTies() {
        let lengths = [7, 3, 5]
        lengths.withUnsafeBufferPointer { #expect(BLEU.closestReferenceLength(4, $0) == 3) }
        lengths.withUnsafeBufferPointer { #expect(BLEU.closestReferenceLength(6, $0) == 5) }
    }

    @Test func chrFOfIdenticalAndDisjointText() {
        var stats = CHRFStatistics()
        stats.hypothesis = [5, 4, 3, 2, 1, 0]; stats.reference = [5, 4, 3, 2, 1, 0]; stats.matches = [5, 4, 3, 2, 1, 0]
        #expect(abs(CHRF.score(stats) - 100) < 1e-9)
        stats.matches = [0, 0, 0, 0, 0, 0]
        #expect(CHRF.score(stats) == 0)
    }

    @Test func bleuLineHasSacreBLEUsShape() {
        var stats = BLEUStatistics()
        stats.hypothesisLength = 15; stats.referenceLength = 17
        stats.correct = [13, 8, 4, 1]; stats.total = [15, 13, 11, 9]
        #expect(BLEU.score(stats).line == "BLEU = 33.53 86.7/61.5/36.4/11.1 (BP = 0.875 ratio = 0.882 hyp_len = 15 ref_len = 17)")
    }
}
