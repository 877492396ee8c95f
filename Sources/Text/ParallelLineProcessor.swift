// Streams lines from one descriptor to another through a per-line transformation, in bounded
// chunks: each chunk's lines are split into contiguous runs, one per transform (run on at most `Parallel.threadCap` threads), and the
// workers' outputs are written in order before the next chunk is read. Memory stays bounded
// by the chunk size however large the input is.
import Parallelism

/// Turns one input line into output bytes (including its newline). Each worker thread owns one.
public protocol LineTransform: AnyObject {
    /// Appends the output for `line` to `output`, or returns an error message for this line.
    func transform(_ line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) -> String?
}

public enum ParallelLineProcessor {
    /// Runs `transforms` (one per worker) over every line read by `reader`, writing to `outputFD`.
    /// A failing line stops the run with "<input name>:<line>: <message>".
    public static func run(reader: LineChunkReader, inputName: String, outputFD: Int32, outputName: String,
                           transforms: [LineTransform]) throws {
        let workers = max(1, transforms.count)
        var outputs = [[UInt8]](repeating: [], count: workers)
        while let chunk = try reader.nextChunk() {
            let parts = partition(chunk.lines.count, into: workers)
            var failures = [(line: Int, message: String)?](repeating: nil, count: workers)
            chunk.bytes.withUnsafeBufferPointer { bytes in
                nonisolated(unsafe) let bytes = bytes
                outputs.withUnsafeMutableBufferPointer { outs in
                    nonisolated(unsafe) let outs = outs
                    failures.withUnsafeMutableBufferPointer { fails in
                        nonisolated(unsafe) let fails = fails
                        let work: (Int) -> Void = { w in
                            outs[w].removeAll(keepingCapacity: true)
                            for i in parts[w] {
                                if let message = transforms[w].transform(UnsafeBufferPointer(rebasing: bytes[chunk.lines[i]]), into: &outs[w]) {
                                    fails[w] = (i, message)
                                    return
                                }
                            }
                        }
                        if workers == 1 || chunk.lines.count < 64 {
                            for w in 0..<workers { work(w) }
                        } else {
                            Parallel.forEachIteration(workers, work)
                        }
                    }
                }
            }
            // Write what precedes the first failure, so the output is a faithful prefix.
            for w in 0..<workers {
                try outputs[w].withUnsafeBytes { try writeAll(outputFD, $0, name: outputName) }
                if let failure = failures[w] {
                    throw StreamError("\(inputName):\(chunk.firstLineNumber + failure.line): \(failure.message)")
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension ParallelLineProcessor {
    /// Standard input to standard output through `transforms` (`nmt bpe encode/decode`).
    public static func runStandardStreams(transforms: [LineTransform]) throws {
        try run(reader: LineChunkReader(fd: STDIN_FILENO, name: "<stdin>"), inputName: "<stdin>", outputFD: STDOUT_FILENO,
                outputName: "<stdout>", transforms: transforms)
    }
}
