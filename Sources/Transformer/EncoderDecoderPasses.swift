// The encoder–decoder's forward and backward passes, layer by layer. Each layer's backward
// sits beside its forward and undoes it in reverse order (as llm.c's gpt2_backward mirrors
// gpt2_forward), using the same dropout masks (StepDropout) and the activations the forward
// pass left in the workspace. Every pass runs on the batch's real tokens only
// (SequencePacking).
import Parallelism
import Tensor

/// One batch's sources and targets, packed (padding removed).
struct BatchPacking {
    let source: SequencePacking
    let target: SequencePacking
    init(_ batch: Batch) {
        source = SequencePacking(ids: batch.source, sentences: batch.size, length: batch.sourceLength)
        target = SequencePacking(ids: batch.targetInput, sentences: batch.size, length: batch.targetLength)
    }
}

extension TransformerModel {
    // MARK: whole passes

    /// Encoder + decoder; returns the decoder's final hidden states [target tokens, d] (the
    /// input of the tied vocabulary projection, see `outputLayer`).
    func forward(_ packing: BatchPacking, _ dropout: StepDropout) -> UnsafeMutablePointer<Float> {
        let ws = workspace, target = packing.target
        let memory = encode(packing.source, dropout)
        let y0 = ws.decoderEmbedding.pointer
        embed(target, into: y0, mask: dropout.decoderEmbedding)
        var y = y0
        for l in 0..<config.decoderLayers {
            y = decoderLayerForward(l, input: y, memory: memory, packing, dropout.decoder[l])
        }
        if let norm = layout.decoderNorm { y = finalNormForward(ws.decoderFinal, input: y, rows: target.tokens, norm) }
        return y
    }

    /// Encoder stack over the packed sources; returns [source tokens, d].
    func encode(_ source: SequencePacking, _ dropout: StepDropout) -> UnsafeMutablePointer<Float> {
        let x0 = workspace.encoderEmbedding.pointer
        embed(source, into: x0, mask: dropout.encoderEmbedding)
        var x = x0
        for l in 0..<config.encoderLayers {
            x = encoderLayerForward(l, input: x, source, dropout.encoder[l])
        }
        if let norm = layout.encoderNorm { x = finalNormForward(workspace.encoderFinal, input: x, rows: source.tokens, norm) }
        return x
    }

    /// From ∂L/∂(decoder output) in workspace.gradA (written by the output layer) down to
    /// the embeddings: the decoder, then the encoder from the gradient the decoder's
    /// cross-attention left on its memory.
    func backward(_ packing: BatchPacking, _ dropout: StepDropout) {
        let ws = workspace, d = config.modelDimension
        let ns = packing.source.tokens, nt = packing.target.tokens
        var g = GradientBuffers(ws)
        if let norm = layout.decoderNorm { finalNormBackward(ws.decoderFinal, dOut: g.current, dInput: g.spare, rows: nt, norm); g.swap() }
        let dMemory = ws.gradMemory.pointer
        Profiler.measure(.other) { Elementwise.zero(dMemory, ns * d) }
        for l in stride(from: config.decoderLayers - 1, through: 0, by: -1) {
            decoderLayerBackward(l, &g, dMemory: dMemory, packing, dropout.decoder[l])
        }
        embedBackward(packing.target, dOut: g.current, mask: dropout.decoderEmbedding)

        g = GradientBuffers(ws)
        Profiler.measure(.other) { Elementwise.copy(g.current, dMemory, ns * d) }
        if let norm = layout.encoderNorm { finalNormBackward(ws.encoderFinal, dOut: g.current, dInput: g.spare, rows: ns, norm); g.swap() }
        for l in stride(from: config.encoderLayers - 1, through: 0, by: -1) {
            encoderLayerBackward(l, &g, packing.source, dropout.encoder[l])
        }
        embedBackward(packing.source, dOut: g.current, mask: dropout.encoderEmbedding)
    }

    /// The two gradient buffers a backward pass alternates between: `current` holds ∂L/∂(the
    /// output of the block about to be undone); a block returns where it left ∂L/∂(its input).
    struct GradientBuffers {
        var current: UnsafeMutablePointer<Float>
        var spare: UnsafeMutablePointer<Float>
        init(_ ws: TrainingWorkspace) { current = ws.gradA.pointer; spare = ws.gradB.pointer }
        mutating func swap() { Swift.swap(&current, &spare) }
        /// After a block's backward wrote its input gradient to `result`.
        mutating func moved(to result: UnsafeMutablePointer<Float>) { if result != current { swap() } }
    }

