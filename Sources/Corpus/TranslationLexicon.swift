// A small Spanish→English word lexicon learned from the verse pairs themselves: word pairs that
// occur in the same verse pair far more often than chance (Dice coefficient of verse frequencies).
// Misaligned verses are well under 1% of the pairs, so they hardly disturb it; it is what lets
// the detector tell "¿Sabes tú el tiempo en que paren las cabras monteses?" belongs with
// "Do you know the time when the mountain goats give birth?" in poetry where lengths say nothing.

public struct TranslationLexicon: Sendable {
    /// Words seen in fewer verses carry too little evidence; in more, they are function words.
    public static let minimumVerseFrequency: Int32 = 3
    public static let maximumVerseFrequency: Int32 = 2000
    /// Kept pairs: Dice ≥ 0.4 over at least 3 shared verses.
    public static let minimumDice = 0.4
    public static let minimumSharedVerses: Int32 = 3

    /// translations[offsets[w]..<offsets[w + 1]] are the target words of source word w, sorted.
    let offsets: [Int32]
    let translations: [Int32]

    public var entryCount: Int { translations.count }

    public func translations(of word: Int32) -> ArraySlice<Int32> {
        guard Int(word) + 1 < offsets.count else { return [] }
        return translations[Int(offsets[Int(word)])..<Int(offsets[Int(word) + 1])]
    }

    /// Learns from verse pairs `source[i]`/`target[i]`; empty verses are skipped.
    public init(source: [VerseFeatures], target: [VerseFeatures], sourceVocabulary: Int, targetVocabulary: Int) {
        var sourceFrequency = [Int32](repeating: 0, count: sourceVocabulary)
        var targetFrequency = [Int32](repeating: 0, count: targetVocabulary)
        var pairs: [Int] = []
        for i in source.indices where !source[i].isEmpty && !target[i].isEmpty {
            pairs.append(i)
            for w in source[i].words { sourceFrequency[Int(w)] += 1 }
            for w in target[i].words { targetFrequency[Int(w)] += 1 }
        }
        func usable(_ frequency: Int32) -> Bool {
            frequency >= Self.minimumVerseFrequency && frequency <= Self.maximumVerseFrequency
        }
        // Postings of each usable source word: the verse pairs it occurs in (CSR layout).
        var postingStart = [Int32](repeating: 0, count: sourceVocabulary + 1)
        for w in 0..<sourceVocabulary { postingStart[w + 1] = postingStart[w] + (usable(sourceFrequency[w]) ? sourceFrequency[w] : 0) }
        var postings = [Int32](repeating: 0, count: Int(postingStart[sourceVocabulary]))
        var fill = postingStart
        for (p, i) in pairs.enumerated() {
            for w in source[i].words where usable(sourceFrequency[Int(w)]) {
                postings[Int(fill[Int(w)])] = Int32(p)
                fill[Int(w)] += 1
            }
        }
        // Usable target words of each pair, flattened.
        var targetStart = [Int32](repeating: 0, count: pairs.count + 1)
        var targetWords: [Int32] = []
        for (p, i) in pairs.enumerated() {
            for w in target[i].words where usable(targetFrequency[Int(w)]) { targetWords.append(w) }
            targetStart[p + 1] = Int32(targetWords.count)
        }

        var offsets = [Int32](repeating: 0, count: sourceVocabulary + 1)
        var translations: [Int32] = []
        var together = [Int32](repeating: 0, count: targetVocabulary)
        var touched: [Int32] = []
        together.withUnsafeMutableBufferPointer { together in
            postings.withUnsafeBufferPointer { postings in
                targetWords.withUnsafeBufferPointer { targetWords in
                    targetStart.withUnsafeBufferPointer { targetStart in
                        for w in 0..<sourceVocabulary {
                            var k = Int(postingStart[w])
                            let end = Int(postingStart[w + 1])
                            while k < end {
                                let p = Int(postings[k])
                                var t = Int(targetStart[p])
                                let tEnd = Int(targetStart[p + 1])
                                while t < tEnd {
                                    let e = Int(targetWords[t])
                                    if together[e] == 0 { touched.append(Int32(e)) }
                                    together[e] += 1
                                    t += 1
                                }
                                k += 1
                            }
                            touched.sort()  // translations of a word in id order: deterministic
                            for e in touched {
                                let shared = together[Int(e)]
                                let dice = 2 * Double(shared) / Double(sourceFrequency[w] + targetFrequency[Int(e)])
                                if shared >= Self.minimumSharedVerses && dice >= Self.minimumDice { translations.append(e) }
                                together[Int(e)] = 0
                            }
                            touched.removeAll(keepingCapacity: true)
                            offsets[w + 1] = Int32(translations.count)
                        }
                    }
                }
            }
        }
        self.offsets = offsets
        self.translations = translations
    }
}
