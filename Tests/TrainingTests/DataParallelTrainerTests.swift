import Collective
import Foundation
import Optim
import Testing
import Tensor
@testable import Training

/// The ranks of a data-parallel job as threads of this process, meeting in one exchange per
/// collective call: the trainer's distributed logic (which batches each rank takes, the sums,
/// the agreed stop, the split validation, the replica check) tested without MPI.
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[UInt8]]
    private var arrived = 0
    private var generation = 0
    private var result: [UInt8] = []

    init(size: Int) {
        self.size = size
        slots = Array(repeating: [], count: size)
    }

    /// Every rank hands in its bytes; all get `combine` of all of them (in rank order). A rank
    /// reads the result before it can take part in the next exchange, so rounds never mix.
    func exchange(rank: Int, _ bytes: [UInt8], combine: ([[UInt8]]) -> [UInt8]) -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        let round = generation
        slots[rank] = bytes
        arrived += 1
        if arrived == size {
            result = combine(slots)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == round { condition.wait() }
        }
        return result
    }

    func rank(_ r: Int) -> ThreadRank { ThreadRank(group: self, rank: r) }

    /// Runs `body(rank)` on one thread per rank and returns what each gave, in rank order.
    func run<T>(_ body: @escaping @Sendable (ThreadRank) throws -> T) -> [Result<T, Error>] {
        let results = ResultBox<T>(count: size)
        let done = DispatchGroup()
        for r in 0..<size {
            done.enter()
            let thread = Thread {
                let outcome = Result { try body(self.rank(r)) }
                results.set(r, outcome)
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return results.values.map { $0! }
    }
}

final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Result<T, Error>?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: Result<T, Error>) { lock.lock(); values[i] = v; lock.unlock() }
}

final class ThreadRank: Collective {
    let group: ThreadGroup
    let rank: Int
    init(group: ThreadGroup, rank: Int) { self.group = group; self.rank = rank }
    var size: Int { group.size }
    var description: String { "\(size) threads" }

    private func sum<T: AdditiveArithmetic>(_ buffer: UnsafeMutableBufferPointer<T>) {
        let mine = Array(UnsafeRawBufferPointer(buffer))
        let total = group.exchange(rank: rank, mine) { parts in
            var acc = [T](repeating: .zero, count: buffer.count)
            for part in parts {
                part.withUnsafeBytes { raw in
                    let values = raw.bindMemory(to: T.self)
                    for i in acc.indices { acc[i] += values[i] }
                }
            }
            return acc.withUnsafeBytes { Array($0) }
        }
        _ = total.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
    }

    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) { sum(buffer) }
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) { sum(buffer) }
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        let bytes = group.exchange(rank: rank, Array(UnsafeRawBufferPointer(buffer))) { $0[root] }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
    }
    func barrier() { _ = group.exchange(rank: rank, []) { _ in [] } }
    func abort(code: Int32) -> Never { fatalError("rank \(rank) aborted with \(code)") }
    func finish() {}
}

struct DataParallelTrainerTests {
    let train = TrainerTests.corpus(200, seed: 1)
    let valid = TrainerTests.corpus(40, seed: 2)

    /// A trainer of `ranks` ranks with `updateFreq` batches each; only rank 0 records.
    func trainer(_ model: ToyModel, recorder: MemoryRecorder?, ranks: Int, updateFreq: Int, maxUpdate: Int,
                 collective: Collective = SingleProcess()) throws -> Trainer {
        var settings = TrainerTests.settings(maxUpdate: maxUpdate)
        settings.updateFreq = updateFreq
        settings.ranks = ranks > 1 ? ranks : nil
        return try Trainer(model: model, optimizer: OptimizerConfig(kind: .adam).makeOptimizer(parameterCount: model.parameterCount),
                           schedule: Schedule(kind: .constant, lr: 0.05), settings: settings, train: train, valid: valid,
                           recorder: recorder, collective: collective)
    }

