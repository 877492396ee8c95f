import Application
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
        BatchingTranslator(limits: .init(maxQueuedSentences: queue, maxWait: wait, maxBatchSentences: batch)) { lines, beam, _ in
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
