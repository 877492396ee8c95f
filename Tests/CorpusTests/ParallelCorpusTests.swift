import Foundation
import Testing
@testable import Corpus

@Suite struct ParallelCorpusTests {
    func files(_ source: [UInt8], _ target: [UInt8]) throws -> (String, String) {
        let directory = try CorpusFixtures.temporaryDirectory()
        try CorpusFixtures.write(source, to: "\(directory)/src.es")
        try CorpusFixtures.write(target, to: "\(directory)/tgt.en")
        return ("\(directory)/src.es", "\(directory)/tgt.en")
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func readsLines() throws {
        let (src, tgt) = try files(Array("¿Qué?\n\nfin".utf8), Array("What?\r\n\r\nend\n".utf8))
        let corpus = try ParallelCorpus.read(source: src, target: tgt)
        #expect(corpus.source == ["¿Qué?", "", "fin"])
        #expect(corpus.target == ["What?", "", "end"])
        #expect(corpus.count == 3)
    }

    @Test func missingFile() throws {
        let (src, _) = try files(Array("a\n".utf8), Array("b\n".utf8))
        #expect(message { try ParallelCorpus.read(source: src, target: "/nonexistent/tgt.en") } == "/nonexistent/tgt.en: no such file")
    }

    @Test func unreadableFile() throws {
        let (src, _) = try files(Array("a\n".utf8), Array("b\n".utf8))
        let directory = (src as NSString).deletingLastPathComponent
        #expect(message { try ParallelCorpus.read(source: directory, target: src) } == "\(directory): cannot be read")
    }

    @Test func lineCountMismatchNamesBothCounts() throws {
        let (src, tgt) = try files(Array("a\nb\nc\n".utf8), Array("A\nB\n".utf8))
        #expect(message { try ParallelCorpus.read(source: src, target: tgt) }
            == "\(src) has 3 lines but \(tgt) has 2: a parallel corpus needs one target line per source line")
    }

    @Test func emptyCorpus() throws {
        let (src, tgt) = try files([], [])
        #expect(message { try ParallelCorpus.read(source: src, target: tgt) } == "\(src): the corpus is empty")
    }

    @Test func invalidUTF8NamesFileAndLine() throws {
        let (src, tgt) = try files(Array("a\nb\n".utf8), Array("A\n".utf8) + [0x42, 0xC3, 0x28, 0x0A])
        #expect(message { try ParallelCorpus.read(source: src, target: tgt) } == "\(tgt):2: not valid UTF-8")
    }
}
