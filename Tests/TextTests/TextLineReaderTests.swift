import Foundation
import Testing
import TestSupport
@testable import Text

/// The string-line reader over LineChunkReader: batches, chunk boundaries anywhere, invalid
/// UTF-8 an error naming the line, a last line without newline kept.
@Suite struct TextLineReaderTests {
    func reader(_ bytes: [UInt8], chunkBytes: Int) throws -> (TextLineReader, TemporaryDirectory) {
        let scratch = try TemporaryDirectory("line-reader")
        try Data(bytes).write(to: scratch.url.appendingPathComponent("in.txt"))
        return (TextLineReader(try LineChunkReader(path: scratch.path("in.txt"), chunkBytes: chunkBytes)), scratch)
    }

    func allLines(_ r: TextLineReader, batch: Int) throws -> [[String]] {
        var batches: [[String]] = []
        while let lines = try r.next(maxLines: batch) { batches.append(lines) }
        return batches
    }

    @Test(arguments: [1, 2, 3, 7, 64, 1 << 20])
    func everyChunkSizeGivesTheSameLines(chunkBytes: Int) throws {
        let text = "uno\n\ndos tres\nñandú\nlast"
        let (r, scratch) = try reader(Array(text.utf8), chunkBytes: chunkBytes)
        let batches = try allLines(r, batch: 2)
        _ = scratch
        #expect(batches.flatMap { $0 } == ["uno", "", "dos tres", "ñandú", "last"])
        #expect(batches.map(\.count) == [2, 2, 1])
    }

    /// The lines before the bad one come first (a faithful prefix), then the error names it.
    @Test(arguments: [1, 3, 64])
    func invalidUTF8IsAnErrorNamingTheLine(chunkBytes: Int) throws {
        let (r, scratch) = try reader([0x61, 0x0A, 0x62, 0x0A, 0x63, 0xFF, 0x0A, 0x64, 0x0A], chunkBytes: chunkBytes)
        _ = scratch
        var lines: [String] = []
        #expect {
            while let batch = try r.next(maxLines: 1) { lines += batch }
        } throws: { "\($0)".hasSuffix("in.txt:3: not valid UTF-8") }
        #expect(lines == ["a", "b"])
    }

    @Test func emptyInputHasNoLinesAndANewlineHasOne() throws {
        let (empty, s1) = try reader([], chunkBytes: 4)
        #expect(try empty.next(maxLines: 5) == nil)
        let (one, s2) = try reader([0x0A], chunkBytes: 4)
        #expect(try allLines(one, batch: 5) == [[""]])
        _ = (s1, s2)
    }

    @Test func countsTheLinesOfARegularFileWithoutMovingItsOffset() throws {
        let scratch = try TemporaryDirectory("line-count")
        try Data("a\nb\nc".utf8).write(to: scratch.url.appendingPathComponent("f"))
        let fd = open(scratch.path("f"), O_RDONLY)
        defer { close(fd) }
        #expect(TextLineReader.countLines(ofRegularFile: fd) == 3)
        #expect(lseek(fd, 0, SEEK_CUR) == 0)
    }
}
