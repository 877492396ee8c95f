/// chrF's settings (sacreBLEU's `--chrf-*` options): character n-gram orders 1…charOrder, word
/// n-gram orders 1…wordOrder (2 = chrF++), β, lowercasing, and whether whitespace counts.
public struct CHRFOptions: Equatable, Sendable {
    public var charOrder = 6
    public var wordOrder = 0
    public var beta = 2
    public var lowercase = false
    public var whitespace = false

    /// At most this many orders in all (the counters are fixed-size vectors).
    public static let maxOrders = 16

    public init(charOrder: Int = 6, wordOrder: Int = 0, beta: Int = 2, lowercase: Bool = false, whitespace: Bool = false) {
        self.charOrder = charOrder
        self.wordOrder = wordOrder
        self.beta = beta
        self.lowercase = lowercase
        self.whitespace = whitespace
    }

    public var orders: Int { charOrder + wordOrder }

    public func validate() throws {
        guard charOrder >= 0, wordOrder >= 0, orders >= 1, orders <= Self.maxOrders else {
            throw MetricsSettingError("chrF needs character and word orders ≥ 0 with 1…\(Self.maxOrders) in all, got \(charOrder) + \(wordOrder)")
        }
        guard beta >= 0 else { throw MetricsSettingError("chrF beta must be ≥ 0, got \(beta)") }
    }

    /// sacreBLEU's name for the score: chrF2, chrF2++, chrF1+ …
    public var name: String { "chrF\(beta)" + String(repeating: "+", count: wordOrder) }
}

/// A metric setting out of range, as one line.
public struct MetricsSettingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// chrF's sufficient statistics: sacreBLEU's `[hyp, ref, match]` triplets, character orders first,
/// then word orders.
public struct CHRFStatistics: Equatable, Sendable {
    public var hypothesis: [Int]
    public var reference: [Int]
    public var matches: [Int]

    public init(orders: Int = 6) {
        hypothesis = [Int](repeating: 0, count: orders)
        reference = [Int](repeating: 0, count: orders)
        matches = [Int](repeating: 0, count: orders)
    }

    public static func += (lhs: inout CHRFStatistics, rhs: CHRFStatistics) {
        for n in 0 ..< lhs.hypothesis.count {
            lhs.hypothesis[n] += rhs.hypothesis[n]
            lhs.reference[n] += rhs.reference[n]
            lhs.matches[n] += rhs.matches[n]
        }
    }
}

/// sacreBLEU 2.x's chrF with the effective-order averaging of precision and recall (not epsilon
/// smoothing); defaults: character order 6, no word n-grams, β 2, whitespace excluded.
public enum CHRF {
    /// `CHRF._compute_f_score`, as a percentage.
    public static func score(_ stats: CHRFStatistics, beta: Int = 2) -> Double {
        score(orders: stats.hypothesis.count, beta: beta) { (stats.hypothesis[$0], stats.reference[$0], stats.matches[$0]) }
    }

    /// The same over any storage: `counts(n)` gives (hypothesis, reference, matches) for order n + 1.
    @inline(__always)
    static func score(orders: Int, beta: Int, _ counts: (Int) -> (hypothesis: Int, reference: Int, matches: Int)) -> Double {
        let factor = Double(beta * beta)
        var averagePrecision = 0.0, averageRecall = 0.0
        var effectiveOrder = 0
        for n in 0 ..< orders {
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

    /// chrF++'s words: whitespace-split, with one leading or trailing ASCII punctuation mark split
    /// off a word longer than one character (`CHRF._remove_punctuation`).
    static func words(_ line: UnsafeBufferPointer<UInt32>) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var i = 0
        let n = line.count
        while i < n {
            while i < n && PythonText.isWhitespace(line[i]) { i += 1 }
            if i == n { break }
            let start = i
            while i < n && !PythonText.isWhitespace(line[i]) { i += 1 }
            if i - start == 1 {
                words.append(start ..< i)
            } else if isPunctuation(line[i - 1]) {
                words.append(start ..< i - 1); words.append(i - 1 ..< i)
            } else if isPunctuation(line[start]) {
                words.append(start ..< start + 1); words.append(start + 1 ..< i)
            } else {
                words.append(start ..< i)
            }
        }
        return words
    }

    /// `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~`
    @inline(__always)
    static func isPunctuation(_ c: UInt32) -> Bool {
        (0x21...0x2F).contains(c) || (0x3A...0x40).contains(c) || (0x5B...0x60).contains(c) || (0x7B...0x7E).contains(c)
    }
}
