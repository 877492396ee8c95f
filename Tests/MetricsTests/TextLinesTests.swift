import Testing
@testable import Metrics

/// Line splitting and decoding as sacreBLEU's command line does it.
struct TextLinesTests {
    private func strings(_ lines: TextLines) -> [String] {
        (0 ..< lines.count).map { i in
            lines.withLine(i) { String(String.UnicodeScalarView($0.map { Unicode.Scalar($0)! })) }
        }
    }

    @Test func splitsOnNewlineOnlyAndStripsTrailingWhitespace() throws {
        let lines = try TextLines(utf8: Array("a b \r\n\tc\u{2028}d\u{3000}\n\nlast".utf8), name: "t")
        #expect(strings(lines) == ["a b", "\tc\u{2028}d", "", "last"])
    }

    @Test func finalNewlineDoesNotAddALine() throws {
        #expect(try TextLines(utf8: Array("x\ny\n".utf8), name: "t").count == 2)
        #expect(try TextLines(utf8: [], name: "t").count == 0)
        #expect(try TextLines(utf8: Array("\n".utf8), name: "t").count == 1)
    }

    @Test func byteOrderMarkStaysACharacter() throws {
        #expect(strings(try TextLines(utf8: Array("\u{FEFF}a\n".utf8), name: "t")) == ["\u{FEFF}a"])
    }

    @Test("invalid UTF-8 names the file and line", arguments: [
        [0x61, 0x0A, 0x62, 0xFF, 0x0A] as [UInt8],     // stray byte
        [0x61, 0x0A, 0xC0, 0xAF],                       // overlong "/"
        [0x61, 0x0A, 0xED, 0xA0, 0x80],                 // surrogate
        [0x61, 0x0A, 0xE2, 0x82],                       // truncated
        [0x61, 0x0A, 0xF4, 0x90, 0x80, 0x80],           // above U+10FFFF
    ])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(throws: MetricsInputError.invalidUTF8(file: "f.txt", line: 2, byteOffset: bytes[3] == 0xFF ? 3 : 2)) {
            try TextLines(utf8: bytes, name: "f.txt")
        }
    }

    @Test func alignmentErrorsNameTheFile() throws {
        let two = NamedLines(name: "two.txt", lines: TextLines(lines: ["a", "b"]))
        let one = NamedLines(name: "one.txt", lines: TextLines(lines: ["a"]))
        let none = NamedLines(name: "empty.txt", lines: TextLines(lines: []))
        #expect(throws: MetricsInputError.lineCountMismatch(file: "one.txt", lines: 1, expectedFile: "two.txt", expectedLines: 2)) {
            try CorpusScorer.checkAlignment(hypotheses: one, references: [two])
        }
        #expect(throws: MetricsInputError.lineCountMismatch(file: "one.txt", lines: 1, expectedFile: "two.txt", expectedLines: 2)) {
            try CorpusScorer.checkAlignment(hypotheses: two, references: [two, one])
        }
        #expect(throws: MetricsInputError.emptyCorpus(file: "empty.txt")) {
            try CorpusScorer.checkAlignment(hypotheses: none, references: [none])
        }
        try CorpusScorer.checkAlignment(hypotheses: two, references: [two, two])
    }
}
