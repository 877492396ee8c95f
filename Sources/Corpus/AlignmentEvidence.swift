// How strongly a source verse and a target verse look like translations of each other: a
// log-likelihood ratio (in nats) of "translation pair" against "two unrelated verses of the same
// book". Positive means the pairing is supported. Three independent kinds of evidence add up:
// - length, Gale & Church (1993): z = (target − c·source) / √(source + target) characters; for
//   translations z is near 0 (a robust normal, mixed with a 5% wide component so one odd verse
//   cannot veto a pairing), for unrelated verses it is spread out;
// - the learned lexicon: each source word with lexicon entries either finds a translation in the
//   target verse (rate q for translations, q₀ for unrelated verses) or not;
// - folded name anchors, likewise (rates r and r₀).
// Every parameter is estimated from the corpus: translations = the verse pairs as keyed (nearly
// all right), unrelated = each verse against the verse `unrelatedOffset` places further on.

import Foundation
import Statistics

public struct AlignmentEvidence: Sendable {
    public static let unrelatedOffset = 7
    public static let outlierWeight = 0.05
    /// Below this many non-empty pairs the rates cannot be estimated; the detector then does nothing.
    public static let minimumPairs = 500

    public let lexicon: TranslationLexicon
    public let lengthRatio: Double
    public let aligned: (mean: Double, deviation: Double)
    public let unrelated: (mean: Double, deviation: Double)
    public let lexiconRate: (aligned: Double, unrelated: Double)
    public let nameRate: (aligned: Double, unrelated: Double)

    /// Estimates the model from verses keyed by position: source[i] and target[i] share a key.
    /// `books` gives the index ranges of the books (unrelated pairs never cross a book).
    public init?(source: [VerseFeatures], target: [VerseFeatures], books: [Range<Int>], lexicon: TranslationLexicon) {
        let clean = source.indices.filter { !source[$0].isEmpty && !target[$0].isEmpty }
        guard clean.count >= Self.minimumPairs else { return nil }
        self.lexicon = lexicon
        let sourceCharacters = clean.reduce(0) { $0 + source[$1].length }
        let targetCharacters = clean.reduce(0) { $0 + target[$1].length }
        let ratio = Double(targetCharacters) / Double(sourceCharacters)
        lengthRatio = ratio

        var alignedZ: [Double] = [], unrelatedZ: [Double] = []
        var lexiconCounts = (aligned: (tried: 0, found: 0), unrelated: (tried: 0, found: 0))
        var nameCounts = lexiconCounts
        for i in clean {
            alignedZ.append(Self.lengthZ(source[i].length, target[i].length, ratio: ratio))
            let l = Self.lexiconMatches(source[i], target[i], lexicon)
            lexiconCounts.aligned.tried += l.tried; lexiconCounts.aligned.found += l.found
            let n = Self.nameMatches(source[i], target[i])
            nameCounts.aligned.tried += n.tried; nameCounts.aligned.found += n.found
        }
        for book in books {
            for i in book where i + Self.unrelatedOffset < book.upperBound {
                let j = i + Self.unrelatedOffset
                guard !source[i].isEmpty, !target[j].isEmpty else { continue }
                unrelatedZ.append(Self.lengthZ(source[i].length, target[j].length, ratio: ratio))
                let l = Self.lexiconMatches(source[i], target[j], lexicon)
                lexiconCounts.unrelated.tried += l.tried; lexiconCounts.unrelated.found += l.found
                let n = Self.nameMatches(source[i], target[j])
                nameCounts.unrelated.tried += n.tried; nameCounts.unrelated.found += n.found
            }
        }
        guard unrelatedZ.count >= Self.minimumPairs / 2 else { return nil }
        aligned = Self.robustNormal(alignedZ)
        unrelated = Self.robustNormal(unrelatedZ)
        // Add-one smoothing keeps every rate strictly inside (0, 1).
        func rate(_ c: (tried: Int, found: Int)) -> Double { (Double(c.found) + 1) / (Double(c.tried) + 2) }
        lexiconRate = (rate(lexiconCounts.aligned), rate(lexiconCounts.unrelated))
        nameRate = (rate(nameCounts.aligned), rate(nameCounts.unrelated))
    }

