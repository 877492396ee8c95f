import Testing
@testable import Corpus

@Suite struct BibleCorpusTests {
    /// A tiny pair of module outputs: one verse of every held-out book, a few training verses,
    /// a verse only in the English module and an empty Spanish verse.
    static let books = BibleSplit.testBooks + BibleSplit.validBooks + ["Genesis", "Matthew"]
    static var spanish: String {
        books.map { "\($0) 1:1: <w>es \($0)</w>" }.joined(separator: "\n")
            + "\nGenesis 1:2: <chapter eID=\"x\"/>\n(spaRV1909eb)\n"
    }
    static var english: String {
        "Tobit 1:1: only in English\nGenesis 1:2: The earth\n"
            + books.reversed().map { "\($0) 1:1: <w>en</w> \($0)" }.joined(separator: "\n") + "\n(engWEB2015eb)\n"
    }

    @Test func listedBooksGoToTheirSplits() {
        for book in BibleSplit.testBooks { #expect(BibleSplit.split(ofBook: book) == .test) }
        for book in BibleSplit.validBooks { #expect(BibleSplit.split(ofBook: book) == .valid) }
        for book in ["Genesis", "Psalms", "Revelation of John", "II Peter", "John", "I John"] {
            #expect(BibleSplit.split(ofBook: book) == .train)
        }
        #expect(Set(BibleSplit.testBooks).isDisjoint(with: BibleSplit.validBooks))
    }

    @Test func corpusIsSplitByBookAndAlignedByKey() throws {
        let corpus = try BibleCorpus(sourceOutput: Self.spanish, targetOutput: Self.english)
        #expect(corpus.pairs[.test]!.map(\.key.book) == BibleSplit.testBooks)
        #expect(corpus.pairs[.valid]!.map(\.key.book) == BibleSplit.validBooks)
        #expect(corpus.pairs[.train]!.map(\.key.book) == ["Genesis", "Matthew"])
        for pair in corpus.pairs.values.joined() {
            #expect(pair.source == "es \(pair.key.book)")
            #expect(pair.target == "en \(pair.key.book)")
        }
        #expect(corpus.counts == AlignmentCounts(pairs: 17, sourceOnly: 0, targetOnly: 1, empty: 1))
    }

    @Test func filesAreParallelAndByteIdenticalOnEveryBuild() throws {
        let first = try BibleCorpus(sourceOutput: Self.spanish, targetOutput: Self.english).files()
        let second = try BibleCorpus(sourceOutput: Self.spanish, targetOutput: Self.english).files()
        #expect(first.map(\.name) == ["train.es", "train.en", "train.ref", "valid.es", "valid.en", "valid.ref", "test.es", "test.en", "test.ref", "dropped.tsv"])
        #expect(first.map(\.contents) == second.map(\.contents))
        #expect(CorpusManifest(files: first) == CorpusManifest(files: second))
        let test = Dictionary(uniqueKeysWithValues: first.map { ($0.name, $0.contents) })
        #expect(test["test.ref"]!.hasPrefix("Ecclesiastes 1:1\nEsther 1:1\n"))
        #expect(test["test.es"]!.hasPrefix("es Ecclesiastes\nes Esther\n"))
        #expect(test["test.en"]!.hasPrefix("en Ecclesiastes\nen Esther\n"))
        #expect(test["dropped.tsv"] == "reference\treason\tevidence\nGenesis 1:2\tempty\tno text in the source\nTobit 1:1\tonly-target\tno such verse in the source module\n")
    }

    @Test func missingHeldOutBookIsAnError() {
        let spanish = "Genesis 1:1: a\nRuth 1:1: b\n(spaRV1909eb)\n"
        let english = "Genesis 1:1: A\nRuth 1:1: B\n(engWEB2015eb)\n"
        #expect(throws: BibleCorpusError.self) { try BibleCorpus(sourceOutput: spanish, targetOutput: english) }
    }
}
