// Reads a file descriptor in bounded chunks of whole lines, so commands can stream files
// larger than memory: each chunk is processed (possibly in parallel) and written before the
// next is read.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole lines read from a stream: `bytes` holds them, `lines` their ranges without the "\n".
public struct LineChunk {
    public var bytes: [UInt8] = []
    public var lines: [Range<Int>] = []
    /// 1-based number of the first line of this chunk in the stream.
    public var firstLineNumber = 1
}

/// An I/O failure, named by the stream it happened on.
public struct StreamError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public final class LineChunkReader {
    private let fd: Int32
    /// What the input is called in errors.
    public let name: String
    private let chunkBytes: Int
    private var pending: [UInt8] = []
    /// Whether `pending` holds a "\n" (kept up to date by `fill`, so no rescans).
    private var pendingHasLineEnd = false
    private var atEnd = false
    private var nextLineNumber = 1
    private var ownsDescriptor = false

    /// Reads `fd` (not closed when done); `name` appears in error messages.
    public init(fd: Int32, name: String, chunkBytes: Int = 1 << 22) {
        self.fd = fd
        self.name = name
        self.chunkBytes = max(1, chunkBytes)
    }

    /// Opens `path` for reading.
    public convenience init(path: String, chunkBytes: Int = 1 << 22) throws {
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw StreamError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        self.init(fd: fd, name: path, chunkBytes: chunkBytes)
        ownsDescriptor = true
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// The next chunk of at least one whole line, or nil at the end. The last line need not end
    /// in "\n". A chunk is about `chunkBytes` bytes, or less when the input pauses: once a whole
    /// line is there, it never waits for more than is already available, so a person typing or
    /// a program writing a line and waiting for its answer is served at once. Regular files are
    /// always readable, so they still come in full chunks.
    public func nextChunk() throws -> LineChunk? {
        while !atEnd {
            if pendingHasLineEnd && (pending.count >= chunkBytes || !Self.readable(fd)) { break }
            try fill()
        }
        if pending.isEmpty { return nil }
        var chunk = LineChunk()
        chunk.firstLineNumber = nextLineNumber
        // End at the last newline within chunkBytes, or at the first one if a line is longer.
        let head = pending[..<min(chunkBytes, pending.count)]
        if let cut = head.lastIndex(of: 10) ?? pending.firstIndex(of: 10) {
            chunk.bytes = Array(pending[...cut])
            pending.removeSubrange(...cut)
            pendingHasLineEnd = pending.contains(10)
        } else {
            // End of stream: the rest is the final line, without a newline.
            chunk.bytes = pending
            pending = []
        }
        chunk.bytes.withUnsafeBufferPointer { b in
            var start = 0
            for i in 0..<b.count where b[i] == 10 {
                chunk.lines.append(start..<i)
                start = i + 1
            }
            if start < b.count { chunk.lines.append(start..<b.count) }
        }
        nextLineNumber += chunk.lines.count
        return chunk
    }

    private func fill() throws {
        let want = chunkBytes
        let old = pending.count
        pending.reserveCapacity(old + want)
        var got = 0
        var failure: Int32 = 0
        repeat {
            failure = 0
            pending.append(contentsOf: repeatElement(0, count: want))
            got = pending.withUnsafeMutableBytes { read(fd, $0.baseAddress! + old, want) }
            pending.removeLast(want - max(got, 0))
            if got < 0 { failure = errno }
        } while got < 0 && failure == EINTR
        if got < 0 { throw StreamError("\(name): read failed: \(String(cString: strerror(failure)))") }
        if got == 0 { atEnd = true }
        if !pendingHasLineEnd && got > 0 { pendingHasLineEnd = pending[old...].contains(10) }
    }

    /// Whether `nextChunk` would return without waiting for the writer: a whole line is
    /// buffered, the input has ended, or bytes (or the end) can be read at once.
    public var hasInputReady: Bool { pendingHasLineEnd || atEnd || Self.readable(fd) }

    /// Whether a read would return at once (data or end of input); regular files always are.
    private static func readable(_ fd: Int32) -> Bool {
        var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, 0) > 0
    }
}

/// Writes bytes to a file descriptor, retrying short writes.
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            throw StreamError("\(name): write failed: \(String(cString: strerror(errno)))")
        }
        offset += n
    }
}
