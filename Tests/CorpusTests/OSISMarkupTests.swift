import Testing
@testable import Corpus

@Suite struct OSISMarkupTests {
    @Test func inlineElementsVanishAndKeepGluedWordsGlued() {
        #expect(OSISMarkup.plainText(#"<w savlm="strong:H0430">God</w><w savlm="strong:H1254">created</w> the"#) == "Godcreated the")
    }

    @Test func lineAndParagraphElementsSeparateWords() {
        #expect(OSISMarkup.plainText(#"increased!<l eID="a" level="1"/><l level="2" sID="b"/>Many"#) == "increased! Many")
        #expect(OSISMarkup.plainText(#"end.<lb type="x-p"/>Next"#) == "end. Next")
    }

    @Test func notesAndEditorialHeadingsAreDroppedWithTheirContent() {
        #expect(OSISMarkup.plainText(#"a<note type="x"><w>b</w> c</note> d"#) == "a d")
        #expect(OSISMarkup.plainText(#"<title type="x-section">Heading</title>Text"#) == "Text")
    }

    @Test func canonicalTitlesAreVerseText() {
        #expect(OSISMarkup.plainText(#"<title canonical="true" type="psalm">A Psalm.</title> Text"#) == "A Psalm. Text")
        let preverse = #"<div sID="g1" type="x-p"/><title canonical="true" type="psalm">ALEPH</title> <lg sID="a"/><speaker>Lover</speaker><title type="main">Book</title>"#
        #expect(OSISMarkup.canonicalTitles(preverse) == ["ALEPH"])
    }

    @Test func malformedStrongsTagsAreMarkup() {
        // The plain renderer prints the Spanish module's lemma="G5547" as a tag-like "<G5547>".
        #expect(OSISMarkup.plainText("Señor <G2962> Jesucristo <G2424> <G5547> sea") == "Señor Jesucristo sea")
    }

    @Test func entitiesAreDecodedAndWhitespaceCollapsed() {
        #expect(OSISMarkup.plainText("  a &amp; b&lt;c&gt; &quot;d&quot; &apos;e&apos; &unknown; ") == "a & b<c> \"d\" 'e' &unknown;")
        #expect(OSISMarkup.plainText("a\u{00A0}\u{2009} b\n\tc\u{3000}") == "a b c")
        #expect(OSISMarkup.plainText("¿Qué? ¡Sí! “God’s”") == "¿Qué? ¡Sí! “God’s”")
    }

    @Test func unclosedAngleBracketIsText() {
        #expect(OSISMarkup.plainText("a < b") == "a < b")
    }
}
