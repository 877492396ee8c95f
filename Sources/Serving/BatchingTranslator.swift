import Application
import Decoding
import Foundation

/// Dynamic batching for a server: requests that arrive within `maxWait` of each other share
/// one beam search (per beam size and n-best count), on one worker thread that owns the
/// translators. The queue is bounded in sentences; a request that would overflow it is refused
/// at once (`ServingError.busy`), so memory never grows with the offered load.
///
/// No request can hold the worker: a search takes at most `maxBatchWork` of work (characters ×
/// beam) and requests take turns, so a long request is translated in parts between other
/// requests' searches, and a short one waits for at most one part. A request whose deadline
/// passes is dropped from the queue, or its search stopped at the next decoder step
/// (`ServingError.timedOut`).
public final class BatchingTranslator: @unchecked Sendable {
    public struct Limits: Sendable {
        /// Sentences waiting or being translated, at most.
        public var maxQueuedSentences = 1024
        /// How long the first request of a batch waits for others to join it.
        public var maxWait = 0.005
        /// Sentences per shared search, at most.
        public var maxBatchSentences = 256
        /// Work per shared search, at most: Σ (characters + 1) × beam over its sentences (a
        /// longer single sentence still goes, alone).
        public var maxBatchWork = 200_000

        public init(maxQueuedSentences: Int = 1024, maxWait: Double = 0.005, maxBatchSentences: Int = 256, maxBatchWork: Int = 200_000) {
            self.maxQueuedSentences = maxQueuedSentences
            self.maxWait = maxWait
            self.maxBatchSentences = maxBatchSentences
            self.maxBatchWork = maxBatchWork
        }
    }

    /// Translates a batch with a beam size, keeping the `nbest` best hypotheses of each
    /// sentence; run on the worker thread only. `shouldStop` says the search may end early
    /// (by throwing): every request in it is past its deadline.
    public typealias Translate = (_ lines: [String], _ beam: Int, _ nbest: Int, _ shouldStop: @escaping () -> Bool) throws -> [ScoredTranslation]

    public var limits: Limits { queue.limits }
    /// Searches run and sentences translated, for the server's statistics and tests.
    public var batches: Int { queue.counts.batches }
    public var sentences: Int { queue.counts.sentences }
    /// Sentences queued or in translation (for tests).
    var queuedForTesting: Int { queue.counts.queued }

    /// The state the worker thread shares; the thread holds it, not the translator, so a
    /// translator dropped early (a server that failed to start) ends its thread cleanly.
    private let queue: WorkQueue

    public init(limits: Limits, translate: @escaping Translate) {
        let queue = WorkQueue(limits: limits, runBatch: translate)
        self.queue = queue
        let thread = Thread { queue.work() }
        thread.name = "nmt-translate"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit { queue.stop() }

    /// A batching translator over `translator`'s model and settings, one Translator per beam
    /// size and n-best count asked for (created on first use).
    public convenience init(_ translator: Translator, limits: Limits) {
        struct Key: Hashable { var beam: Int; var nbest: Int }
        let settings = translator.search.settings
        var translators: [Key: Translator] = [Key(beam: settings.beam, nbest: settings.nbest): translator]
        self.init(limits: limits) { lines, beam, nbest, shouldStop in
            let key = Key(beam: beam, nbest: nbest)
            if translators[key] == nil {
                var s = settings
                s.beam = beam
                s.nbest = nbest
                translators[key] = try Translator(model: translator.model, vocabulary: translator.vocabulary, settings: s,
                                                  maxTokens: translator.maxTokens, shortlist: translator.shortlist, int8: translator.int8)
            }
            return try translators[key]!.translateScored(lines, shouldStop: shouldStop)
        }
    }

    /// The translations of `lines` (in order, each with its `nbest` best hypotheses), sharing
    /// searches with whatever else arrives asking for the same one; `.timedOut` once `deadline` passes.
    public func translate(_ lines: [String], beam: Int, nbest: Int = 1, deadline: Date = .distantFuture) async throws -> [ScoredTranslation] {
        if lines.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            queue.submit(lines: lines, beam: beam, nbest: nbest, deadline: deadline) { continuation.resume(with: $0) }
        }
    }

    /// `translate`, waiting on the calling thread (a server connection's own thread).
    public func translateWaiting(_ lines: [String], beam: Int, nbest: Int = 1, deadline: Date = .distantFuture) throws -> [ScoredTranslation] {
        if lines.isEmpty { return [] }
        let outcome = Outcome()
        queue.submit(lines: lines, beam: beam, nbest: nbest, deadline: deadline) { outcome.finish($0) }
        return try outcome.wait().get()
    }

    /// Finishes what is queued, then ends the worker; later requests get `.stopping`.
    public func stop() { queue.stop() }
}

/// A result handed from the worker to a waiting thread.
private final class Outcome: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<[ScoredTranslation], Error>?

    func finish(_ result: Result<[ScoredTranslation], Error>) {
        condition.lock(); self.result = result; condition.broadcast(); condition.unlock()
    }

    func wait() -> Result<[ScoredTranslation], Error> {
        condition.lock(); defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }
}

/// The queue of requests and the worker's loop (see `BatchingTranslator`).
private final class WorkQueue: @unchecked Sendable {
    final class Job {
        let lines: [String]
        let costs: [Int]
        let beam: Int
        let nbest: Int
        let deadline: Date
        let done: (Result<[ScoredTranslation], Error>) -> Void
        /// Sentences translated so far, and their translations.
        var next = 0
        var results: [ScoredTranslation] = []

