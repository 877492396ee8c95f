import Application
import Decoding
import Foundation
import Testing
@testable import Serving

/// Dynamic batching: concurrent requests share searches (per beam), each gets its own lines
/// back in order, the queue bound refuses overflow, and a stopped batcher finishes its work.
@Suite struct BatchingTranslatorTests {
    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var batches: [(lines: [String], beam: Int)] = []
        func add(_ lines: [String], _ beam: Int) { lock.lock(); batches.append((lines, beam)); lock.unlock() }
    }

    /// With a `gate`, each search waits for the gate after logging its batch, so a test can act
    /// while a batch is known to be in flight (no sleeps: a loaded machine cannot reorder events).
    func batcher(_ log: Log, wait: Double = 0.2, queue: Int = 100, batch: Int = 50, gate: DispatchSemaphore? = nil) -> BatchingTranslator {
        BatchingTranslator(limits: .init(maxQueuedSentences: queue, maxWait: wait, maxBatchSentences: batch)) { lines, beam, _, _ in
            log.add(lines, beam)
            // Bounded: a regression fails the test, never hangs it. 10 minutes, not less: until the
            // test signals, the queue bound depends on this batch being in flight, and on a loaded
            // machine the test's task may wait long for a thread.
            _ = gate?.wait(timeout: .now() + 600)
            return TranslationAPITests.fake(lines, beam: beam)
        }
    }

    /// The batching window closes on a full batch (3 sentences), never on the clock (its 10
    /// minutes are a hang guard): however late a loaded machine runs the requests, the three
    /// beam-4 sentences wait for each other, and the beam-1 request, full at once, goes alone.
    @Test func concurrentRequestsShareASearchPerBeam() async throws {
        let log = Log()
        let b = batcher(log, wait: 600, batch: 3)
        async let one = b.translate(["a", "b"], beam: 4)
        async let two = b.translate(["c"], beam: 4)
        async let three = b.translate(["d", "e", "f"], beam: 1)
        let (r1, r2, r3) = try await (one, two, three)
        #expect(r1.map { $0.hypotheses[0].text } == ["A b4", "B b4"] && r2.map { $0.hypotheses[0].text } == ["C b4"])
        #expect(r3.map { $0.hypotheses[0].text } == ["D", "E", "F"])
        #expect(log.batches.count == 2, "\(log.batches)")
        #expect(log.batches.first { $0.beam == 4 }.map { Set($0.lines) } == ["a", "b", "c"])
        #expect(b.batches == 2 && b.sentences == 6)
        b.stop()
    }

    @Test func theQueueBoundRefusesOverflowAndStopFinishesFirst() async throws {
        let log = Log()
        let gate = DispatchSemaphore(value: 0)
        let b = batcher(log, wait: 0, queue: 3, gate: gate)
        async let first = b.translate(["a", "b", "c"], beam: 1)
        // The first request is being translated (in flight, still counted against the bound).
        while log.lock.withLock({ log.batches.isEmpty }) { try await Task.sleep(nanoseconds: 1_000_000) }
        await #expect(throws: ServingError.self) { try await b.translate(["d"], beam: 1) }
        gate.signal()
        let done = try await first
        #expect(done.count == 3, "the queued request is still answered")
        b.stop()
        await #expect(throws: ServingError.self) { try await b.translate(["e"], beam: 1) }
        #expect(try await b.translate([], beam: 1).isEmpty)
    }
}

/// No request holds the worker: long requests are translated in parts, taking turns; a
/// request past its deadline is dropped from the queue, or its search stopped.
@Suite struct BatchingTranslatorFairnessTests {
    /// Work per search is bounded (here 2 sentences of 1 character at beam 1), so a 6-sentence
    /// request goes in parts, and a request arriving during its first part goes in the next
    /// search (sharing it with the long one's next sentence), before the long one's last.
    @Test func aLongRequestTakesTurnsWithAShortOne() async throws {
        let log = BatchingTranslatorTests.Log()
        let gate = DispatchSemaphore(value: 0)
        let b = BatchingTranslator(limits: .init(maxWait: 0, maxBatchWork: 4)) { lines, beam, _, _ in
            log.add(lines, beam)
            if lines == ["a", "b"] { _ = gate.wait(timeout: .now() + 600) }   // the first part waits for the short request
            return TranslationAPITests.fake(lines, beam: beam)
        }
        async let long = b.translate(["a", "b", "c", "d", "e", "f"], beam: 1)
        while log.lock.withLock({ log.batches.isEmpty }) { try await Task.sleep(nanoseconds: 1_000_000) }
        async let short = b.translate(["z"], beam: 1)
        while b.queuedForTesting < 7 { try await Task.sleep(nanoseconds: 1_000_000) }
        gate.signal()
        let (l, s) = try await (long, short)
        #expect(l.map { $0.hypotheses[0].text } == ["A", "B", "C", "D", "E", "F"] && s.map { $0.hypotheses[0].text } == ["Z"])
        let order = log.lock.withLock { log.batches.map(\.lines) }
        #expect(order == [["a", "b"], ["z", "c"], ["d", "e"], ["f"]], "\(order)")
        b.stop()
    }

    /// A search whose requests are all past their deadline is stopped (`shouldStop` turns true
    /// and the search throws), the request gets `.timedOut`, and the worker goes on.
    @Test func aRequestPastItsDeadlineIsStopped() async throws {
        let b = BatchingTranslator(limits: .init(maxWait: 0)) { lines, beam, _, shouldStop in
            if lines == ["slow"] {
                while !shouldStop() { usleep(1000) }   // a search that only ends when stopped
                throw BeamSearch.Stopped()
            }
            return TranslationAPITests.fake(lines, beam: beam)
        }
        await #expect(throws: ServingError.self) { try await b.translate(["slow"], beam: 1, deadline: Date().addingTimeInterval(0.2)) }
        // Already late: answered without a search.
        await #expect(throws: ServingError.self) { try await b.translate(["x"], beam: 1, deadline: Date().addingTimeInterval(-1)) }
        #expect(try await b.translate(["next"], beam: 1).map { $0.hypotheses[0].text } == ["NEXT"])
        #expect(b.queuedForTesting == 0)
        b.stop()
    }

    /// A translator dropped without `stop` ends its worker (it used to crash reading a freed
    /// `unowned self` when a server failed to start).
    @Test func aDroppedTranslatorEndsItsWorker() async throws {
        weak var dropped: BatchingTranslator?
        do {
            let b = BatchingTranslator(limits: .init()) { lines, beam, _, _ in TranslationAPITests.fake(lines, beam: beam) }
            dropped = b
        }
        #expect(dropped == nil)
        try await Task.sleep(nanoseconds: 50_000_000)
    }
}
