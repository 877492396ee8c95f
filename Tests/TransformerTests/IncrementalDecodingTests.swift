import Testing
@testable import Transformer
import Tensor

@Suite struct IncrementalDecodingTests {
    /// Teacher-forced step-by-step decoding gives the full forward pass's logits.
    @Test(arguments: [false, true])
    func stepByStepLogitsEqualFullForward(preNorm: Bool) throws {
        let model = try TransformerModel(config: tinyConfig(normalizeBefore: preNorm, dropout: 0.1), seed: 11)
        let batch = try smallBatch()
        let full = try model.logits(batch)
        let v = model.config.vocabularySize, b = batch.size, t = batch.targetLength
        let state = try model.startDecoding(source: batch.source, batchSize: b, sourceLength: batch.sourceLength, maxLength: t)
        var worst: Float = 0
        for step in 0..<t {
            let tokens = (0..<b).map { batch.targetInput[$0 * t + step] }
            let logits = try model.decodeStep(state, tokens: tokens)
            for r in 0..<b where batch.targetInput[r * t + step] != TransformerConfig.padId {
                for j in 0..<v { worst = max(worst, abs(logits[r * v + j] - full[(r * t + step) * v + j])) }
            }
        }
        print("incremental vs full (preNorm \(preNorm)): max abs diff \(worst)")
        #expect(worst < 1e-4)
    }

    /// After reorder(indices) the state behaves like a fresh state built from the reordered rows.
    @Test func reorderSelectsAndDuplicatesRows() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 3)
        let batch = try smallBatch()
        let s = batch.sourceLength, v = model.config.vocabularySize
        let state = try model.startDecoding(source: batch.source, batchSize: 3, sourceLength: s, maxLength: 6)
        let prefix: [[Int32]] = [[1, 4, 9], [1, 7, 7], [1, 12, 5]]
        for step in 0..<3 { _ = try model.decodeStep(state, tokens: prefix.map { $0[step] }) }
        let order = [2, 0, 0, 1]
        try state.reorder(order)
        #expect(state.batchSize == 4)
        let next = try model.decodeStep(state, tokens: [3, 8, 10, 6])

        var source: [Int32] = []
        for r in order { source += batch.source[(r * s)..<((r + 1) * s)] }
        let fresh = try model.startDecoding(source: source, batchSize: 4, sourceLength: s, maxLength: 6)
        for step in 0..<3 { _ = try model.decodeStep(fresh, tokens: order.map { prefix[$0][step] }) }
        let expected = try model.decodeStep(fresh, tokens: [3, 8, 10, 6])
        var worst: Float = 0
        for i in 0..<(4 * v) { worst = max(worst, abs(next[i] - expected[i])) }
        #expect(worst < 1e-5)
        #expect(throws: TransformerError.self) { try state.reorder([4]) }
        #expect(throws: TransformerError.self) { _ = try model.decodeStep(state, tokens: [1]) }
        #expect(throws: TransformerError.self) { _ = try model.decodeStep(state, tokens: [1, 1, 1, 99]) }
    }

    /// Many reorders (drop, fork, duplicate, expand past the initial rows) at different steps,
    /// as beam search does them: every row's logits equal a fresh decode of that row's own
    /// source and token history. Exercises slot reuse, prefix copies on forks and slot growth.
    @Test func repeatedReordersMatchFreshReplay() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 5)
        let batch = try smallBatch()
        let s = batch.sourceLength, v = Int32(model.config.vocabularySize)
        let state = try model.startDecoding(source: batch.source, batchSize: 3, sourceLength: s, maxLength: 8)
        var history: [(source: Int, tokens: [Int32])] = (0..<3).map { ($0, []) }
        let plan: [[Int]] = [[0, 0, 0, 1, 1, 2, 2, 2, 2], [8, 0, 3, 3, 3, 1, 5], [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2], [10, 0], [1, 1, 0]]
        var rng = SplitMix64(seed: 9)
        for step in 0..<6 {
            let tokens = history.map { _ in Int32(3 + rng.next() % UInt64(v - 3)) }
            let logits = try model.decodeStep(state, tokens: tokens)
            for (r, h) in history.enumerated() { history[r].tokens = h.tokens + [tokens[r]] }
            // Replay each row alone from scratch.
            var worst: Float = 0
            for (r, h) in history.enumerated() {
                let fresh = try model.startDecoding(source: Array(batch.source[(h.source * s)..<((h.source + 1) * s)]), batchSize: 1,
                                                    sourceLength: s, maxLength: 8)
                var expected: [Float] = []
                for tok in h.tokens { expected = try model.decodeStep(fresh, tokens: [tok]) }
                for j in 0..<Int(v) { worst = max(worst, abs(logits[r * Int(v) + j] - expected[j])) }
            }
            #expect(worst < 1e-5, "step \(step): max abs diff \(worst)")
            if step < plan.count {
                try state.reorder(plan[step])
                history = plan[step].map { history[$0] }
                #expect(state.batchSize == plan[step].count)
            }
        }
    }
}

