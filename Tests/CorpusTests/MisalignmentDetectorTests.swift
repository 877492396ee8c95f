import Testing
@testable import Corpus

// Synthetic parallel books: a "Spanish" word and its "English" translation are made-up letter
// strings for the same concept id, so the lexicon has to be learned exactly as on the Bible.
@Suite struct MisalignmentDetectorTests {
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    }

    static let concepts = 3000
    static func word(_ concept: Int, prefix: String) -> String {
        var n = concept, letters = prefix
        repeat { letters.append(Character(Unicode.Scalar(UInt8(97 + n % 26)))); n /= 26 } while n > 0
        return letters
    }

    /// 10 books of 200 verses. `translationRate` of the source words are translated, the rest of
    /// the target verse is unrelated filler; book index 5 is much noisier (half the words).
    static func corpus(seed: UInt64) -> (keys: [VerseKey], source: [String], target: [String]) {
        var rng = SplitMix64(state: seed)
        var keys: [VerseKey] = [], source: [String] = [], target: [String] = []
        for b in 0..<10 {
            let rate = b == 5 ? 0.5 : 0.8
            for v in 0..<200 {
                let count = 6 + rng.below(20)
                var es: [String] = [], en: [String] = []
                for _ in 0..<count {
                    let c = rng.below(concepts)
                    es.append(word(c, prefix: "ka"))
                    en.append(word(rng.chance(rate) ? c : rng.below(concepts), prefix: "po"))
                }
                for _ in 0..<rng.below(4) { en.append(word(rng.below(concepts), prefix: "po")) }
                keys.append(VerseKey(book: "Book\(b)", chapter: 1 + v / 50, verse: 1 + v % 50))
                source.append(es.joined(separator: " "))
                target.append(en.joined(separator: " "))
            }
        }
        return (keys, source, target)
    }

    @Test func shiftedRunIsDetectedAndCleanBooksAreNotFlagged() {
        var (keys, source, target) = Self.corpus(seed: 1)
        // Book 3, verses 50…69: the source is one verse behind (verse 49 empty, as in Jonah 1:17),
        // and verse 70 holds target 69 and 70 together, where the versifications meet again.
        let base = 3 * 200
        let original = source
        source[base + 49] = ""
        for i in (base + 50)..<(base + 70) { source[i] = original[i - 1] }
        source[base + 70] = original[base + 69] + " " + original[base + 70]
        let verdicts = VerseAlignment.misalignmentVerdicts(keys: keys, source: source, target: target)
        for i in (base + 50)..<(base + 70) {
            guard case .shifted(let offset, _, _) = verdicts[i] else {
                Issue.record("\(keys[i]) not detected: \(verdicts[i])")
                continue
            }
            #expect(offset == -1)
        }
        #expect(verdicts[base + 70] != .keep, "the merged verse where the shift ends")
        let flagged = verdicts.indices.filter { verdicts[$0] != .keep && !($0 >= base + 49 && $0 <= base + 70) }
        #expect(flagged.isEmpty, "false positives: \(flagged.map { keys[$0].description })")
    }

    @Test func noisyUnshiftedCorpusIsNotFlagged() {
        let (keys, source, target) = Self.corpus(seed: 2)
        let verdicts = VerseAlignment.misalignmentVerdicts(keys: keys, source: source, target: target)
        let flagged = verdicts.indices.filter { verdicts[$0] != .keep }
        #expect(flagged.isEmpty, "false positives: \(flagged.map { keys[$0].description })")
    }

    @Test func tooFewVersesToEstimateTheModelFlagsNothing() {
        let (keys, source, target) = Self.corpus(seed: 3)
        var shifted = source
        for i in 20..<40 { shifted[i] = source[i - 1] }
        let verdicts = VerseAlignment.misalignmentVerdicts(keys: Array(keys[0..<100]), source: Array(shifted[0..<100]), target: Array(target[0..<100]))
        #expect(verdicts.allSatisfy { $0 == .keep })
    }

    @Test func featuresFoldNamesAndCountCharacters() {
        let es = WordIndexer(), en = WordIndexer()
        let a = es.features(of: "MAS Jehová había prevenido un gran pez que tragase á Jonás")
        let b = en.features(of: "Yahweh prepared a huge fish to swallow up Jonah")
        #expect(a.length == 58)
        #expect(Set(a.names).intersection(b.names).count == 1, "Jonás/Jonah meet; MAS (all capitals) is no name")
        #expect(a.names.count == 2)  // Jehová, Jonás
        let c = es.features(of: "Faraón y Misma")
        let d = en.features(of: "Pharaoh and Mishma")
        #expect(Set(c.names) == Set(d.names))
    }
}
