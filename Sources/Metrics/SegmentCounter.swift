/// Counts BLEU and chrF statistics segment by segment for one worker. Everything it allocates is
/// reused from segment to segment; workers share nothing.
final class SegmentCounter {
    private let hypotheses: TextLines
    private let references: [TextLines]
    private let tokenizer: BLEUTokenizer
    private let lowercase: Bool
    private let chrF: CHRFOptions

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
    private var hypothesisWords: [UInt32] = []
    private var referenceWords: [UInt32] = []
    private var chrFLowered: [UInt32] = []
    /// chrF of several systems at once: each segment's reference n-grams are counted once.
    private let systems: [TextLines]
    private var systemChars: [[UInt32]]
    private var systemWords: [[UInt32]]
    private var candidates: [CHRFCounts]
    private var bestCandidates: [CHRFCounts]
    private var bestScores: [Double]
    private var referenceCounts = [Int](repeating: 0, count: CHRFOptions.maxOrders)

    /// `systems` (default: just `hypotheses`) are the hypotheses `addCHRF(segment:toEach:)` scores together.
    init(hypotheses: TextLines, references: [TextLines], tokenizer: BLEUTokenizer, lowercase: Bool, chrF: CHRFOptions = CHRFOptions(),
         systems: [TextLines]? = nil) {
        self.hypotheses = hypotheses
        self.systems = systems ?? [hypotheses]
        let k = self.systems.count
        systemChars = Array(repeating: [], count: k)
        systemWords = Array(repeating: [], count: k)
        candidates = Array(repeating: CHRFCounts(), count: k)
        bestCandidates = Array(repeating: CHRFCounts(), count: k)
        bestScores = Array(repeating: -1, count: k)
        self.references = references
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.chrF = chrF
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
        precondition(systems.count == 1)
        addBLEU(segment: index) { _, counts in stats += counts }
    }

    /// The same for every system: the references are tokenized and their n-grams counted once
    /// per segment, and given back after each system.
    func addBLEU(segment index: Int, add: (Int, BLEUCounts) -> Void) {
        var referenceNGrams = 0
        for r in 0 ..< references.count {
            references[r].withLine(index) { tokenIDs($0, into: &referenceIDs[r]) }
            referenceLengths[r] = referenceIDs[r].count
            referenceNGrams += referenceIDs[r].count * BLEUStatistics.maxOrder
        }
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
        for s in 0 ..< systems.count {
            if s > 0 { table.restore() }
            systems[s].withLine(index) { tokenIDs($0, into: &hypothesisIDs) }
            var stats = BLEUCounts()
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
            add(s, stats)
        }
    }

    // MARK: chrF

    /// A segment as chrF sees it: lowercased if asked (`CHRF._preprocess_segment`), its characters
    /// (whitespace removed unless it counts: `''.join(line.split())`), and for chrF++ its words'
    /// ids (`CHRF._remove_punctuation`).
    private func chrFSegment(_ line: UnsafeBufferPointer<UInt32>, chars: inout [UInt32], words: inout [UInt32]) {
        func take(_ text: UnsafeBufferPointer<UInt32>) {
            chars.removeAll(keepingCapacity: true)
            if chrF.whitespace { chars.append(contentsOf: text) } else { for c in text where !PythonText.isWhitespace(c) { chars.append(c) } }
            words.removeAll(keepingCapacity: true)
            if chrF.wordOrder > 0 {
                for range in CHRF.words(text) { words.append(interner.id(of: UnsafeBufferPointer(rebasing: text[range]))) }
            }
        }
        if chrF.lowercase {
            chrFLowered.removeAll(keepingCapacity: true)
            PythonText.appendLowercased(line, to: &chrFLowered)
            chrFLowered.withUnsafeBufferPointer { take($0) }
        } else {
            take(line)
        }
    }

    /// Adds segment `index`'s statistics to `stats`: against several references, those of the one with
    /// the best segment chrF (the first on ties), as in sacreBLEU's `CHRF._compute_segment_statistics`.
    func addCHRF(segment index: Int, to stats: inout CHRFCounts) {
        precondition(systems.count == 1)
        addCHRF(segment: index) { _, counts in stats += counts }
    }

