// The encoder–decoder's forward and backward passes, layer by layer. Each layer's backward
// sits beside its forward and undoes it in reverse order (as llm.c's gpt2_backward mirrors
// gpt2_forward), using the same dropout masks (StepDropout) and the activations the forward
// pass left in the workspace.
import Parallelism
import Tensor

extension TransformerModel {
    static func fillPadMask(_ mask: UnsafeMutablePointer<UInt8>, _ ids: [Int32]) {
        for (i, id) in ids.enumerated() { mask[i] = id == TransformerConfig.padId ? 1 : 0 }
    }

    // MARK: whole passes

    /// Encoder + decoder; returns the decoder's final hidden states [B·T, d] (the input of
    /// the tied vocabulary projection, see `outputLayer`).
    func forward(_ batch: Batch, _ dropout: StepDropout) -> UnsafeMutablePointer<Float> {
        let ws = workspace
        let b = batch.size, s = batch.sourceLength, t = batch.targetLength, nt = b * t
        Self.fillPadMask(ws.sourcePad.pointer, batch.source)
        Self.fillPadMask(ws.targetPad.pointer, batch.targetInput)
        let memory = encode(source: batch.source, batch: b, length: s, dropout)
        let y0 = ws.decoderEmbedding.pointer
        embed(batch.targetInput, into: y0, batch: b, length: t, mask: dropout.decoderEmbedding)
        var y = y0
        for l in 0..<config.decoderLayers {
            y = decoderLayerForward(l, input: y, memory: memory, batch: b, targetLength: t, sourceLength: s, dropout.decoder[l])
        }
        if let norm = layout.decoderNorm { y = finalNormForward(ws.decoderFinal, input: y, rows: nt, norm) }
        return y
    }

    /// Encoder stack over `source` [B, S] (pad mask already in workspace.sourcePad).
    func encode(source: [Int32], batch b: Int, length s: Int, _ dropout: StepDropout) -> UnsafeMutablePointer<Float> {
        let x0 = workspace.encoderEmbedding.pointer
        embed(source, into: x0, batch: b, length: s, mask: dropout.encoderEmbedding)
        var x = x0
        for l in 0..<config.encoderLayers {
            x = encoderLayerForward(l, input: x, batch: b, length: s, dropout.encoder[l])
        }
        if let norm = layout.encoderNorm { x = finalNormForward(workspace.encoderFinal, input: x, rows: b * s, norm) }
        return x
    }