        init(lines: [String], beam: Int, nbest: Int, deadline: Date, done: @escaping (Result<[ScoredTranslation], Error>) -> Void) {
            self.lines = lines
            self.costs = lines.map { ($0.count + 1) * beam }
            self.beam = beam
            self.nbest = nbest
            self.deadline = deadline
            self.done = done
        }

        /// Jobs share a search when they ask for the same one.
        func sharesSearch(with other: Job) -> Bool { beam == other.beam && nbest == other.nbest }
        var remaining: Int { lines.count - next }
    }

    /// One search: a range of sentences from each of its jobs.
    struct Part { var job: Job; var range: Range<Int> }

    let limits: BatchingTranslator.Limits
    let runBatch: BatchingTranslator.Translate
    private let condition = NSCondition()
    /// Jobs waiting for their (next) turn, in turn order.
    private var jobs: [Job] = []
    private var queued = 0
    private var stopping = false
    private var batches = 0
    private var sentences = 0

    init(limits: BatchingTranslator.Limits, runBatch: @escaping BatchingTranslator.Translate) {
        self.limits = limits
        self.runBatch = runBatch
    }

    var counts: (batches: Int, sentences: Int, queued: Int) {
        condition.lock(); defer { condition.unlock() }
        return (batches, sentences, queued)
    }

    func submit(lines: [String], beam: Int, nbest: Int, deadline: Date, done: @escaping (Result<[ScoredTranslation], Error>) -> Void) {
        condition.lock()
        defer { condition.unlock() }
        if stopping { done(.failure(ServingError.stopping)); return }
        if queued + lines.count > limits.maxQueuedSentences {
            done(.failure(ServingError.busy(queued: queued, limit: limits.maxQueuedSentences)))
            return
        }
        queued += lines.count
        jobs.append(Job(lines: lines, beam: beam, nbest: nbest, deadline: deadline, done: done))
        condition.signal()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    func work() {
        while let parts = nextBatch() {
            let lines = parts.flatMap { Array($0.job.lines[$0.range]) }
            let latest = parts.map(\.job.deadline).max()!
            let result = Result { try runBatch(lines, parts[0].job.beam, parts[0].job.nbest) { Date() > latest } }
            var finished: [(Job, Result<[ScoredTranslation], Error>)] = []
            condition.lock()
            batches += 1
            sentences += lines.count
            var offset = 0
            for part in parts {
                let job = part.job, count = part.range.count
                defer { offset += count }
                switch result {
                case .success(let translations):
                    job.results += translations[offset..<(offset + count)]
                    job.next = part.range.upperBound
                    if job.remaining == 0 {
                        finished.append((job, .success(job.results)))
                    } else if Date() > job.deadline {
                        finished.append((job, .failure(ServingError.timedOut)))
                    } else {
                        jobs.append(job)   // its next part after the others' turns
                    }
                case .failure(let error):
                    finished.append((job, .failure(error is BeamSearch.Stopped ? ServingError.timedOut : error)))
                }
            }
            for (job, _) in finished { queued -= job.lines.count }
            condition.unlock()
            for (job, outcome) in finished { job.done(outcome) }
        }
    }

    /// Waits for a job, then up to `maxWait` for more asking for the same search (when the first
    /// is new); takes each such job's next sentences within the batch's bounds. Nil once stopped and empty.
    private func nextBatch() -> [Part]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty { return nil }
            let first = jobs[0]
            if first.next == 0 {
                let deadline = Date().addingTimeInterval(limits.maxWait)
                func sameSearchSentences() -> Int { jobs.filter { $0.sharesSearch(with: first) }.reduce(0) { $0 + $1.remaining } }
                while !stopping && sameSearchSentences() < limits.maxBatchSentences && condition.wait(until: deadline) {}
            }
            // Requests whose deadline passed while they waited are answered, not translated.
            let now = Date()
            let expired = jobs.filter { now > $0.deadline }
            if !expired.isEmpty {
                jobs.removeAll { now > $0.deadline }
                for job in expired { queued -= job.lines.count }
                condition.unlock()
                for job in expired { job.done(.failure(ServingError.timedOut)) }
                condition.lock()
            }
            if jobs.isEmpty { continue }
            let head = jobs[0]
            var parts: [Part] = [], count = 0, work = 0, rest: [Job] = []
            for job in jobs {
                guard job.sharesSearch(with: head), count < limits.maxBatchSentences, parts.isEmpty || work < limits.maxBatchWork else {
                    rest.append(job)
                    continue
                }
                var end = job.next
                while end < job.lines.count && count < limits.maxBatchSentences
                        && (count == 0 || work + job.costs[end] <= limits.maxBatchWork) {
                    work += job.costs[end]
                    count += 1
                    end += 1
                }
                if end > job.next { parts.append(Part(job: job, range: job.next..<end)) } else { rest.append(job) }
            }
            jobs = rest
            return parts
        }
    }
}

public enum ServingError: Error, CustomStringConvertible {
    case busy(queued: Int, limit: Int)
    case stopping
    case timedOut

    public var description: String {
        switch self {
        case .busy(let queued, let limit): return "server busy: \(queued) sentences queued (limit \(limit)); retry later"
        case .stopping: return "server is shutting down"
        case .timedOut: return "translation did not finish before the request's deadline; it was stopped"
        }
    }
}