    /// What one process with update-freq `batches` records and ends with.
    func reference(batches: Int, maxUpdate: Int) throws -> (weights: [Float], recorder: MemoryRecorder) {
        let model = ToyModel(vocab: 50), recorder = MemoryRecorder()
        _ = try trainer(model, recorder: recorder, ranks: 1, updateFreq: batches, maxUpdate: maxUpdate).run()
        return (Array(model.parameters), recorder)
    }

    /// N ranks × F batches take the updates of one process with N×F batches: the same metric
    /// rows, validations and checkpoints, every rank with the same parameters, and those equal
    /// to the one process's up to summation order (measured: losses within 5e-8 relative,
    /// as the weights carry Float32 rounding; bounds 1e-6 and 1e-5 absolute on the weights).
    @Test(arguments: [(2, 1), (2, 2), (3, 1), (4, 1)])
    func ranksTakeTheUpdatesOfOneProcess(ranks: Int, updateFreq: Int) throws {
        let expected = try reference(batches: ranks * updateFreq, maxUpdate: 30)
        let recorder = MemoryRecorder()
        let outcomes = ThreadGroup(size: ranks).run { rank -> [Float] in
            let model = ToyModel(vocab: 50)
            let t = try self.trainer(model, recorder: rank.isRoot ? recorder : nil, ranks: ranks, updateFreq: updateFreq,
                                     maxUpdate: 30, collective: rank)
            #expect(try t.run() == .maxUpdate)
            #expect(t.communication.updates == 30)
            return Array(model.parameters)
        }
        let weights = try outcomes.map { try $0.get() }
        for w in weights.dropFirst() { #expect(w == weights[0], "every rank holds the same parameters") }
        let largest = zip(weights[0], expected.weights).map { abs($0 - $1) }.max()!
        #expect(largest <= 1e-5, "max |Δθ| \(largest)")
        #expect(recorder.metrics.map(\.update) == expected.recorder.metrics.map(\.update))
        for (m, n) in zip(recorder.metrics, expected.recorder.metrics) {
            #expect(abs(m.loss - n.loss) <= 1e-6 * abs(n.loss) && m.epoch == n.epoch && m.lr == n.lr, "\(m.update): \(m.loss) vs \(n.loss)")
        }
        #expect(recorder.validations.map(\.update) == expected.recorder.validations.map(\.update))
        for (v, w) in zip(recorder.validations, expected.recorder.validations) { #expect(abs(v.loss - w.loss) <= 1e-6 * w.loss) }
        #expect(recorder.checkpoints.map(\.update) == expected.recorder.checkpoints.map(\.update))
    }

    /// A rank whose parameters drift from rank 0's stops the whole job at the next validation,
    /// with an error on every rank naming the update.
    @Test func aRankThatDriftsStopsTheJob() throws {
        let outcomes = ThreadGroup(size: 2).run { rank -> Trainer.StopReason in
            let model = ToyModel(vocab: 50)
            if rank.rank == 1 { model.parameters[3] += 1e-6 }
            return try self.trainer(model, recorder: nil, ranks: 2, updateFreq: 1, maxUpdate: 30, collective: rank).run()
        }
        for outcome in outcomes {
            guard case .failure(let error) = outcome else { Issue.record("a drifted job trained on"); continue }
            #expect("\(error)".contains("1 of 2 ranks hold parameters or optimizer moments that differ from rank 0's"), "\(error)")
            #expect("\(error)".contains("after update 7"), "\(error)")
        }
    }

    /// Settings for another number of ranks than the job has are refused, and a resumed run
    /// keeps its batches per update on any number of ranks that divides them.
    @Test func rankCountsMustMatchAndShareEvenly() throws {
        #expect(throws: TrainingError.self) {
            _ = try trainer(ToyModel(vocab: 50), recorder: nil, ranks: 2, updateFreq: 1, maxUpdate: 5)
        }
        var stored = TrainerSettings()
        stored.updateFreq = 2
        stored.ranks = 2
        #expect(stored.onRanks(1)?.updateFreq == 4 && stored.onRanks(1)?.ranks == nil)
        #expect(stored.onRanks(4)?.updateFreq == 1 && stored.onRanks(4)?.ranks == 4)
        #expect(stored.onRanks(3) == nil)
    }
}
