import Application
import Decoding
import Foundation

/// Dynamic batching for a server: requests that arrive within `maxWait` of each other share
/// one beam search (per beam size and n-best count), on one worker thread that owns the translators. The queue
/// is bounded in sentences; a request that would overflow it is refused at once
/// (`ServingError.busy`), so memory never grows with the offered load.
public final class BatchingTranslator: @unchecked Sendable {
    public struct Limits: Sendable {
        /// Sentences waiting or being translated, at most.
        public var maxQueuedSentences = 1024
        /// How long the first request of a batch waits for others to join it.
        public var maxWait = 0.005
        /// Sentences per shared search, at most (a request is never split).
        public var maxBatchSentences = 256

        public init(maxQueuedSentences: Int = 1024, maxWait: Double = 0.005, maxBatchSentences: Int = 256) {
            self.maxQueuedSentences = maxQueuedSentences
            self.maxWait = maxWait
            self.maxBatchSentences = maxBatchSentences
        }
    }

    /// Translates a batch with a beam size, keeping the `nbest` best hypotheses of each
    /// sentence; run on the worker thread only.
    public typealias Translate = (_ lines: [String], _ beam: Int, _ nbest: Int) throws -> [ScoredTranslation]

    private struct Job {
        var lines: [String]
        var beam: Int
        var nbest: Int
        var done: (Result<[ScoredTranslation], Error>) -> Void

        /// Jobs share a search when they ask for the same one.
        func sharesSearch(with other: Job) -> Bool { beam == other.beam && nbest == other.nbest }
    }

    public let limits: Limits
    private let runBatch: Translate
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var queued = 0
    private var stopping = false
    private var worker: Thread?
    /// Searches run and sentences translated, for the server's statistics and tests.
    public private(set) var batches = 0
    public private(set) var sentences = 0

    public init(limits: Limits, translate: @escaping Translate) {
        self.limits = limits
        self.runBatch = translate
        let thread = Thread { [unowned self] in self.work() }
        thread.name = "nmt-translate"
        thread.stackSize = 8 << 20
        worker = thread
        thread.start()
    }

    /// A batching translator over `translator`'s model and settings, one Translator per beam
    /// size and n-best count asked for (created on first use).
    public convenience init(_ translator: Translator, limits: Limits) {
        struct Key: Hashable { var beam: Int; var nbest: Int }
        let settings = translator.search.settings
        var translators: [Key: Translator] = [Key(beam: settings.beam, nbest: settings.nbest): translator]
        self.init(limits: limits) { lines, beam, nbest in
            let key = Key(beam: beam, nbest: nbest)
            if translators[key] == nil {
                var s = settings
                s.beam = beam
                s.nbest = nbest
                translators[key] = try Translator(model: translator.model, vocabulary: translator.vocabulary, settings: s,
                                                  maxTokens: translator.maxTokens, shortlist: translator.shortlist, int8: translator.int8)
            }
            return try translators[key]!.translateScored(lines)
        }
    }

    /// The translations of `lines` (in order, each with its `nbest` best hypotheses), sharing a
    /// search with whatever else arrives asking for the same one.
    public func translate(_ lines: [String], beam: Int, nbest: Int = 1) async throws -> [ScoredTranslation] {
        if lines.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            defer { condition.unlock() }
            if stopping { continuation.resume(throwing: ServingError.stopping); return }
            if queued + lines.count > limits.maxQueuedSentences {
                continuation.resume(throwing: ServingError.busy(queued: queued, limit: limits.maxQueuedSentences))
                return
            }
            queued += lines.count
            jobs.append(Job(lines: lines, beam: beam, nbest: nbest, done: { continuation.resume(with: $0) }))
            condition.signal()
        }
    }

    /// Finishes what is queued, then ends the worker; later requests get `.stopping`.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while let batch = nextBatch() {
            let lines = batch.flatMap(\.lines)
            let result = Result { try runBatch(lines, batch[0].beam, batch[0].nbest) }
            condition.lock()
            queued -= lines.count
            batches += 1
            sentences += lines.count
            condition.unlock()
            var offset = 0
            for job in batch {
                let range = offset..<(offset + job.lines.count)
                offset = range.upperBound
                job.done(result.map { Array($0[range]) })
            }
        }
    }

    /// Waits for a job, then up to `maxWait` for more asking for the same search; nil once stopped and empty.
    private func nextBatch() -> [Job]? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !stopping { condition.wait() }
        if jobs.isEmpty { return nil }
        let deadline = Date().addingTimeInterval(limits.maxWait)
        func sameBeamSentences() -> Int { jobs.filter { $0.sharesSearch(with: jobs[0]) }.reduce(0) { $0 + $1.lines.count } }
        while !stopping && sameBeamSentences() < limits.maxBatchSentences && condition.wait(until: deadline) {}
        var batch: [Job] = [], count = 0, rest: [Job] = []
        for job in jobs {
            if job.sharesSearch(with: jobs[0]) && (batch.isEmpty || count + job.lines.count <= limits.maxBatchSentences) {
                batch.append(job)
                count += job.lines.count
            } else {
                rest.append(job)
            }
        }
        jobs = rest
        return batch
    }
}

public enum ServingError: Error, CustomStringConvertible {
    case busy(queued: Int, limit: Int)
    case stopping

    public var description: String {
        switch self {
        case .busy(let queued, let limit): return "server busy: \(queued) sentences queued (limit \(limit)); retry later"
        case .stopping: return "server is shutting down"
        }
    }
}
