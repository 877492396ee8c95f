// Parallel loops and the global thread cap.
//
// One cap (the CLI's `--threads`) bounds both our own parallel loops and OpenBLAS's threads.
// The two never nest: `Parallel.forEachChunk` sets OpenBLAS to one thread while its workers
// run (so per-head GEMMs called inside run single-threaded on their worker) and restores the
// cap afterwards, so a big GEMM issued from the caller's thread uses all `cap` threads.
import Dispatch
import CBLAS
#if canImport(Glibc)
import Glibc
#endif

public enum Parallel {
    /// The number of threads our loops and OpenBLAS may use. Set it with `setThreadCap`.
    public private(set) static var threadCap: Int = defaultThreadCap()

    /// Caps our loops and OpenBLAS at `n` threads (at least 1).
    public static func setThreadCap(_ n: Int) {
        threadCap = max(1, n)
        openblas_set_num_threads(Int32(threadCap))
    }

    static func defaultThreadCap() -> Int {
        let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, Int(n))
    }

    /// Splits `0..<count` into at most `threadCap` contiguous chunks of at least `minChunk`
    /// items each and runs `body` on every chunk, concurrently when there is more than one.
    /// `body` must only write to memory owned by its chunk. OpenBLAS runs single-threaded
    /// inside `body` when the loop is parallel.
    @inlinable
    public static func forEachChunk(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = min(threadCap, max(1, count / max(1, minChunk)))
        if workers <= 1 {
            body(0..<count)
            return
        }
        let per = (count + workers - 1) / workers
        openblas_set_num_threads(1)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * per
                let hi = min(count, lo + per)
                if lo < hi { body(lo..<hi) }
            }
        }
        openblas_set_num_threads(Int32(threadCap))
    }

    /// Runs `body(worker, range)`; `worker` is in `0..<workerCount(count, minChunk)` so a
    /// caller can give each worker its own scratch (e.g. partial sums reduced afterwards).
    @inlinable
    public static func forEachWorker(_ count: Int, minChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = workerCount(count, minChunk: minChunk)
        if workers <= 1 {
            body(0, 0..<count)
            return
        }
        let per = (count + workers - 1) / workers
        openblas_set_num_threads(1)
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * per
                let hi = min(count, lo + per)
                if lo < hi { body(w, lo..<hi) }
            }
        }
        openblas_set_num_threads(Int32(threadCap))
    }

    @inlinable
    public static func workerCount(_ count: Int, minChunk: Int = 1) -> Int {
        min(threadCap, max(1, count / max(1, minChunk)))
    }
}