    // MARK: encoder layer

    func encoderLayerForward(_ l: Int, input: UnsafeMutablePointer<Float>, _ source: SequencePacking,
                             _ masks: StepDropout.Layer) -> UnsafeMutablePointer<Float> {
        let a = workspace.encoder[l], o = layout.encoderLayers[l], ns = source.tokens
        let rows = source.maskRows(columns: config.modelDimension)
        let x = blockForward(a.attentionBlock, input: input, rows: ns, norm: o.selfAttentionNorm, mask: masks.selfResidual, maskRows: rows) { inp, out in
            selfAttentionForward(a.attention, input: inp, out: out, o.selfAttention, source, causal: false, mask: masks.selfProbs)
        }
        return feedForwardBlockForward(a.feedForwardBlock, a.feedForward, input: x, o.finalNorm, o.feedForward, source, masks)
    }

    func encoderLayerBackward(_ l: Int, _ g: inout GradientBuffers, _ source: SequencePacking, _ masks: StepDropout.Layer) {
        let a = workspace.encoder[l], o = layout.encoderLayers[l], ns = source.tokens
        let rows = source.maskRows(columns: config.modelDimension)
        feedForwardBlockBackward(a.feedForwardBlock, a.feedForward, &g, o.finalNorm, o.feedForward, source, masks)
        g.moved(to: blockBackward(a.attentionBlock, dOut: g.current, other: g.spare, rows: ns, norm: o.selfAttentionNorm, mask: masks.selfResidual,
                                  maskRows: rows) { dF, dIn, acc in
            selfAttentionBackward(a.attention, dOut: dF, dInput: dIn, accumulate: acc, o.selfAttention, source, causal: false, mask: masks.selfProbs)
        })
    }

    /// The FFN sub-layer in its residual block, as both stacks end a layer.
    func feedForwardBlockForward(_ block: ResidualBlockActivations, _ a: FeedForwardActivations, input: UnsafeMutablePointer<Float>,
                                 _ norm: LayerNormOffsets, _ o: FeedForwardOffsets, _ packing: SequencePacking,
                                 _ masks: StepDropout.Layer) -> UnsafeMutablePointer<Float> {
        let n = packing.tokens, hiddenRows = packing.maskRows(columns: config.ffnDimension)
        return blockForward(block, input: input, rows: n, norm: norm, mask: masks.ffnResidual, maskRows: packing.maskRows(columns: config.modelDimension)) { inp, out in
            feedForwardForward(a, input: inp, out: out, o, rows: n, mask: masks.reluHidden, maskRows: hiddenRows)
        }
    }

    func feedForwardBlockBackward(_ block: ResidualBlockActivations, _ a: FeedForwardActivations, _ g: inout GradientBuffers,
                                  _ norm: LayerNormOffsets, _ o: FeedForwardOffsets, _ packing: SequencePacking, _ masks: StepDropout.Layer) {
        let n = packing.tokens, hiddenRows = packing.maskRows(columns: config.ffnDimension)
        g.moved(to: blockBackward(block, dOut: g.current, other: g.spare, rows: n, norm: norm, mask: masks.ffnResidual,
                                  maskRows: packing.maskRows(columns: config.modelDimension)) { dF, dIn, acc in
            feedForwardBackward(a, dOut: dF, dInput: dIn, accumulate: acc, o, rows: n, mask: masks.reluHidden, maskRows: hiddenRows)
        })
    }

    // MARK: decoder layer

    func decoderLayerForward(_ l: Int, input: UnsafeMutablePointer<Float>, memory: UnsafeMutablePointer<Float>,
                             _ packing: BatchPacking, _ masks: StepDropout.Layer) -> UnsafeMutablePointer<Float> {
        let a = workspace.decoder[l], o = layout.decoderLayers[l], target = packing.target, nt = target.tokens
        let rows = target.maskRows(columns: config.modelDimension)
        var y = blockForward(a.selfBlock, input: input, rows: nt, norm: o.selfAttentionNorm, mask: masks.selfResidual, maskRows: rows) { inp, out in
            selfAttentionForward(a.selfAttention, input: inp, out: out, o.selfAttention, target, causal: true, mask: masks.selfProbs)
        }
        y = blockForward(a.crossBlock, input: y, rows: nt, norm: o.crossAttentionNorm, mask: masks.crossResidual, maskRows: rows) { inp, out in
            crossAttentionForward(a.crossAttention, input: inp, memory: memory, out: out, o.crossAttention, target: target, source: packing.source,
                                  mask: masks.crossProbs)
        }
        return feedForwardBlockForward(a.feedForwardBlock, a.feedForward, input: y, o.finalNorm, o.feedForward, target, masks)
    }

