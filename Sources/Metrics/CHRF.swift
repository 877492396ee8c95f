/// chrF's sufficient statistics for character orders 1…6 (sacreBLEU's `[hyp, ref, match]` triplets).
public struct CHRFStatistics: Equatable, Sendable {
    public static let charOrder = 6

    public var hypothesis = [Int](repeating: 0, count: charOrder)
    public var reference = [Int](repeating: 0, count: charOrder)
    public var matches = [Int](repeating: 0, count: charOrder)

    public init() {}

    public static func += (lhs: inout CHRFStatistics, rhs: CHRFStatistics) {
        for n in 0 ..< charOrder {
            lhs.hypothesis[n] += rhs.hypothesis[n]
            lhs.reference[n] += rhs.reference[n]
            lhs.matches[n] += rhs.matches[n]
        }
    }
}

/// sacreBLEU 2.x's default chrF: character order 6, no word n-grams, beta 2, whitespace excluded,
/// and the effective-order averaging of precision and recall (not epsilon smoothing).
public enum CHRF {
    public static let beta = 2

    /// `CHRF._compute_f_score`, as a percentage.
    public static func score(_ stats: CHRFStatistics) -> Double {
        score { (stats.hypothesis[$0], stats.reference[$0], stats.matches[$0]) }
    }

    /// The same over any storage: `counts(n)` gives (hypothesis, reference, matches) for order n + 1.
    @inline(__always)
    static func score(_ counts: (Int) -> (hypothesis: Int, reference: Int, matches: Int)) -> Double {
        let factor = Double(beta * beta)
        var averagePrecision = 0.0, averageRecall = 0.0
        var effectiveOrder = 0
        for n in 0 ..< CHRFStatistics.charOrder {
            let (nHyp, nRef, nMatch) = counts(n)
            if nHyp > 0 && nRef > 0 {
                averagePrecision += Double(nMatch) / Double(nHyp)
                averageRecall += Double(nMatch) / Double(nRef)
                effectiveOrder += 1
            }
        }
        if effectiveOrder == 0 { return 0 }
        averagePrecision /= Double(effectiveOrder)
        averageRecall /= Double(effectiveOrder)
        guard averagePrecision + averageRecall != 0 else { return 0 }
        var score = (1 + factor) * averagePrecision * averageRecall
        score /= (factor * averagePrecision) + averageRecall
        return 100 * score
    }
}
