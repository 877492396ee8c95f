// Parallel loops and the one thread cap of the whole program.
//
// Every target runs its parallel work through `Parallel`, so the CLI's `--threads` bounds all
// of it: kernels, GEMM splits, optimizer loops, BPE, BLEU, corpus building. OpenBLAS always
// runs single-threaded (Tensor's `GEMM` sees to that): a large GEMM is split into row or column
// blocks, one per worker, instead of using OpenBLAS's thread pool. Reasons (measured, see
// scripts/bench/30-model.sh): OpenBLAS's idle threads spin in sched_yield for ~0.1 s after
// every threaded call, stealing a core from the Dispatch workers that run the next
// elementwise kernel; and with a single pool of threads nothing can nest by accident.
// Code running inside a worker (`isWorkerThread`) never splits again.
//
// This target depends on nothing, so Text, Metrics, Optim and Corpus can use it too.
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public enum Parallel {
    /// The number of threads our loops (and split GEMMs) may use: the process-wide cap of
    /// `setThreadCap`, or on a thread inside `withThreadCap`, that scope's.
    public static var threadCap: Int {
        let scoped = Int(bitPattern: pthread_getspecific(scopedCapKey))
        return scoped > 0 ? scoped : processCap.load(ordering: .relaxed)
    }

    /// Atomic: a study's runs set it (to the same value) on their own threads while other runs'
    /// loops read it, which ThreadSanitizer reported as a data race on a plain variable.
    private static let processCap = Atomic<Int>(initialThreadCap())

    /// Caps every parallel loop at `n` threads (at least 1), process-wide.
    public static func setThreadCap(_ n: Int) {
        processCap.store(max(1, n), ordering: .relaxed)
    }

    /// Runs `body` with the parallel loops (and split GEMMs) it starts on this thread capped at
    /// `n` threads (at least 1), then restores the cap that was in force before. For tests.
    ///
    /// The cap is this thread's, not the process's, because it decides results, not only
    /// speed: loops that reduce per-worker partial sums (layer-norm statistics, loss sums,
    /// column sums) add in another order at another thread count, and GEMM blocks follow it,
    /// so the last bits of a result depend on it (hence "bit-identical given the same thread
    /// count" in Trainer). Test suites run in parallel in one process; a process-wide change
    /// by one test could land between two computations another test compares bit for bit (or
    /// between a kernel's `workerCount` and its `forEachWorker`, past its per-worker partials).
    /// Scoped to the calling thread it cannot: the cap is read where a loop starts, on the
    /// calling thread (workers never split again), and a synchronous `body` stays on it.
    public static func withThreadCap<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(scopedCapKey)
        pthread_setspecific(scopedCapKey, UnsafeRawPointer(bitPattern: max(1, n)))
        defer { pthread_setspecific(scopedCapKey, previous) }
        return try body()
    }

    /// The scope's cap of `withThreadCap`, stored as the pointer's bit pattern (nil: none).
    private static let scopedCapKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static func initialThreadCap() -> Int { defaultThreadCount }

    /// The default of every `--threads`: `NMT_THREADS` when it is a positive integer (so a
    /// whole test suite or script can be run at another thread count, e.g. `make test-kernels`),
    /// otherwise the number of online CPUs.
    public static var defaultThreadCount: Int {
        if let value = getenv("NMT_THREADS").flatMap({ Int(String(cString: $0)) }), value >= 1 { return value }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Marks Dispatch worker threads while they run a chunk, so work inside a chunk stays on
    /// its thread (no nested splitting).
    @usableFromInline static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    @usableFromInline static let workerMark = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

    /// True on a thread that is running a chunk of a parallel loop.
    @inlinable
    public static var isWorkerThread: Bool { pthread_getspecific(workerKey) != nil }

    /// Splits `0..<count` into at most `threadCap` contiguous chunks of at least `minChunk`
    /// items each and runs `body` on every chunk, concurrently when there is more than one.
    /// `body` must only write to memory owned by its chunk. The chunk boundaries depend only
    /// on `count`, `minChunk` and the cap, so results are the same run to run.
    @inlinable
    public static func forEachChunk(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        forEachWorker(count, minChunk: minChunk) { _, range in body(range) }
    }

    /// Runs `body(worker, range)`; `worker` is in `0..<workerCount(count, minChunk)` so a
    /// caller can give each worker its own scratch (e.g. partial sums reduced afterwards).
    @inlinable
    public static func forEachWorker(_ count: Int, minChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let workers = isWorkerThread ? 1 : workerCount(count, minChunk: minChunk)
        if workers <= 1 {
            body(0, 0..<count)
            return
        }
        let per = (count + workers - 1) / workers
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = w * per
                let hi = min(count, lo + per)
                guard lo < hi else { return }
                let previous = pthread_getspecific(workerKey)
                pthread_setspecific(workerKey, workerMark)
                body(w, lo..<hi)
                pthread_setspecific(workerKey, previous)
            }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<iterations`, the iterations spread over at most
    /// `threadCap` workers in contiguous runs. For coarse tasks (a book, a chunk of lines, a
    /// counter); each must only write to memory owned by its index.
    @inlinable
    public static func forEachIteration(_ iterations: Int, _ body: (Int) -> Void) {
        forEachChunk(iterations) { range in for i in range { body(i) } }
    }

    @inlinable
    public static func workerCount(_ count: Int, minChunk: Int = 1) -> Int {
        min(threadCap, max(1, count / max(1, minChunk)))
    }
}
