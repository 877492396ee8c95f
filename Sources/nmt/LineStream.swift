import Foundation

/// Reads a file descriptor in bounded chunks of whole lines, so input larger than memory
/// streams. Invalid UTF-8 is replaced (U+FFFD) and the lines it touched are counted; a
/// final line without a newline is still a line.
final class LineStream {
    let handle: FileHandle
    let chunkBytes: Int
    private var pending: [UInt8] = []
    private var finished = false
    private(set) var invalidLines = 0

    init(handle: FileHandle = .standardInput, chunkBytes: Int = 1 << 20) {
        self.handle = handle
        self.chunkBytes = chunkBytes
    }

    /// The next batch of at most `maxLines` lines, or nil at the end of input.
    func next(maxLines: Int) throws -> [String]? {
        var lines: [String] = []
        while lines.count < maxLines {
            if let newline = pending.firstIndex(of: 0x0A) {
                lines.append(decode(pending[..<newline]))
                pending.removeSubrange(...newline)
                continue
            }
            if finished {
                if !pending.isEmpty { lines.append(decode(pending[...])); pending.removeAll() }
                break
            }
            if let data = try handle.read(upToCount: chunkBytes), !data.isEmpty {
                pending.append(contentsOf: data)
            } else {
                finished = true
            }
        }
        return lines.isEmpty && finished && pending.isEmpty ? nil : lines
    }

    private func decode(_ bytes: ArraySlice<UInt8>) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        invalidLines += 1
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lines in a regular file (for an ETA); nil for pipes and terminals.
    static func countLines(ofRegularFile handle: FileHandle) -> Int? {
        var info = stat()
        guard fstat(handle.fileDescriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let start = lseek(handle.fileDescriptor, 0, SEEK_CUR)
        var count = 0, last: UInt8 = 0x0A
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            for i in 0..<n where buffer[i] == 0x0A { count += 1 }
            last = buffer[n - 1]
        }
        lseek(handle.fileDescriptor, start, SEEK_SET)
        return count + (last == 0x0A ? 0 : 1)
    }
}