    /// Log-likelihood ratio of "translation" against "unrelated" for this pair of verses.
    public func logLikelihoodRatio(_ source: VerseFeatures, _ target: VerseFeatures) -> Double {
        let z = Self.lengthZ(source.length, target.length, ratio: lengthRatio)
        let unrelatedDensity = Self.normalDensity(z, unrelated)
        let alignedDensity = (1 - Self.outlierWeight) * Self.normalDensity(z, aligned) + Self.outlierWeight * unrelatedDensity
        var score = log(alignedDensity / unrelatedDensity)
        let l = Self.lexiconMatches(source, target, lexicon)
        score += Self.matchEvidence(l, lexiconRate)
        let n = Self.nameMatches(source, target)
        score += Self.matchEvidence(n, nameRate)
        return score
    }

    static func matchEvidence(_ c: (tried: Int, found: Int), _ rate: (aligned: Double, unrelated: Double)) -> Double {
        Double(c.found) * log(rate.aligned / rate.unrelated)
            + Double(c.tried - c.found) * log((1 - rate.aligned) / (1 - rate.unrelated))
    }

    static func lengthZ(_ source: Int, _ target: Int, ratio: Double) -> Double {
        (Double(target) - ratio * Double(source)) / max(1, Double(source + target)).squareRoot()
    }

    static func normalDensity(_ x: Double, _ n: (mean: Double, deviation: Double)) -> Double {
        let z = (x - n.mean) / n.deviation
        return exp(-0.5 * z * z) / n.deviation + 1e-300
    }

    /// Median and 1.4826 × median absolute deviation: a normal fit that ignores the outliers.
    static func robustNormal(_ values: [Double]) -> (mean: Double, deviation: Double) {
        let m = Median.of(values)
        return (m, max(1e-3, 1.4826 * Median.of(values.map { abs($0 - m) })))
    }

    /// Source words that have lexicon entries, and how many of them find one in the target.
    static func lexiconMatches(_ source: VerseFeatures, _ target: VerseFeatures, _ lexicon: TranslationLexicon) -> (tried: Int, found: Int) {
        var tried = 0, found = 0
        lexicon.offsets.withUnsafeBufferPointer { offsets in
            lexicon.translations.withUnsafeBufferPointer { translations in
                for w in source.words where Int(w) + 1 < offsets.count {
                    var k = Int(offsets[Int(w)])
                    let end = Int(offsets[Int(w) + 1])
                    if k == end { continue }
                    tried += 1
                    while k < end {
                        if contains(target.words, translations[k]) { found += 1; break }
                        k += 1
                    }
                }
            }
        }
        return (tried, found)
    }

    static func nameMatches(_ source: VerseFeatures, _ target: VerseFeatures) -> (tried: Int, found: Int) {
        var found = 0
        for n in source.names where contains(target.names, n) { found += 1 }
        return (source.names.count, found)
    }

    // Two concrete copies, not one generic: unspecialised generics are slow in debug builds.
    static func contains(_ sorted: [Int32], _ value: Int32) -> Bool {
        sorted.withUnsafeBufferPointer { s in
            var low = 0, high = s.count
            while low < high {
                let mid = (low + high) >> 1
                if s[mid] < value { low = mid + 1 } else { high = mid }
            }
            return low < s.count && s[low] == value
        }
    }

    static func contains(_ sorted: [UInt32], _ value: UInt32) -> Bool {
        sorted.withUnsafeBufferPointer { s in
            var low = 0, high = s.count
            while low < high {
                let mid = (low + high) >> 1
                if s[mid] < value { low = mid + 1 } else { high = mid }
            }
            return low < s.count && s[low] == value
        }
    }
}