    /// The same for every system: `add(system, counts)` receives each system's statistics. The
    /// references' n-grams are counted once per segment and given back after each system.
    func addCHRF(segment index: Int, add: (Int, CHRFCounts) -> Void) {
        let k = systems.count
        for s in 0..<k {
            systems[s].withLine(index) { chrFSegment($0, chars: &systemChars[s], words: &systemWords[s]) }
            bestScores[s] = -1
            bestCandidates[s] = CHRFCounts()
        }
        for r in 0 ..< references.count {
            references[r].withLine(index) { chrFSegment($0, chars: &referenceChars, words: &referenceWords) }
            for s in 0..<k { candidates[s] = CHRFCounts() }
            count(reference: referenceChars, hypotheses: systemChars, orders: chrF.charOrder, firstSlot: 0) {
                NGramKey(codePoints: $0, start: $1, order: $2)
            }
            if chrF.wordOrder > 0 {
                count(reference: referenceWords, hypotheses: systemWords, orders: chrF.wordOrder, firstSlot: chrF.charOrder) {
                    NGramKey(tokenIDs: $0, start: $1, order: $2)
                }
            }
            for s in 0..<k {
                let score = candidates[s].score(orders: chrF.orders, beta: chrF.beta)
                if score > bestScores[s] {
                    bestScores[s] = score
                    bestCandidates[s] = candidates[s]
                }
            }
        }
        for s in 0..<k { add(s, bestCandidates[s]) }
    }

    /// The [hyp, ref, match] counts of n-gram orders 1…`orders` of the reference and of each
    /// system's hypothesis, into slots `firstSlot`… of `candidates`.
    private func count(reference: [UInt32], hypotheses: [[UInt32]], orders: Int, firstSlot: Int,
                       key: (UnsafeBufferPointer<UInt32>, Int, Int) -> NGramKey) {
        guard orders > 0 else { return }
        table.reset(forAtMost: reference.count * orders)
        for o in 0..<orders { referenceCounts[o] = 0 }
        reference.withUnsafeBufferPointer { text in
            for order in 1 ... orders where text.count >= order {
                for start in 0 ... text.count - order { table.addReferenceOccurrence(key(text, start, order), reference: 0) }
                referenceCounts[order - 1] = text.count - order + 1
            }
        }
        for (s, hypothesis) in hypotheses.enumerated() {
            if s > 0 { table.restore() }
            for order in 1 ... orders { candidates[s].reference[firstSlot + order - 1] = referenceCounts[order - 1] }
            hypothesis.withUnsafeBufferPointer { text in
                for order in 1 ... orders where text.count >= order {
                    var matched = 0
                    for start in 0 ... text.count - order where table.consume(key(text, start, order)) { matched &+= 1 }
                    candidates[s].matches[firstSlot + order - 1] = matched
                    // A hypothesis n-gram only counts when the reference has n-grams of that order.
                    candidates[s].hypothesis[firstSlot + order - 1] = referenceCounts[order - 1] > 0 ? text.count - order + 1 : 0
                }
            }
        }
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

/// Fixed-size chrF counts for the hot loop (up to CHRFOptions.maxOrders orders).
struct CHRFCounts {
    var hypothesis = SIMD16<Int>()
    var reference = SIMD16<Int>()
    var matches = SIMD16<Int>()

    static func += (lhs: inout CHRFCounts, rhs: CHRFCounts) {
        lhs.hypothesis &+= rhs.hypothesis
        lhs.reference &+= rhs.reference
        lhs.matches &+= rhs.matches
    }

    func score(orders: Int, beta: Int) -> Double { CHRF.score(orders: orders, beta: beta) { (hypothesis[$0], reference[$0], matches[$0]) } }

    func statistics(orders: Int) -> CHRFStatistics {
        var stats = CHRFStatistics(orders: orders)
        for n in 0 ..< orders {
            stats.hypothesis[n] = hypothesis[n]
            stats.reference[n] = reference[n]
            stats.matches[n] = matches[n]
        }
        return stats
    }
}
