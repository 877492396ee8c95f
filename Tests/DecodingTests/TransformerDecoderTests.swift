import Testing
import Transformer
@testable import Decoding

/// Search over a real (tiny, random) Transformer through its incremental decoder.
struct TransformerDecoderTests {
    static func model() throws -> TransformerModel {
        var config = TransformerConfig.tiny(vocabularySize: 40)
        config.modelDimension = 32
        config.heads = 4
        config.ffnDimension = 64
        config.maxPositions = 64
        return try TransformerModel(config: config, seed: 11)
    }

    static let sources: [[Int32]] = [[5, 9, 12], [7], [30, 31, 32, 33, 34, 35, 36], [4, 4, 4, 4], [20, 21]]

    /// Greedy through the cached incremental decoder equals greedy by full forward passes.
    @Test func greedyMatchesFullForwardPasses() throws {
        let m = try Self.model()
        let settings = BeamSearch.Settings(beam: 1, lenpen: 1, maxLenA: 1, maxLenB: 6)
        let result = try BeamSearch(settings: settings).search(TransformerDecoder(model: m), sources: Self.sources)
        for (i, source) in Self.sources.enumerated() {
            var prefix: [Int32] = []
            let maxLength = settings.maxLength(sourceLength: source.count)
            while true {
                // Teacher-forced forward over <s> + prefix; the last row's logits predict the next token.
                let batch = try Batch(pairs: [(source: source + [TransformerConfig.eosId], target: prefix)])
                let logits = try m.logits(batch)
                let v = m.config.vocabularySize
                let row = Array(logits[(prefix.count * v)..<((prefix.count + 1) * v)])
                if prefix.count >= maxLength { break }
                let best = (2..<v).max { row[$0] < row[$1] }!
                if best == Int(TransformerConfig.eosId) { break }
                prefix.append(Int32(best))
            }
            #expect(result[i][0].tokens == prefix, "sentence \(i)")
        }
    }

    /// Padding from longer neighbours must not change a sentence's beam-search result.
    @Test func beamResultsDoNotDependOnBatchComposition() throws {
        let m = try Self.model()
        let search = BeamSearch(settings: .init(beam: 4, lenpen: 1, maxLenA: 1, maxLenB: 5, nbest: 2))
        let together = try search.search(TransformerDecoder(model: m), sources: Self.sources)
        for (i, s) in Self.sources.enumerated() {
            let alone = try search.search(TransformerDecoder(model: m), sources: [s])
            #expect(alone[0].map(\.tokens) == together[i].map(\.tokens), "sentence \(i)")
            for (a, b) in zip(alone[0], together[i]) { #expect(abs(a.score - b.score) < 1e-4) }
        }
    }

    /// More beam rows than the B·S source rows the model reserved (a one-token line, beam 8,
    /// on a fresh model whose buffers are sized by that batch alone): the same hypotheses and
    /// scores as when the sentence shares a batch with longer ones.
    @Test func beamWiderThanTheSourceWorks() throws {
        let search = BeamSearch(settings: .init(beam: 8, lenpen: 1, maxLenA: 1, maxLenB: 5, nbest: 8))
        let alone = try search.search(TransformerDecoder(model: try Self.model()), sources: [[7]])
        let together = try search.search(TransformerDecoder(model: try Self.model()), sources: Self.sources)
        #expect(alone[0].count == 8)
        #expect(alone[0].map(\.tokens) == together[1].map(\.tokens))
        for (a, b) in zip(alone[0], together[1]) { #expect(abs(a.score - b.score) < 1e-4) }
    }

    @Test func logProbabilitiesAreNormalised() throws {
        let m = try Self.model()
        let decoder = TransformerDecoder(model: m)
        try decoder.begin(sources: [[5, 6, 7], [8]], maxSteps: 4)
        var lp: [Float] = []
        try decoder.step(tokens: [1, 1], logProbs: &lp)
        for r in 0..<2 {
            let total = lp[(r * 40)..<((r + 1) * 40)].reduce(0.0) { $0 + exp(Double($1)) }
            #expect(abs(total - 1) < 1e-5)
        }
    }
}

import Foundation
