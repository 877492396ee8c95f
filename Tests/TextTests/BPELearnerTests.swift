import Testing
@testable import Text

/// The classic example of Sennrich et al. (2016), as SentencePiece-style words.
let tinyWords: [(word: [UInt8], count: Int64)] = [
    (Array("low".utf8), 5), (Array("lower".utf8), 2), (Array("newest".utf8), 6), (Array("widest".utf8), 3),
]

func mergeStrings(_ model: BPEModel) -> [String] {
    model.merges.map { "\(model.vocabulary[Int($0.left)]) \(model.vocabulary[Int($0.right)])" }
}

@Suite struct BPELearnerTests {
    /// Worked by hand. Characters by frequency (ties by code point): e17 w16 ▁16 s9 t9 l7 o7 n6
    /// d3 i3 r2 → ids 4…14. Counts: es 9 = st 9 (tie → smaller left id e=4 wins); then est 9;
    /// then ▁l = lo = ow = 7 (▁=6 < l=9 < o=10); ▁l o 7 vs o w 7 (o=10 < ▁l=17) …
    @Test func mergeOrderIsPinned() throws {
        let (model, summary) = try BPELearner.learn(words: tinyWords, options: .init(vocabSize: 30, minFrequency: 1))
        #expect(Array(model.vocabulary[4..<15]) == ["e", "w", "▁", "s", "t", "l", "o", "n", "d", "i", "r"])
        #expect(mergeStrings(model) == [
            "e s", "es t", "▁ l", "o w", "▁l ow", "e w", "▁ n", "ew est", "▁n ewest",
            "w i", "▁ wi", "d est", "▁wi dest", "e r", "▁low er",
        ])
        #expect(model.vocabSize == 30)
        #expect(summary.stoppedEarly == nil)
        #expect(Array(model.vocabulary[0..<4]) == ["<pad>", "<s>", "</s>", "<unk>"])
    }

    @Test func stopsWhenNoPairsAreLeft() throws {
        let (model, summary) = try BPELearner.learn(words: tinyWords, options: .init(vocabSize: 100, minFrequency: 1))
        #expect(model.vocabSize == 30)
        #expect(summary.stoppedEarly == "no pairs left to merge")
    }

    @Test func stopsBelowMinimumFrequency() throws {
        let (model, summary) = try BPELearner.learn(words: tinyWords, options: .init(vocabSize: 100, minFrequency: 3))
        #expect(mergeStrings(model).last == "▁wi dest")
        #expect(model.vocabSize == 28)
        #expect(summary.stoppedEarly?.contains("below --min-frequency 3") == true)
    }

    @Test func vocabularyMustHoldTheAlphabet() {
        #expect(throws: BPELearningError.self) {
            try BPELearner.learn(words: tinyWords, options: .init(vocabSize: 14))
        }
    }

    @Test func piecesNeverMixScriptsOrExceedSixteenCharacters() throws {
        let words: [(word: [UInt8], count: Int64)] = [
            (Array("light,".utf8), 50), (Array("abcdefghijklmnopqrstuvwxyz".utf8), 50), (Array("αβ".utf8), 9), (Array("aα".utf8), 40),
        ]
        let (model, _) = try BPELearner.learn(words: words, options: .init(vocabSize: 200, minFrequency: 1))
        let merged = model.vocabulary[(4 + model.characterCount)...]
        #expect(merged.contains("▁light"))
        #expect(!merged.contains { $0.hasSuffix(",") && $0.count > 1 })
        #expect(!merged.contains { $0.unicodeScalars.contains("a") && $0.unicodeScalars.contains("α") })
        #expect(merged.contains("▁αβ"))
        #expect(merged.allSatisfy { $0.unicodeScalars.count <= 16 })
        #expect(merged.contains("▁abcdefgh") && merged.contains("ijklmnopq"))
        #expect(!merged.contains("▁abcdefghijklmnopq"))  // 17 characters
    }

    @Test func learningIsDeterministic() throws {
        let words: [(word: [UInt8], count: Int64)] = (0..<300).map { i in
            (Array("w\(i % 17)x\(i % 5)yy\(i % 3)".utf8), Int64(1 + i % 4))
        }
        let a = try BPELearner.learn(words: words, options: .init(vocabSize: 60, minFrequency: 1)).0
        let b = try BPELearner.learn(words: words.reversed(), options: .init(vocabSize: 60, minFrequency: 1)).0
        // Two identical runs give the same file, and the order of the word list does not matter.
        #expect(a.fileContents() == (try BPELearner.learn(words: words, options: .init(vocabSize: 60, minFrequency: 1)).0.fileContents()))
        #expect(a.hash == b.hash)
    }
}
