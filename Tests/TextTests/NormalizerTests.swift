import Testing
@testable import Text

@Suite struct NormalizerTests {
    @Test func nfkcFoldsCompatibilityCharacters() {
        #expect(normalize("ﬁ Ｆｕｌｌ ① café cafe\u{301} Ⅻ") == "fi Full 1 café café XII")
        // Exact scalars, not String ==, which treats composed and decomposed forms as equal.
        #expect(Array(normalize("cafe\u{301}").unicodeScalars) == Array("caf\u{E9}".unicodeScalars))
    }

    @Test func nfcComposesButKeepsCompatibilityCharacters() {
        let out = normalize("ﬁ Ｆｕｌｌ ① cafe\u{301} Ⅻ", form: .nfc)
        #expect(Array(out.unicodeScalars) == Array("ﬁ Ｆｕｌｌ ① caf\u{E9} Ⅻ".unicodeScalars))
    }

    @Test func noneKeepsScalarsButStillCleans() {
        let out = normalize("  cafe\u{301}\u{1}  ﬁ\t", form: .none)
        #expect(Array(out.unicodeScalars) == Array("cafe\u{301} ﬁ".unicodeScalars))
    }

    @Test func controlCharactersAreRemoved() {
        #expect(normalize("a\u{0}b\u{7}c\u{1B}d\u{7F}e\u{9F}") == "abcde")
        // Removed before normalization, so they do not block composition.
        #expect(Array(normalize("e\u{1}\u{301}").unicodeScalars) == ["\u{E9}"])
    }

    @Test func whitespaceIsCollapsedAndTrimmed() {
        #expect(normalize("  a \t\n b\r\n\u{A0}c\u{3000}d\u{2003}\u{2028}e  ") == "a b c d e")
        #expect(normalize("a \u{2581} b▁c") == "a b c")  // ▁ is the word-boundary marker
        #expect(normalize(" \t ") == "")
        #expect(normalize("") == "")
    }

    @Test func normalizationIsIdempotent() {
        for text in ["ﬁ Ｆｕｌｌ ①", "a\u{B4}b", " \u{301}x", "ｶﾀｶﾅ", "¿Qué? ¡Sí!", "e\u{1}\u{301}\u{A0}"] {
            let once = normalize(text)
            #expect(Array(normalize(once).unicodeScalars) == Array(once.unicodeScalars))
        }
    }

    @Test func invalidUTF8IsReported() {
        let normalizer = TextNormalizer(form: .nfkc)
        let bad: [UInt8] = [0x61, 0xFF, 0x62]
        #expect(bad.withUnsafeBufferPointer { normalizer.normalize($0) } == nil)
        let truncated: [UInt8] = [0x61, 0xC3]
        #expect(truncated.withUnsafeBufferPointer { normalizer.normalize($0) } == nil)
    }

    @Test func longLinesGrowTheBuffer() {
        let line = String(repeating: "ﬁ ", count: 5000)
        #expect(normalize(line) == String(repeating: "fi ", count: 4999) + "fi")
    }
}
