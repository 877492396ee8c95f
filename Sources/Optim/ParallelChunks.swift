import Parallelism

/// Runs `body(range)` over `0..<count` split into contiguous chunks across the workers
/// (`Parallel.threadCap`). Optimizer updates are memory-bound elementwise loops, so how the
/// buffer is cut does not change any result; buffers under 32 Ki entries run inline.
@inline(__always)
func forEachChunk(count: Int, _ body: (Range<Int>) -> Void) {
    Parallel.forEachChunk(count, minChunk: 1 << 15, body)
}