    /// From ∂L/∂(decoder output) in workspace.gradA (written by the output layer) down to
    /// the embeddings: the decoder, then the encoder from the gradient the decoder's
    /// cross-attention left on its memory.
    func backward(_ batch: Batch, _ dropout: StepDropout) {
        let ws = workspace, d = config.modelDimension
        let b = batch.size, s = batch.sourceLength, t = batch.targetLength, ns = b * s, nt = b * t
        var g = GradientBuffers(ws)
        if let norm = layout.decoderNorm { finalNormBackward(ws.decoderFinal, dOut: g.current, dInput: g.spare, rows: nt, norm); g.swap() }
        let dMemory = ws.gradMemory.pointer
        Profiler.measure(.other) { Elementwise.zero(dMemory, ns * d) }
        for l in stride(from: config.decoderLayers - 1, through: 0, by: -1) {
            decoderLayerBackward(l, &g, dMemory: dMemory, batch: b, targetLength: t, sourceLength: s, dropout.decoder[l])
        }
        embedBackward(batch.targetInput, dOut: g.current, count: nt, mask: dropout.decoderEmbedding)

        g = GradientBuffers(ws)
        Profiler.measure(.other) { Elementwise.copy(g.current, dMemory, ns * d) }
        if let norm = layout.encoderNorm { finalNormBackward(ws.encoderFinal, dOut: g.current, dInput: g.spare, rows: ns, norm); g.swap() }
        for l in stride(from: config.encoderLayers - 1, through: 0, by: -1) {
            encoderLayerBackward(l, &g, batch: b, length: s, dropout.encoder[l])
        }
        embedBackward(batch.source, dOut: g.current, count: ns, mask: dropout.encoderEmbedding)
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

    func encoderLayerForward(_ l: Int, input: UnsafeMutablePointer<Float>, batch b: Int, length s: Int,
                             _ masks: StepDropout.Layer) -> UnsafeMutablePointer<Float> {
        let a = workspace.encoder[l], o = layout.encoderLayers[l], pad = workspace.sourcePad.pointer
        let x = blockForward(a.attentionBlock, input: input, rows: b * s, norm: o.selfAttentionNorm, mask: masks.selfResidual) { inp, out in
            selfAttentionForward(a.attention, input: inp, out: out, o.selfAttention, batch: b, length: s, keyPad: pad, causal: false,
                                 mask: masks.selfProbs)
        }
        return blockForward(a.feedForwardBlock, input: x, rows: b * s, norm: o.finalNorm, mask: masks.ffnResidual) { inp, out in
            feedForwardForward(a.feedForward, input: inp, out: out, o.feedForward, rows: b * s, mask: masks.reluHidden)
        }
    }

    func encoderLayerBackward(_ l: Int, _ g: inout GradientBuffers, batch b: Int, length s: Int, _ masks: StepDropout.Layer) {
        let a = workspace.encoder[l], o = layout.encoderLayers[l], pad = workspace.sourcePad.pointer, ns = b * s
        g.moved(to: blockBackward(a.feedForwardBlock, dOut: g.current, other: g.spare, rows: ns, norm: o.finalNorm, mask: masks.ffnResidual) { dF, dIn, acc in
            feedForwardBackward(a.feedForward, dOut: dF, dInput: dIn, accumulate: acc, o.feedForward, rows: ns, mask: masks.reluHidden)
        })
        g.moved(to: blockBackward(a.attentionBlock, dOut: g.current, other: g.spare, rows: ns, norm: o.selfAttentionNorm, mask: masks.selfResidual) { dF, dIn, acc in
            selfAttentionBackward(a.attention, dOut: dF, dInput: dIn, accumulate: acc, o.selfAttention, batch: b, length: s,
                                  keyPad: pad, causal: false, mask: masks.selfProbs)
        })
    }

    // MARK: decoder layer

    func decoderLayerForward(_ l: Int, input: UnsafeMutablePointer<Float>, memory: UnsafeMutablePointer<Float>,
                             batch b: Int, targetLength t: Int, sourceLength s: Int, _ masks: StepDropout.Layer) -> UnsafeMutablePointer<Float> {
        let a = workspace.decoder[l], o = layout.decoderLayers[l], ws = workspace, nt = b * t
        var y = blockForward(a.selfBlock, input: input, rows: nt, norm: o.selfAttentionNorm, mask: masks.selfResidual) { inp, out in
            selfAttentionForward(a.selfAttention, input: inp, out: out, o.selfAttention, batch: b, length: t, keyPad: ws.targetPad.pointer, causal: true,
                                 mask: masks.selfProbs)
        }
        y = blockForward(a.crossBlock, input: y, rows: nt, norm: o.crossAttentionNorm, mask: masks.crossResidual) { inp, out in
            crossAttentionForward(a.crossAttention, input: inp, memory: memory, out: out, o.crossAttention, batch: b, targetLength: t, sourceLength: s,
                                  keyPad: ws.sourcePad.pointer, mask: masks.crossProbs)
        }
        return blockForward(a.feedForwardBlock, input: y, rows: nt, norm: o.finalNorm, mask: masks.ffnResidual) { inp, out in
            feedForwardForward(a.feedForward, input: inp, out: out, o.feedForward, rows: nt, mask: masks.reluHidden)
        }
    }

    /// Undoes `decoderLayerForward`; the cross-attention's gradient on the encoder output is
    /// added to `dMemory`.
    func decoderLayerBackward(_ l: Int, _ g: inout GradientBuffers, dMemory: UnsafeMutablePointer<Float>,
                              batch b: Int, targetLength t: Int, sourceLength s: Int, _ masks: StepDropout.Layer) {
        let a = workspace.decoder[l], o = layout.decoderLayers[l], ws = workspace, nt = b * t
        g.moved(to: blockBackward(a.feedForwardBlock, dOut: g.current, other: g.spare, rows: nt, norm: o.finalNorm, mask: masks.ffnResidual) { dF, dIn, acc in
            feedForwardBackward(a.feedForward, dOut: dF, dInput: dIn, accumulate: acc, o.feedForward, rows: nt, mask: masks.reluHidden)
        })
        g.moved(to: blockBackward(a.crossBlock, dOut: g.current, other: g.spare, rows: nt, norm: o.crossAttentionNorm, mask: masks.crossResidual) { dF, dIn, acc in
            crossAttentionBackward(a.crossAttention, dOut: dF, dInput: dIn, accumulate: acc, dMemory: dMemory, o.crossAttention,
                                   batch: b, targetLength: t, sourceLength: s, keyPad: ws.sourcePad.pointer, mask: masks.crossProbs)
        })
        g.moved(to: blockBackward(a.selfBlock, dOut: g.current, other: g.spare, rows: nt, norm: o.selfAttentionNorm, mask: masks.selfResidual) { dF, dIn, acc in
            selfAttentionBackward(a.selfAttention, dOut: dF, dInput: dIn, accumulate: acc, o.selfAttention, batch: b, length: t,
                                  keyPad: ws.targetPad.pointer, causal: true, mask: masks.selfProbs)
        })
    }

    // MARK: embeddings and final norms

    func embed(_ ids: [Int32], into out: UnsafeMutablePointer<Float>, batch b: Int, length t: Int, mask: DropoutMask) {
        let d = config.modelDimension
        Profiler.measure(.embedding) {
            ids.withUnsafeBufferPointer { idp in
                positions.withUnsafeBufferPointer { pos in
                    EmbeddingKernels.forward(out: out, ids: idp.baseAddress!, batch: b, length: t, table: P + layout.embedding, scale: embedScale,
                                             positions: pos.baseAddress!, columns: d, padIndex: TransformerConfig.padId)
                }
            }
            if mask.isActive { Elementwise.dropoutForward(out, out, b * t * d, mask) }
        }
    }

    func embedBackward(_ ids: [Int32], dOut: UnsafeMutablePointer<Float>, count n: Int, mask: DropoutMask) {
        let d = config.modelDimension
        Profiler.measure(.embeddingBackward) {
            if mask.isActive { Elementwise.dropoutBackward(dOut, dOut, n * d, mask) }
            ids.withUnsafeBufferPointer {
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
