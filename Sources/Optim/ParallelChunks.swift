import Dispatch

/// Runs `body(range)` over `0..<count` split into contiguous chunks across the cores.
/// Optimizer updates are memory-bound elementwise loops: two chunks per core keep both busy
/// without the overhead of fine-grained tasks; small buffers run inline.
@inline(__always)
func forEachChunk(count: Int, threads: Int = OptimThreads.count, _ body: (Range<Int>) -> Void) {
    let minimumChunk = 1 << 15
    let chunks = min(max(1, count / minimumChunk), max(1, threads) * 2)
    if chunks == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: chunks) { i in
        body((count * i / chunks)..<(count * (i + 1) / chunks))
    }
}

public enum OptimThreads {
    /// The `--threads` cap, set once at start-up.
    nonisolated(unsafe) public static var count = 2
}
