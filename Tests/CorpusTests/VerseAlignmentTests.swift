import Testing
@testable import Corpus

@Suite struct VerseAlignmentTests {
    func verse(_ book: String, _ chapter: Int, _ number: Int, _ text: String) -> DiathekeVerse {
        DiathekeVerse(key: VerseKey(book: book, chapter: chapter, verse: number), text: text)
    }

    @Test func pairsByReferenceKeyNotByPosition() {
        let source = [verse("Ruth", 1, 1, "uno"), verse("Ruth", 1, 2, "dos"), verse("Ruth", 1, 3, "tres")]
        // The target has an extra book first and its verses in another order.
        let target = [verse("Tobit", 1, 1, "extra"), verse("Ruth", 1, 3, "three"), verse("Ruth", 1, 1, "one"), verse("Ruth", 1, 2, "two")]
        let result = VerseAlignment.align(source: source, target: target)
        let (pairs, counts) = (result.pairs, result.counts)
        #expect(pairs.map(\.source) == ["uno", "dos", "tres"])
        #expect(pairs.map(\.target) == ["one", "two", "three"])
        #expect(counts == AlignmentCounts(pairs: 3, sourceOnly: 0, targetOnly: 1, empty: 0))
    }

    @Test func versesOnOneSideOnlyOrEmptyAreDroppedAndCounted() {
        let source = [verse("Acts", 8, 36, "a"), verse("Acts", 8, 37, "b"), verse("Acts", 8, 38, ""), verse("Acts", 8, 39, "d")]
        let target = [verse("Acts", 8, 36, "A"), verse("Acts", 8, 37, ""), verse("Acts", 8, 38, "C")]
        let result = VerseAlignment.align(source: source, target: target)
        let (pairs, counts) = (result.pairs, result.counts)
        #expect(pairs.map(\.key.description) == ["Acts 8:36"])
        #expect(counts == AlignmentCounts(pairs: 1, sourceOnly: 1, targetOnly: 0, empty: 2))
    }
}
