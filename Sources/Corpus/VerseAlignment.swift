// Pairs the verses of two modules by reference key (book, chapter, verse), not by position.
// Dropped, each with its reason: a verse missing on one side, a verse empty on either side, and a
// verse whose text is misaligned against the other side's (MisalignmentDetector).

public struct AlignedVerse: Equatable, Sendable {
    public let key: VerseKey
    public let source: String
    public let target: String
}

public struct DroppedVerse: Equatable, Sendable {
    public enum Reason: String, Sendable, CaseIterable {
        case onlySource = "only-source", onlyTarget = "only-target", empty
        case shifted, merged, unsupported
    }

    public let key: VerseKey
    public let reason: Reason
    /// Why, in words and numbers (log-likelihood ratios in nats for the misaligned ones).
    public let evidence: String

    public var isMisaligned: Bool { reason == .shifted || reason == .merged || reason == .unsupported }
}

public struct AlignmentCounts: Equatable, Sendable, CustomStringConvertible {
    public var pairs = 0
    public var sourceOnly = 0
    public var targetOnly = 0
    /// Present on both sides but empty on at least one.
    public var empty = 0
    /// Present and non-empty on both sides, but not translations of each other.
    public var misaligned = 0

    public var description: String {
        "\(pairs) pairs; dropped \(sourceOnly) source-only, \(targetOnly) target-only, \(empty) empty, \(misaligned) misaligned"
    }
}

public enum VerseAlignment {
    public struct Result: Sendable {
        public let pairs: [AlignedVerse]
        /// Source-module order, then the target-only verses in target-module order.
        public let dropped: [DroppedVerse]
        public let counts: AlignmentCounts
    }

    /// Pairs in the source module's order.
    public static func align(source: [DiathekeVerse], target: [DiathekeVerse], detectMisalignment: Bool = true) -> Result {
        var targetText: [VerseKey: String] = [:]
        targetText.reserveCapacity(target.count)
        for verse in target { targetText[verse.key] = verse.text }
        var dropped: [DroppedVerse] = []
        // Verses with the key on both sides, in source order.
        var keys: [VerseKey] = [], sourceTexts: [String] = [], targetTexts: [String] = []
        var sourceKeys = Set<VerseKey>()
        for verse in source {
            sourceKeys.insert(verse.key)
            guard let translation = targetText[verse.key] else {
                dropped.append(DroppedVerse(key: verse.key, reason: .onlySource, evidence: "no such verse in the target module"))
                continue
            }
            keys.append(verse.key)
            sourceTexts.append(verse.text)
            targetTexts.append(translation)
        }
        let verdicts = detectMisalignment ? misalignmentVerdicts(keys: keys, source: sourceTexts, target: targetTexts)
                                          : [MisalignmentDetector.Verdict](repeating: .keep, count: keys.count)
        var pairs: [AlignedVerse] = []
        pairs.reserveCapacity(keys.count)
        var counts = AlignmentCounts()
        counts.sourceOnly = dropped.count
        for i in keys.indices {
            let key = keys[i]
            if sourceTexts[i].isEmpty || targetTexts[i].isEmpty {
                let side = sourceTexts[i].isEmpty ? (targetTexts[i].isEmpty ? "both sides" : "the source") : "the target"
                dropped.append(DroppedVerse(key: key, reason: .empty, evidence: "no text in \(side)"))
                counts.empty += 1
                continue
            }
            switch verdicts[i] {
            case .keep:
                pairs.append(AlignedVerse(key: key, source: sourceTexts[i], target: targetTexts[i]))
            case .shifted(let offset, let shiftedScore, let keyedScore):
                dropped.append(DroppedVerse(key: key, reason: .shifted, evidence:
                    "offset \(signed(offset)): source matches target \(keys[i + offset]) (LLR \(format(shiftedScore))) better than target \(key) (LLR \(format(keyedScore)))"))
                counts.misaligned += 1
            case .merged(let neighbour, let side, let joinedScore, let keyedScore):
                dropped.append(DroppedVerse(key: key, reason: .merged, evidence:
                    "\(side.rawValue) \(keys[neighbour]) joined to this verse scores LLR \(format(joinedScore)) > LLR \(format(keyedScore)) as a 1:1 pair"))
                counts.misaligned += 1
            case .unsupported(let neighbour, let keyedScore):
                dropped.append(DroppedVerse(key: key, reason: .unsupported, evidence:
                    "next to \(keys[neighbour]) (shifted or empty on one side) and LLR \(format(keyedScore)) < 0 as a 1:1 pair"))
                counts.misaligned += 1
            }
        }
        for verse in target where !sourceKeys.contains(verse.key) {
            dropped.append(DroppedVerse(key: verse.key, reason: .onlyTarget, evidence: "no such verse in the source module"))
            counts.targetOnly += 1
        }
        counts.pairs = pairs.count
        return Result(pairs: pairs, dropped: dropped, counts: counts)
    }

    /// Runs the detector over the keyed verses, book by book (a book is a run of equal book names).
    static func misalignmentVerdicts(keys: [VerseKey], source: [String], target: [String]) -> [MisalignmentDetector.Verdict] {
        let keep = [MisalignmentDetector.Verdict](repeating: .keep, count: keys.count)
        var books: [Range<Int>] = []
        var start = 0
        for i in keys.indices where i + 1 == keys.count || keys[i + 1].book != keys[i].book {
            books.append(start..<(i + 1))
            start = i + 1
        }
        let sourceWords = WordIndexer(), targetWords = WordIndexer()
        let sourceFeatures = source.map(sourceWords.features(of:))
        let targetFeatures = target.map(targetWords.features(of:))
        let lexicon = TranslationLexicon(source: sourceFeatures, target: targetFeatures,
                                         sourceVocabulary: Int(sourceWords.count), targetVocabulary: Int(targetWords.count))
        guard let evidence = AlignmentEvidence(source: sourceFeatures, target: targetFeatures, books: books, lexicon: lexicon) else {
            return keep  // too few verses to estimate the model: nothing is judged misaligned
        }
        return MisalignmentDetector(evidence: evidence).verdicts(source: sourceFeatures, target: targetFeatures, books: books)
    }

    static func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : "\(n)" }

    /// One decimal, sign always shown: deterministic text for dropped.tsv.
    static func format(_ x: Double) -> String {
        let tenths = Int((abs(x) * 10).rounded())
        return "\(x < 0 && tenths > 0 ? "-" : "+")\(tenths / 10).\(tenths % 10)"
    }
}
