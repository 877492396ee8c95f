import Foundation
import Testing
import Text

/// Reading a pipe whose writer pauses: what has arrived is returned without waiting for more
/// (interactive `nmt translate`), and a writer that sends everything at once still gets full batches.
@Suite struct PipeReadingTests {
    final class Pipe2 {
        let read: Int32, write: Int32
        init() throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw CocoaError(.fileReadUnknown) }
            (read, write) = (fds[0], fds[1])
        }
        func send(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { Foundation.write(write, $0.baseAddress, $0.count) } }
        func closeWriter() { close(write) }
        deinit { close(read) }
    }

    /// `next` on another thread, with a deadline: nil means it was still waiting.
    func next(_ reader: TextLineReader, maxLines: Int, within seconds: Double) -> [String]?? {
        final class Box: @unchecked Sendable { var value: [String]?? = .none; let done = DispatchSemaphore(value: 0) }
        let box = Box()
        Thread { box.value = .some(try? reader.next(maxLines: maxLines)); box.done.signal() }.start()
        return box.done.wait(timeout: .now() + seconds) == .success ? box.value : nil
    }

    @Test func aLineIsReturnedWhileTheWriterWaits() throws {
        let pipe = try Pipe2()
        let reader = TextLineReader(LineChunkReader(fd: pipe.read, name: "pipe", chunkBytes: 1 << 20))
        pipe.send("uno\n")
        #expect(next(reader, maxLines: 1000, within: 10) == .some(["uno"]))
        pipe.send("dos\ntres\ncua")
        #expect(next(reader, maxLines: 1000, within: 10) == .some(["dos", "tres"]), "the partial line waits for its end")
        pipe.send("tro\n")
        #expect(next(reader, maxLines: 1000, within: 10) == .some(["cuatro"]))
        // Nothing buffered: it waits (still waiting after 0.3 s), then ends when the writer closes.
        #expect(next(reader, maxLines: 1000, within: 0.3) == nil)
        pipe.closeWriter()
    }

    @Test func everythingSentAtOnceComesInFullBatches() throws {
        let pipe = try Pipe2()
        let reader = TextLineReader(LineChunkReader(fd: pipe.read, name: "pipe", chunkBytes: 1 << 20))
        pipe.send((0..<500).map { "línea \($0)\n" }.joined())
        pipe.closeWriter()
        var sizes: [Int] = []
        while let lines = try reader.next(maxLines: 200) { sizes.append(lines.count) }
        #expect(sizes == [200, 200, 100])
    }
}
