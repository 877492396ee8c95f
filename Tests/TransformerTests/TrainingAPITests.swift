import Foundation
import Testing
@testable import Transformer
import Tensor
import Parallelism

@Suite struct TrainingAPITests {
    /// A sentence's loss and gradients do not depend on longer sentences batched with it.
    @Test func paddingDoesNotLeak() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 8)
        let short = (source: [Int32]([5, 9, 3]), target: [Int32]([4, 8]))
        let alone = try Batch(pairs: [short])
        let padded = try Batch(pairs: [short, (source: [6, 12, 7, 7, 9, 10, 11, 19], target: [20, 3, 9, 15, 10, 14, 13])])
        model.zeroGradients()
        let a = try model.forwardBackward(alone, labelSmoothing: 0.1)
        let gAlone = Array(model.gradients)
        // gradients of the short sentence inside the padded batch = batch gradients − long sentence alone
        model.zeroGradients()
        let both = try model.forwardBackward(padded, labelSmoothing: 0.1)
        let gBoth = Array(model.gradients)
        model.zeroGradients()
        let long = try model.forwardBackward(try Batch(pairs: [(source: [6, 12, 7, 7, 9, 10, 11, 19], target: [20, 3, 9, 15, 10, 14, 13])]), labelSmoothing: 0.1)
        let gLong = Array(model.gradients)
        #expect(abs((both.loss - long.loss) - a.loss) < 1e-4 * a.loss)
        #expect(both.tokens == a.tokens + long.tokens)
        let scale = gAlone.map { abs($0) }.max()!
        var worst: Float = 0
        for i in 0..<gAlone.count { worst = max(worst, abs((gBoth[i] - gLong[i]) - gAlone[i])) }
        print("padding leak: max gradient difference \(worst) (scale \(scale))")
        #expect(worst < 1e-4 * scale)
        // and directly: the logits of the short sentence are unchanged
        let la = try model.logits(alone), lb = try model.logits(padded)
        let v = model.config.vocabularySize
        var logitWorst: Float = 0
        for pos in 0..<alone.targetLength {
            for j in 0..<v { logitWorst = max(logitWorst, abs(la[pos * v + j] - lb[pos * v + j])) }
        }
        print("padding leak: max logit difference \(logitWorst)")
        #expect(logitWorst < 1e-5)
    }

    @Test func gradientsAccumulateAndStepsAreReproducible() throws {
        let model = try TransformerModel(config: tinyConfig(dropout: 0.2), seed: 2)
        let batch = try smallBatch()
        model.zeroGradients()
        let r1 = try model.forwardBackward(batch, dropoutSeed: 1)
        let g1 = Array(model.gradients)
        let r2 = try model.forwardBackward(batch, dropoutSeed: 1)
        #expect(r1 == r2)
        let g2 = Array(model.gradients)
        for i in 0..<g1.count { #expect(abs(g2[i] - 2 * g1[i]) <= 1e-6 * max(1, abs(g1[i]))) }
        let r3 = try model.forwardBackward(batch, dropoutSeed: 2)
        #expect(r3.loss != r1.loss)  // another seed, other masks
        // evaluation has no dropout and leaves gradients alone
        let before = Array(model.gradients)
        let e1 = try model.loss(batch), e2 = try model.loss(batch)
        #expect(e1 == e2 && Array(model.gradients) == before)
    }

    /// The trainer's bit-identical resume relies on this: with the same thread count, the
    /// same step gives the same gradient bits. The shapes are large enough that GEMMs are
    /// split across two workers and every parallel kernel (layer-norm partial sums, loss
    /// sums, bias column sums, attention) runs on two chunks.
    @Test func identicalStepsGiveBitIdenticalGradients() throws {
        // The bits depend on the cap, so it must not change between the runs: scoped to this
        // thread, no suite running in parallel can change it (Parallel.withThreadCap).
        try Parallel.withThreadCap(2) {
            let config = TransformerConfig(vocabularySize: 300, modelDimension: 64, heads: 4, ffnDimension: 128, encoderLayers: 2, decoderLayers: 2,
                                           dropout: 0.1, attentionDropout: 0.1, reluDropout: 0.1, maxPositions: 64)
            let model = try TransformerModel(config: config, seed: 3)
            var rng = SplitMix64(seed: 11)
            let pairs: [(source: [Int32], target: [Int32])] = (0..<40).map { _ in
                let ls = 10 + Int(rng.next() % 16), lt = 10 + Int(rng.next() % 16)
                return ((0..<ls).map { _ in Int32(3 + rng.next() % 297) }, (0..<lt).map { _ in Int32(3 + rng.next() % 297) })
            }
            let batch = try Batch(pairs: pairs)
            #expect(batch.size * batch.targetLength * config.vocabularySize * config.modelDimension >= GEMM.splitThreshold)
            var first: [Float] = [], firstResult: LossSums? = nil
            for run in 0..<3 {
                model.zeroGradients()
                let r = try model.forwardBackward(batch, dropoutSeed: 5)
                let g = Array(model.gradients)
                if run == 0 {
                    first = g; firstResult = r
                } else {
                    #expect(r == firstResult)
                    let differing = zip(g, first).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(differing == 0, "run \(run): \(differing) gradient entries differ")
                }
            }
            #expect(first.contains { $0 != 0 })
        }
    }

    /// The output layer runs in blocks of rows; any block size gives the same loss and
    /// gradients up to float rounding (the embedding gradient sums blocks in another order).
    @Test func outputLayerBlocksDoNotChangeTheResult() throws {
        let model = try TransformerModel(config: tinyConfig(dropout: 0.1), seed: 4)
        let batch = try smallBatch()
        model.zeroGradients()
        let whole = try model.forwardBackward(batch, dropoutSeed: 2)
        let g1 = Array(model.gradients)
        let e1 = try model.loss(batch)
        model.workspace.outputBlockRowsOverride = 2  // 9 target tokens → blocks of 2, 2, 2, 2, 1
        model.zeroGradients()
        let blocked = try model.forwardBackward(batch, dropoutSeed: 2)
        let g2 = Array(model.gradients)
        let e2 = try model.loss(batch)
        model.workspace.outputBlockRowsOverride = nil
        #expect(whole.tokens == blocked.tokens && e1.tokens == e2.tokens)
        #expect(abs(whole.loss - blocked.loss) <= 1e-6 * abs(whole.loss))
        #expect(abs(e1.nll - e2.nll) <= 1e-6 * abs(e1.nll))
        let scale = g1.map { abs($0) }.max()!
        let worst = zip(g1, g2).map { abs($0 - $1) }.max()!
        print("output-layer blocks: loss rel diff \(abs(whole.loss - blocked.loss) / abs(whole.loss)), max gradient difference \(worst / scale) of scale")
        #expect(worst <= 1e-5 * scale)
    }

    @Test func workspaceIsReusedAcrossShapes() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 4)
        let small = try Batch(pairs: [(source: [5, 6], target: [7])])
        let before = try model.loss(small)
        _ = try model.forwardBackward(try smallBatch())
        let capacity = model.workspace.logits.capacity
        let after = try model.loss(small)
        #expect(before == after)
        #expect(model.workspace.logits.capacity == capacity)
    }

    @Test func badBatchesGiveClearErrors() throws {
        let model = try TransformerModel(config: tinyConfig(), seed: 1)
        do {
            _ = try model.forwardBackward(try Batch(pairs: [(source: [5, 99], target: [3])]))
            Issue.record("no error")
        } catch let e as TransformerError {
            #expect(e == .tokenOutOfRange(tensor: "source", row: 0, position: 1, id: 99, vocabularySize: 23))
            #expect(e.description.contains("token id 99 at row 0, position 1"))
        }
        #expect(throws: TransformerError.self) { try Batch(size: 2, sourceLength: 3, targetLength: 2, source: [1, 2, 3], targetInput: [1, 1, 1, 1], targetOutput: [2, 2, 2, 2]) }
        #expect(throws: TransformerError.self) { _ = try model.loss(try Batch(pairs: [(source: [4, -1], target: [3])])) }
        // The passes run on real tokens only: rows must be right-padded, and every predicted
        // target needs a decoder input.
        let leftPadded = try Batch(size: 2, sourceLength: 3, targetLength: 2, source: [4, 5, 6, 0, 7, 8],
                                   targetInput: [1, 3, 1, 4], targetOutput: [3, 2, 4, 2])
        do {
            _ = try model.loss(leftPadded)
            Issue.record("a left-padded source was accepted")
        } catch let e as TransformerError {
            #expect(e == .invalidBatch("source row 1 has a token at position 1 after padding (rows must be right-padded)"))
        }
        let unfed = try Batch(size: 1, sourceLength: 2, targetLength: 3, source: [4, 5], targetInput: [1, 3, 0], targetOutput: [3, 4, 2])
        #expect(throws: TransformerError.invalidBatch("targetOutput row 0 has a token at position 2, where targetInput is padding")) {
            _ = try model.forwardBackward(unfed)
        }
        #expect(throws: TransformerError.self) { _ = try model.startDecoding(source: [4, 5, 0, 6], batchSize: 1, sourceLength: 4, maxLength: 4) }
        #expect(throws: TransformerError.self) { _ = try model.forwardBackward(try smallBatch(), labelSmoothing: 1.5) }
        let long = [Int32](repeating: 5, count: 40)  // maxPositions is 32
        #expect(throws: TransformerError.self) { _ = try model.loss(try Batch(pairs: [(source: long, target: [3])])) }
    }

    @Test func configValidationAndPresets() throws {
        #expect(throws: TransformerError.self) { _ = try TransformerModel(config: TransformerConfig(vocabularySize: 10, modelDimension: 10, heads: 3, ffnDimension: 8, encoderLayers: 1, decoderLayers: 1)) }
        var c = TransformerConfig.small(vocabularySize: 100)
        c.dropout = 1.0
        do { try c.validate(); Issue.record("no error") } catch { #expect("\(error)".contains("dropout")) }
        #expect(TransformerConfig.iwslt(vocabularySize: 8000).modelDimension == 512)
        #expect(TransformerConfig.small(vocabularySize: 8000).encoderLayers == 3)
        #expect(try TransformerConfig.preset("tiny", vocabularySize: 50).ffnDimension == 512)
        #expect(throws: TransformerError.self) { _ = try TransformerConfig.preset("huge", vocabularySize: 50) }
        let data = try JSONEncoder().encode(c)
        #expect(try JSONDecoder().decode(TransformerConfig.self, from: data) == c)
    }

    @Test func parameterLayoutIsFlatAndNamed() throws {
        let model = try TransformerModel(config: tinyConfig(normalizeBefore: true), seed: 1)
        var offset = 0
        for t in model.parameterTensors {
            #expect(t.offset == offset)
            offset += t.count
        }
        #expect(offset == model.parameterCount)
        #expect(model.parameter(named: "encoder.layer_norm.weight")!.allSatisfy { $0 == 1 })
        #expect(model.parameter(named: "encoder.embed_tokens.weight")![0..<8].allSatisfy { $0 == 0 })  // pad row
        #expect(model.parameter(named: "decoder.layers.1.encoder_attn.out_proj.bias") != nil)
        let again = try TransformerModel(config: tinyConfig(normalizeBefore: true), seed: 1)
        #expect(Array(model.parameters) == Array(again.parameters))
    }
}
