/// Counts BLEU and chrF statistics segment by segment for one worker. Everything it allocates is
/// reused from segment to segment; workers share nothing.
final class SegmentCounter {
    private let hypotheses: TextLines
    private let references: [TextLines]
    private let tokenizer: BLEUTokenizer
    private let lowercase: Bool

    private let interner = TokenInterner()
    private let table = NGramTable()
    private var lowered: [UInt32] = []
    private var tokenized = CodePointBuffer()
    private var scratch = CodePointBuffer()
    private var hypothesisIDs: [UInt32] = []
    private var referenceIDs: [[UInt32]]
    private var referenceLengths: [Int]
    private var hypothesisChars: [UInt32] = []
    private var referenceChars: [UInt32] = []

    init(hypotheses: TextLines, references: [TextLines], tokenizer: BLEUTokenizer, lowercase: Bool) {
        self.hypotheses = hypotheses
        self.references = references
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        referenceIDs = Array(repeating: [], count: references.count)
        referenceLengths = Array(repeating: 0, count: references.count)
    }

    // MARK: BLEU

    /// sacreBLEU's `_preprocess_segment` (lowercase, rstrip, tokenize) and `line.split()`, as token ids.
    private func tokenIDs(_ line: UnsafeBufferPointer<UInt32>, into ids: inout [UInt32]) {
        ids.removeAll(keepingCapacity: true)
        if lowercase {
            lowered.removeAll(keepingCapacity: true)
            PythonText.appendLowercased(line, to: &lowered)
            lowered.withUnsafeBufferPointer { all in
                let kept = PythonText.rstrippedCount(all)
                tokenizer.tokenize(UnsafeBufferPointer(rebasing: all[0 ..< kept]), into: &tokenized, scratch: &scratch)
            }
        } else {
            tokenizer.tokenize(line, into: &tokenized, scratch: &scratch)
        }
        interner.appendTokenIDs(of: tokenized, to: &ids)
    }

    /// Adds segment `index`'s statistics to `stats` (sacreBLEU's `_compute_segment_statistics`).
    func addBLEU(segment index: Int, to stats: inout BLEUCounts) {
        var referenceNGrams = 0
        for r in 0 ..< references.count {
            references[r].withLine(index) { tokenIDs($0, into: &referenceIDs[r]) }
            referenceLengths[r] = referenceIDs[r].count
            referenceNGrams += referenceIDs[r].count * BLEUStatistics.maxOrder
        }
        hypotheses.withLine(index) { tokenIDs($0, into: &hypothesisIDs) }

        table.reset(forAtMost: referenceNGrams)
        for r in 0 ..< references.count {
            referenceIDs[r].withUnsafeBufferPointer { ids in
                for order in 1 ... BLEUStatistics.maxOrder where ids.count >= order {
                    for start in 0 ... ids.count - order {
                        table.addReferenceOccurrence(NGramKey(tokenIDs: ids, start: start, order: order), reference: Int32(r))
                    }
                }
            }
        }
        hypothesisIDs.withUnsafeBufferPointer { ids in
            for order in 1 ... BLEUStatistics.maxOrder where ids.count >= order {
                var matched = 0
                for start in 0 ... ids.count - order where table.consume(NGramKey(tokenIDs: ids, start: start, order: order)) {
                    matched += 1
                }
                stats.correct[order - 1] += matched
                stats.total[order - 1] += ids.count - order + 1
            }
        }
        stats.hypothesisLength += hypothesisIDs.count
        stats.referenceLength += referenceLengths.withUnsafeBufferPointer {
            BLEU.closestReferenceLength(hypothesisIDs.count, $0)
        }
    }

    // MARK: chrF

    /// `''.join(line.split())`: chrF ignores whitespace.
    private static func removeWhitespace(_ line: UnsafeBufferPointer<UInt32>, into out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        for c in line where !PythonText.isWhitespace(c) { out.append(c) }
    }

    /// Adds segment `index`'s statistics to `stats`: against several references, those of the one with
    /// the best segment chrF (the first on ties), as in sacreBLEU's `CHRF._compute_segment_statistics`.
    func addCHRF(segment index: Int, to stats: inout CHRFCounts) {
        hypotheses.withLine(index) { Self.removeWhitespace($0, into: &hypothesisChars) }
        var best = CHRFCounts()
        var bestScore = -1.0
        for r in 0 ..< references.count {
            references[r].withLine(index) { Self.removeWhitespace($0, into: &referenceChars) }
            var candidate = CHRFCounts()
            table.reset(forAtMost: referenceChars.count * CHRFStatistics.charOrder)
            referenceChars.withUnsafeBufferPointer { text in
                for order in 1 ... CHRFStatistics.charOrder where text.count >= order {
                    for start in 0 ... text.count - order {
                        table.addReferenceOccurrence(NGramKey(codePoints: text, start: start, order: order), reference: 0)
                    }
                    candidate.reference[order - 1] = text.count - order + 1
                }
            }
            hypothesisChars.withUnsafeBufferPointer { text in
                for order in 1 ... CHRFStatistics.charOrder where text.count >= order {
                    var matched = 0
                    for start in 0 ... text.count - order where table.consume(NGramKey(codePoints: text, start: start, order: order)) {
                        matched += 1
                    }
                    candidate.matches[order - 1] = matched
                    // A hypothesis n-gram only counts when the reference has n-grams of that order.
                    candidate.hypothesis[order - 1] = candidate.reference[order - 1] > 0 ? text.count - order + 1 : 0
                }
            }
            let score = candidate.score
            if score > bestScore {
                bestScore = score
                best = candidate
            }
        }
        stats += best
    }
}

/// Fixed-size BLEU counts for the hot loop (no arrays per segment).
struct BLEUCounts {
    var hypothesisLength = 0
    var referenceLength = 0
    var correct = SIMD4<Int>()
    var total = SIMD4<Int>()

    static func += (lhs: inout BLEUCounts, rhs: BLEUCounts) {
        lhs.hypothesisLength += rhs.hypothesisLength
        lhs.referenceLength += rhs.referenceLength
        lhs.correct &+= rhs.correct
        lhs.total &+= rhs.total
    }

    var statistics: BLEUStatistics {
        var stats = BLEUStatistics()
        stats.hypothesisLength = hypothesisLength
        stats.referenceLength = referenceLength
        stats.correct = (0 ..< 4).map { correct[$0] }
        stats.total = (0 ..< 4).map { total[$0] }
        return stats
    }
}

/// Fixed-size chrF counts for the hot loop.
struct CHRFCounts {
    var hypothesis = SIMD8<Int>()
    var reference = SIMD8<Int>()
    var matches = SIMD8<Int>()

    static func += (lhs: inout CHRFCounts, rhs: CHRFCounts) {
        lhs.hypothesis &+= rhs.hypothesis
        lhs.reference &+= rhs.reference
        lhs.matches &+= rhs.matches
    }

    var score: Double { CHRF.score { (hypothesis[$0], reference[$0], matches[$0]) } }

    var statistics: CHRFStatistics {
        var stats = CHRFStatistics()
        for n in 0 ..< CHRFStatistics.charOrder {
            stats.hypothesis[n] = hypothesis[n]
            stats.reference[n] = reference[n]
            stats.matches[n] = matches[n]
        }
        return stats
    }
}
