import Testing
@testable import Corpus

@Suite struct DiathekeOutputParserTests {
    @Test func psalmTitleFromThePreverseIsPrependedToItsVerse() throws {
        let verses = try DiathekeOutputParser.parse(CorpusFixtures.corpus("web-psalm3-internal.txt"), module: "engWEB2015eb")
        #expect(verses.map(\.key.description) == ["Psalms 3:1", "Psalms 3:2"])
        #expect(verses[0].text == "A Psalm by David, when he fled from Absalom his son. Yahweh, how my adversaries have increased! Many are those who rise up against me.")
        #expect(verses[1].text == "Many there are who say of my soul, “There is no help for him in God.” Selah.")
    }

    @Test func textIsKeptAsTheModuleGivesIt() throws {
        let verses = try DiathekeOutputParser.parse(CorpusFixtures.corpus("web-genesis1-internal.txt"), module: "engWEB2015eb")
        #expect(verses.first?.text == "In the beginning, Godcreated the heavens and the earth.")
        #expect(verses.last?.text.hasPrefix("The earth was formless and empty.") == true)
    }

    @Test func multiLinePoetryVerseInPlainFormat() throws {
        let verses = try DiathekeOutputParser.parse(CorpusFixtures.corpus("web-psalm3-plain.txt"), module: "engWEB2015eb")
        #expect(verses.count == 2)
        #expect(verses[0].text == "Yahweh, how my adversaries have increased! Many are those who rise up against me.")
        #expect(verses[1].text == "Many there are who say of my soul, “There is no help for him in God.” Selah.")
    }

    @Test func emptyVerseIsKeptEmpty() throws {
        let verses = try DiathekeOutputParser.parse(CorpusFixtures.corpus("sparv-numbers12-internal.txt"), module: "spaRV1909eb")
        #expect(verses.map(\.key) == [VerseKey(book: "Numbers", chapter: 12, verse: 15), VerseKey(book: "Numbers", chapter: 12, verse: 16)])
        #expect(!verses[0].text.isEmpty)
        #expect(verses[1].text == "")
        // An empty verse may also end right after its colon.
        let bare = try DiathekeOutputParser.parse("Job 38:39:\n(m)\n", module: "m")
        #expect(bare == [DiathekeVerse(key: VerseKey(book: "Job", chapter: 38, verse: 39), text: "")])
    }

    @Test func multiWordBookNamesAndStrongsMarkup() throws {
        let verses = try DiathekeOutputParser.parse(CorpusFixtures.corpus("sparv-revelation22-internal.txt"), module: "spaRV1909eb")
        #expect(verses.map(\.key) == [VerseKey(book: "Revelation of John", chapter: 22, verse: 21)])
        #expect(verses[0].text == "La gracia de nuestro Señor Jesucristo sea con todos vosotros. Amén.")
        let numbered = try DiathekeOutputParser.parse("II Samuel 1:2: a\nIII John 1:15: b\n(m)\n", module: "m")
        #expect(numbered.map(\.key.book) == ["II Samuel", "III John"])
    }

    @Test func moduleNameTrailerEndsTheOutput() throws {
        let verses = try DiathekeOutputParser.parse("Ruth 1:1: a\n(m)\nRuth 1:2: after the trailer\n", module: "m")
        #expect(verses.map(\.text) == ["a"])
        #expect(throws: DiathekeOutputError.missingTrailer(module: "m")) {
            try DiathekeOutputParser.parse("Ruth 1:1: a\nRuth 1:2: b\n", module: "m")
        }
    }

    @Test func duplicateVerseIsAnError() {
        #expect(throws: DiathekeOutputError.duplicateVerse(module: "m", key: VerseKey(book: "Ruth", chapter: 1, verse: 1))) {
            try DiathekeOutputParser.parse("Ruth 1:1: a\nRuth 1:1: b\n(m)\n", module: "m")
        }
    }

    @Test func referenceLikeTextInsideAVerseIsNotAVerse() throws {
        let verses = try DiathekeOutputParser.parse("Ruth 1:1: See Exodus 3:13: here.\n(m)\n", module: "m")
        #expect(verses.map(\.text) == ["See Exodus 3:13: here."])
    }
}