    /// Undoes `decoderLayerForward`; the cross-attention's gradient on the encoder output is
    /// added to `dMemory`.
    func decoderLayerBackward(_ l: Int, _ g: inout GradientBuffers, dMemory: UnsafeMutablePointer<Float>,
                              _ packing: BatchPacking, _ masks: StepDropout.Layer) {
        let a = workspace.decoder[l], o = layout.decoderLayers[l], target = packing.target, nt = target.tokens
        let rows = target.maskRows(columns: config.modelDimension)
        feedForwardBlockBackward(a.feedForwardBlock, a.feedForward, &g, o.finalNorm, o.feedForward, target, masks)
        g.moved(to: blockBackward(a.crossBlock, dOut: g.current, other: g.spare, rows: nt, norm: o.crossAttentionNorm, mask: masks.crossResidual,
                                  maskRows: rows) { dF, dIn, acc in
            crossAttentionBackward(a.crossAttention, dOut: dF, dInput: dIn, accumulate: acc, dMemory: dMemory, o.crossAttention,
                                   target: target, source: packing.source, mask: masks.crossProbs)
        })
        g.moved(to: blockBackward(a.selfBlock, dOut: g.current, other: g.spare, rows: nt, norm: o.selfAttentionNorm, mask: masks.selfResidual,
                                  maskRows: rows) { dF, dIn, acc in
            selfAttentionBackward(a.selfAttention, dOut: dF, dInput: dIn, accumulate: acc, o.selfAttention, target, causal: true, mask: masks.selfProbs)
        })
    }

    // MARK: embeddings and final norms

    func embed(_ packing: SequencePacking, into out: UnsafeMutablePointer<Float>, mask: DropoutMask) {
        let d = config.modelDimension, n = packing.tokens
        Profiler.measure(.embedding) {
            packing.ids.withUnsafeBufferPointer { idp in
                packing.positionRow.withUnsafeBufferPointer { rows in
                    positions.withUnsafeBufferPointer { pos in
                        EmbeddingKernels.forward(out: out, ids: idp.baseAddress!, positionRows: rows.baseAddress!, count: n, table: P + layout.embedding,
                                                 scale: embedScale, positions: pos.baseAddress!, columns: d, padIndex: TransformerConfig.padId)
                    }
                }
            }
            if mask.isActive { Elementwise.dropoutForward(out, out, n * d, mask, rows: packing.maskRows(columns: d)) }
        }
    }

    func embedBackward(_ packing: SequencePacking, dOut: UnsafeMutablePointer<Float>, mask: DropoutMask) {
        let d = config.modelDimension, n = packing.tokens
        Profiler.measure(.embeddingBackward) {
            if mask.isActive { Elementwise.dropoutBackward(dOut, dOut, n * d, mask, rows: packing.maskRows(columns: d)) }
            packing.ids.withUnsafeBufferPointer {
                EmbeddingKernels.backward(dtable: G + layout.embedding, dout: dOut, ids: $0.baseAddress!, count: n, scale: embedScale,
                                          columns: d, padIndex: TransformerConfig.padId)
            }
        }
    }

    func finalNormForward(_ a: FinalNormActivations, input: UnsafeMutablePointer<Float>, rows n: Int, _ norm: LayerNormOffsets) -> UnsafeMutablePointer<Float> {
        a.input = input
        Profiler.measure(.layerNorm) {
            LayerNormKernels.forward(out: a.out.pointer, mean: a.mean.pointer, rstd: a.rstd.pointer, x: input, weight: P + norm.weight, bias: P + norm.bias,
                                     rows: n, columns: config.modelDimension)
        }
        return a.out.pointer
    }

    func finalNormBackward(_ a: FinalNormActivations, dOut: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>, rows n: Int, _ norm: LayerNormOffsets) {
        Profiler.measure(.layerNormBackward) {
            LayerNormKernels.backward(dx: dInput, dweight: G + norm.weight, dbias: G + norm.bias, dout: dOut, x: a.input!, weight: P + norm.weight,
                                      mean: a.mean.pointer, rstd: a.rstd.pointer, rows: n, columns: config.modelDimension,
                                      accumulate: false, scratch: workspace.normScratch)
        }
    }
}
