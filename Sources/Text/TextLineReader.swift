#if canImport(Glibc)
import Glibc
#endif

/// Lines as Strings in batches, streamed through `LineChunkReader` (the one line reader):
/// memory stays bounded by a chunk however long the input, and each line is decoded once, so
/// reading is linear in the input. Invalid UTF-8 is an error naming the line, as everywhere
/// else nmt reads text (corpora, BPE input, hypotheses); a final line without a newline is
/// still a line.
public final class TextLineReader {
    private let reader: LineChunkReader
    private var chunk = LineChunk()
    private var nextLine = 0
    private var finished = false

    public init(_ reader: LineChunkReader) { self.reader = reader }

    /// Standard input.
    public convenience init(standardInputChunkBytes chunkBytes: Int = 1 << 20) {
        self.init(LineChunkReader(fd: STDIN_FILENO, name: "<stdin>", chunkBytes: chunkBytes))
    }

    /// The next batch of at most `maxLines` lines, or nil at the end of the input. It waits
    /// for input only while it has no line at all: what has arrived when the input pauses is
    /// the batch (so interactive use and coprocesses get each answer at once).
    public func next(maxLines: Int) throws -> [String]? {
        var lines: [String] = []
        while lines.count < maxLines {
            if nextLine == chunk.lines.count {
                if !lines.isEmpty && !reader.hasInputReady { break }
                guard !finished, let next = try reader.nextChunk() else { finished = true; break }
                chunk = next
                nextLine = 0
                continue
            }
            let take = min(maxLines - lines.count, chunk.lines.count - nextLine)
            try chunk.bytes.withUnsafeBufferPointer { bytes in
                for index in nextLine..<(nextLine + take) {
                    guard let line = String(validating: UnsafeBufferPointer(rebasing: bytes[chunk.lines[index]]), as: UTF8.self) else {
                        throw StreamError("\(reader.name):\(chunk.firstLineNumber + index): not valid UTF-8")
                    }
                    lines.append(line)
                }
            }
            nextLine += take
        }
        return lines.isEmpty && finished ? nil : lines
    }

    /// Lines in the regular file open on `fd` (for an ETA), without moving its offset; nil for
    /// pipes and terminals.
    public static func countLines(ofRegularFile fd: Int32) -> Int? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let start = lseek(fd, 0, SEEK_CUR)
        var count = 0, last: UInt8 = 0x0A
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            for i in 0..<n where buffer[i] == 0x0A { count += 1 }
            last = buffer[n - 1]
        }
        lseek(fd, start, SEEK_SET)
        return count + (last == 0x0A ? 0 : 1)
    }
}
