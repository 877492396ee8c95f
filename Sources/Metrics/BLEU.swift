import Foundation

/// Corpus BLEU's sufficient statistics (sacreBLEU's `[sys_len, ref_len, correct…, total…]`),
/// summed over segments.
public struct BLEUStatistics: Equatable, Sendable {
    public static let maxOrder = 4

    public var hypothesisLength = 0
    public var referenceLength = 0
    /// Clipped n-gram matches for orders 1…4.
    public var correct = [Int](repeating: 0, count: maxOrder)
    /// Hypothesis n-grams for orders 1…4.
    public var total = [Int](repeating: 0, count: maxOrder)

    public init() {}

    public static func += (lhs: inout BLEUStatistics, rhs: BLEUStatistics) {
        lhs.hypothesisLength += rhs.hypothesisLength
        lhs.referenceLength += rhs.referenceLength
        for n in 0 ..< maxOrder {
            lhs.correct[n] += rhs.correct[n]
            lhs.total[n] += rhs.total[n]
        }
    }
}

/// A corpus BLEU score as sacreBLEU reports it (percentages, brevity penalty, lengths).
public struct BLEUScore: Equatable, Sendable {
    public var score: Double
    public var precisions: [Double]
    public var brevityPenalty: Double
    public var hypothesisLength: Int
    public var referenceLength: Int

    public var ratio: Double { referenceLength > 0 ? Double(hypothesisLength) / Double(referenceLength) : 0 }

    /// `BLEU = 34.12 67.1/41.2/27.3/18.9 (BP = 1.000 ratio = 1.012 hyp_len = 123 ref_len = 121)`
    public var line: String { line(width: 2) }

    /// The same with the score to `width` decimals (sacreBLEU's `-w`; the rest keeps its format).
    public func line(width: Int) -> String {
        let precisionText = precisions.map { String(format: "%.1f", $0) }.joined(separator: "/")
        return String(format: "BLEU = %.\(width)f %@ (BP = %.3f ratio = %.3f hyp_len = %d ref_len = %d)",
                      score, precisionText, brevityPenalty, ratio, hypothesisLength, referenceLength)
    }
}

public enum BLEU {
    /// sacreBLEU's `BLEU.compute_bleu` with its defaults: smoothing `exp` (mteval-v13a's: the k-th
    /// order without matches gets precision 1 / (2^k · total)), no effective order, orders 1…4.
    public static func score(_ stats: BLEUStatistics) -> BLEUScore { score(stats, smoothing: .exp, effectiveOrder: false) }

    /// `compute_bleu` with any smoothing: no match at any order is a score of 0 (checked before
    /// add-k adds its value); add-k adds to orders 2…4; an order without n-grams ends the orders
    /// counted (with `effectiveOrder` the average then runs over the orders before it, else over
    /// all four, a missing one counting as log 0).
    public static func score(_ stats: BLEUStatistics, smoothing: BLEUSmoothing, effectiveOrder: Bool) -> BLEUScore {
        let order = BLEUStatistics.maxOrder
        let sys = stats.hypothesisLength, ref = stats.referenceLength
        var bp = 1.0
        if sys < ref { bp = sys > 0 ? exp(1 - Double(ref) / Double(sys)) : 0 }

        var precisions = [Double](repeating: 0, count: order)
        // No match at any order: score 0 with all precisions 0 (sacreBLEU #141).
        guard stats.correct.contains(where: { $0 != 0 }) else {
            return BLEUScore(score: 0, precisions: precisions, brevityPenalty: bp, hypothesisLength: sys, referenceLength: ref)
        }
        var correct = stats.correct.map(Double.init), total = stats.total.map(Double.init)
        var smooth = 1.0
        var counted = order
        for n in 0 ..< order {
            if case .addK(let k) = smoothing, n > 0 { correct[n] += k; total[n] += k }
            if total[n] == 0 { break }
            if effectiveOrder { counted = n + 1 }
            if correct[n] == 0 {
                switch smoothing {
                case .exp:
                    smooth *= 2
                    precisions[n] = 100.0 / (smooth * total[n])
                case .floor(let v):
                    precisions[n] = 100.0 * v / total[n]
                case .none, .addK:
                    break
                }
            } else {
                precisions[n] = 100.0 * correct[n] / total[n]
            }
        }
        let logSum = precisions.prefix(counted).reduce(0.0) { $0 + flooredLog($1) }
        let score = bp * exp(logSum / Double(counted))
        return BLEUScore(score: score, precisions: precisions, brevityPenalty: bp, hypothesisLength: sys, referenceLength: ref)
    }

    /// sacreBLEU's `my_log`: log with log(0) floored to -9999999999.
    @inline(__always)
    static func flooredLog(_ x: Double) -> Double { x == 0 ? -9_999_999_999 : log(x) }

    /// The reference length BLEU charges a hypothesis of `hypothesisLength` tokens: the closest one,
    /// the shorter on ties.
    @inline(__always)
    static func closestReferenceLength(_ hypothesisLength: Int, _ referenceLengths: UnsafeBufferPointer<Int>) -> Int {
        var closestDiff = -1, closest = -1
        for length in referenceLengths {
            let diff = abs(hypothesisLength - length)
            if closestDiff == -1 || diff < closestDiff {
                closestDiff = diff
                closest = length
            } else if diff == closestDiff && length < closest {
                closest = length
            }
        }
        return closest
    }
}
