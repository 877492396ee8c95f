import Testing
@testable import Transformer
import Tensor

/// `startDecoding(…, int8:)`: the decoder step on int8 weights stays close to the float step,
/// really is a different computation, and a restricted output vocabulary gives exactly the
/// full int8 logits of its ids (its table rows are quantized the same way).
@Suite struct Int8DecodingTests {
    static func config(normalizeBefore: Bool) -> TransformerConfig {
        TransformerConfig(vocabularySize: 61, modelDimension: 32, heads: 4, ffnDimension: 48, encoderLayers: 2, decoderLayers: 2,
                          dropout: 0, attentionDropout: 0, reluDropout: 0, normalizeBefore: normalizeBefore, maxPositions: 32)
    }

    @Test(arguments: [false, true])
    func int8StepsFollowTheFloatSteps(preNorm: Bool) throws {
        let model = try TransformerModel(config: Self.config(normalizeBefore: preNorm), seed: 13)
        let weights = Int8DecoderWeights(model: model)
        let batch = try smallBatch()
        let b = batch.size, t = batch.targetLength, v = model.config.vocabularySize
        let float = try model.startDecoding(source: batch.source, batchSize: b, sourceLength: batch.sourceLength, maxLength: t)
        let int8 = try model.startDecoding(source: batch.source, batchSize: b, sourceLength: batch.sourceLength, maxLength: t, int8: weights)
        var worst: Float = 0, spread: Float = 0, differing = 0
        for step in 0..<t {
            let tokens = (0..<b).map { batch.targetInput[$0 * t + step] }
            let exact = try model.decodeStep(float, tokens: tokens), approximate = try model.decodeStep(int8, tokens: tokens)
            for i in exact.indices {
                worst = max(worst, abs(exact[i] - approximate[i]))
                if exact[i] != approximate[i] { differing += 1 }
            }
            spread = max(spread, exact.max()! - exact.min()!)
        }
        print("int8 vs float decoder steps (preNorm \(preNorm)): max |Δlogit| \(worst), logit spread \(spread), \(differing) of \(b * t * v) differ")
        #expect(worst < 0.03 * spread, "int8 logits stray from the float ones")
        #expect(differing > b * t * v / 2, "int8 decoding should not be the float computation")
    }

    @Test func aRestrictedVocabularyScoresItsIdsAsTheFullOne() throws {
        let model = try TransformerModel(config: Self.config(normalizeBefore: false), seed: 2)
        let weights = Int8DecoderWeights(model: model)
        let batch = try smallBatch()
        let b = batch.size, t = batch.targetLength, v = model.config.vocabularySize
        let ids: [Int32] = [2, 3, 5, 8, 13, 21, 34, 55, 60]
        let full = try model.startDecoding(source: batch.source, batchSize: b, sourceLength: batch.sourceLength, maxLength: t, int8: weights)
        let restricted = try model.startDecoding(source: batch.source, batchSize: b, sourceLength: batch.sourceLength, maxLength: t, int8: weights)
        try model.restrictOutput(restricted, to: ids)
        for step in 0..<t {
            let tokens = (0..<b).map { batch.targetInput[$0 * t + step] }
            let all = try model.decodeStep(full, tokens: tokens), some = try model.decodeStep(restricted, tokens: tokens)
            #expect(some.count == b * ids.count)
            for r in 0..<b {
                #expect((0..<ids.count).map { some[r * ids.count + $0] } == ids.map { all[r * v + Int($0)] }, "step \(step), row \(r)")
            }
        }
    }
}
