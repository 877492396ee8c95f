// Training-facing API: forward to the logits, label-smoothed loss, backward.
//
//   model.zeroGradients()
//   let r = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: seed, step: step)
//   // r.loss, r.nll: sums over the r.tokens non-pad target tokens; gradients of
//   // (gradientScale · r.loss) were ADDED to model.gradients (accumulate over batches,
//   // then let the optimizer divide by the total token count, or pass gradientScale).
//   let eval = try model.loss(batch)   // no dropout, no gradients
//
// The workspace is sized by the largest (B, S, T) seen and reused afterwards.
import Tensor

public struct LossResult: Equatable, Sendable {
    /// Σ over target tokens of the label-smoothed loss.
    public var loss: Double
    /// Σ over target tokens of -log p(target).
    public var nll: Double
    /// Non-pad target tokens.
    public var tokens: Int
}

extension TransformerModel {
    /// Forward + backward. Adds ∂(gradientScale·loss)/∂θ into `gradients`.
    /// Dropout masks depend only on (dropoutSeed, step), so a step is reproducible.
    @discardableResult
    public func forwardBackward(_ batch: Batch, labelSmoothing: Float = 0.1, dropoutSeed: UInt64 = 0, step: UInt64 = 0,
                                gradientScale: Float = 1) throws -> LossResult {
        try check(batch, labelSmoothing: labelSmoothing)
        let ctx = DropoutContext(training: true, seed: dropoutSeed, step: step)
        workspace.reserve(config: config, batch: batch.size, source: batch.sourceLength, target: batch.targetLength, training: true)
        let decoderOut = forward(batch, ctx)
        let ws = workspace, nt = batch.size * batch.targetLength, d = config.modelDimension
        let rows = gatherOutputRows(batch, hidden: decoderOut)
        let compact = ws.outputRowCount != nt
        let dHidden = ws.gradA.pointer
        let dRows = compact ? ws.gradOutputHidden.pointer : dHidden
        let r = outputLayer(hidden: rows, smoothing: labelSmoothing, gradient: (dRows, gradientScale))
        if compact {
            // scatter back; dropped (pad) rows get zero gradient
            Profiler.measure(.outputProjectionBackward) {
                Elementwise.zero(dHidden, nt * d)
                ws.outputRowIndex.withUnsafeBufferPointer { index in
                    Parallel.forEachChunk(index.count, minChunk: max(1, 8192 / d)) { r in
                        for k in r { (dHidden + index[k] * d).update(from: dRows + k * d, count: d) }
                    }
                }
            }
        }
        backward(batch, ctx)
        return LossResult(loss: r.loss, nll: r.nll, tokens: r.tokens)
    }

    /// Evaluation loss (no dropout, gradients untouched).
    public func loss(_ batch: Batch, labelSmoothing: Float = 0.1) throws -> LossResult {
        try check(batch, labelSmoothing: labelSmoothing)
        let ctx = DropoutContext(training: false, seed: 0, step: 0)
        workspace.reserve(config: config, batch: batch.size, source: batch.sourceLength, target: batch.targetLength, training: false)
        let rows = gatherOutputRows(batch, hidden: forward(batch, ctx))
        let r = outputLayer(hidden: rows, smoothing: labelSmoothing, gradient: nil)
        return LossResult(loss: r.loss, nll: r.nll, tokens: r.tokens)
    }

    /// Logits [B·T, V] of a full (teacher-forced) forward pass without dropout.
    public func logits(_ batch: Batch) throws -> [Float] {
        try check(batch, labelSmoothing: 0)
        workspace.reserve(config: config, batch: batch.size, source: batch.sourceLength, target: batch.targetLength, training: false)
        let y = forward(batch, DropoutContext(training: false, seed: 0, step: 0))
        let nt = batch.size * batch.targetLength, v = config.vocabularySize, d = config.modelDimension
        var out = [Float](repeating: 0, count: nt * v)
        out.withUnsafeMutableBufferPointer {
            GEMM.multiply(transB: true, m: nt, n: v, k: d, a: y, lda: d, b: P + layout.embedding, ldb: d, beta: 0, c: $0.baseAddress!, ldc: v)
        }
        return out
    }

    func check(_ batch: Batch, labelSmoothing: Float) throws {
        try batch.validate(vocabularySize: config.vocabularySize, maxPositions: config.maxPositions)
        if !(labelSmoothing >= 0 && labelSmoothing < 1) {
            throw TransformerError.invalidBatch("label smoothing must be in [0, 1), got \(labelSmoothing)")
        }
    }

    static func fillPadMask(_ mask: UnsafeMutablePointer<UInt8>, _ ids: [Int32]) {
        for (i, id) in ids.enumerated() { mask[i] = id == TransformerConfig.padId ? 1 : 0 }
    }

    // MARK: forward

    /// Encoder + decoder; returns the decoder's final hidden states [B·T, d] (the input of
    /// the tied vocabulary projection, see `outputLayer`).
    func forward(_ batch: Batch, _ ctx: DropoutContext) -> UnsafeMutablePointer<Float> {
        let ws = workspace
        let b = batch.size, s = batch.sourceLength, t = batch.targetLength, nt = b * t
        Self.fillPadMask(ws.sourcePad.pointer, batch.source)
        Self.fillPadMask(ws.targetPad.pointer, batch.targetInput)
        let enc = encode(source: batch.source, batch: b, length: s, ctx)
        // decoder
        let y0 = ws.decoderEmbedding.pointer
        embed(batch.targetInput, into: y0, batch: b, length: t, mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: 0, DropoutSite.embedding)))
        var y = y0
        for (l, a) in ws.decoder.enumerated() {
            y = decoderLayerForward(l, a, input: y, memory: enc, batch: b, targetLength: t, sourceLength: s, ctx)
        }
        if let norm = layout.decoderNorm { y = finalNormForward(ws.decoderFinal, input: y, rows: nt, norm) }
        return y
    }

    /// Keeps the decoder rows whose target is not the pad (their loss and gradient are zero,
    /// so a batch padded by 25% saves 25% of the vocabulary projection, the largest GEMMs of
    /// a small model). Fills outputTargets/outputRowIndex/outputRowCount; returns `hidden`
    /// itself when every row is kept, else the kept rows copied into workspace.outputHidden.
    func gatherOutputRows(_ batch: Batch, hidden: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let ws = workspace, d = config.modelDimension
        ws.outputTargets.removeAll(keepingCapacity: true)
        ws.outputRowIndex.removeAll(keepingCapacity: true)
        for (i, t) in batch.targetOutput.enumerated() where t != TransformerConfig.padId {
            ws.outputTargets.append(t)
            ws.outputRowIndex.append(i)
        }
        ws.outputRowCount = ws.outputRowIndex.count
        if ws.outputRowCount == batch.targetOutput.count { return hidden }
        let out = ws.outputHidden.pointer
        ws.outputRowIndex.withUnsafeBufferPointer { index in
            Parallel.forEachChunk(index.count, minChunk: max(1, 8192 / d)) { r in
                for k in r { (out + k * d).update(from: hidden + index[k] * d, count: d) }
            }
        }
        return out
    }

    /// Tied vocabulary projection (logits = hidden·Eᵀ), label-smoothed loss and, with
    /// `gradient` = (dHidden, scale), the gradient of scale·loss: written to dHidden
    /// [outputRowCount, d] and added to the embedding's gradient. Runs `outputBlockRows`
    /// rows at a time so the logits block ([rows, V], a few MB) stays in cache between
    /// the GEMM, the softmax and the two backward GEMMs, and is never stored whole. The
    /// block size is fixed, so the order of every sum is too (deterministic).
    func outputLayer(hidden: UnsafePointer<Float>, smoothing: Float, gradient: (UnsafeMutablePointer<Float>, Float)?) -> CrossEntropyKernels.Result {
        let ws = workspace, d = config.modelDimension, v = config.vocabularySize, rows = ws.outputRowCount
        let block = ws.outputBlockRows(vocabulary: v)
        ws.logits.resize([min(block, rows), v])
        let logits = ws.logits.pointer, table = P + layout.embedding
        var total = CrossEntropyKernels.Result(loss: 0, nll: 0, tokens: 0)
        ws.outputTargets.withUnsafeBufferPointer { targets in
            for start in stride(from: 0, to: rows, by: block) {
                let n = min(block, rows - start)
                let x = hidden + start * d
                Profiler.measure(.outputProjection) {
                    GEMM.multiply(transB: true, m: n, n: v, k: d, a: x, lda: d, b: table, ldb: d, beta: 0, c: logits, ldc: v)
                }
                let r = Profiler.measure(.loss) {
                    if let (_, scale) = gradient {
                        return CrossEntropyKernels.lossAndGradient(logits: logits, targets: targets.baseAddress! + start, rows: n, vocabulary: v,
                                                                   smoothing: smoothing, padIndex: TransformerConfig.padId, gradScale: scale,
                                                                   scratch: ws.lossScratch)
                    }
                    return CrossEntropyKernels.loss(logits: logits, targets: targets.baseAddress! + start, rows: n, vocabulary: v,
                                                    smoothing: smoothing, padIndex: TransformerConfig.padId, scratch: ws.lossScratch)
                }
                total.loss += r.loss; total.nll += r.nll; total.tokens += r.tokens
                if let (dHidden, _) = gradient {
                    Profiler.measure(.outputProjectionBackward) {
                        GEMM.multiply(m: n, n: d, k: v, a: logits, lda: v, b: table, ldb: d, beta: 0, c: dHidden + start * d, ldc: d)
                        GEMM.multiply(transA: true, m: v, n: d, k: n, a: logits, lda: v, b: x, ldb: d, beta: 1, c: G + layout.embedding, ldc: d)
                    }
                }
            }
        }
        return total
    }

    /// Encoder stack over `source` [B, S] (pad mask already in workspace.sourcePad).
    func encode(source: [Int32], batch b: Int, length s: Int, _ ctx: DropoutContext) -> UnsafeMutablePointer<Float> {
        let ws = workspace
        let x0 = ws.encoderEmbedding.pointer
        embed(source, into: x0, batch: b, length: s, mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 0, layer: 0, DropoutSite.embedding)))
        var x = x0
        for (l, a) in ws.encoder.enumerated() {
            let o = layout.encoderLayers[l]
            x = blockForward(a.attentionBlock, input: x, rows: b * s, norm: o.selfAttentionNorm,
                             mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.selfResidual))) { inp, out in
                selfAttentionForward(a.attention, input: inp, out: out, o.selfAttention, batch: b, length: s, keyPad: ws.sourcePad.pointer, causal: false,
                                     mask: ctx.mask(config.attentionDropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.selfProbs)))
            }
            x = blockForward(a.feedForwardBlock, input: x, rows: b * s, norm: o.finalNorm,
                             mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.ffnResidual))) { inp, out in
                feedForwardForward(a.feedForward, input: inp, out: out, o.feedForward, rows: b * s,
                                   mask: ctx.mask(config.reluDropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.reluHidden)))
            }
        }
        if let norm = layout.encoderNorm { x = finalNormForward(ws.encoderFinal, input: x, rows: b * s, norm) }
        return x
    }

    func decoderLayerForward(_ l: Int, _ a: DecoderLayerActivations, input: UnsafeMutablePointer<Float>, memory: UnsafeMutablePointer<Float>,
                             batch b: Int, targetLength t: Int, sourceLength s: Int, _ ctx: DropoutContext) -> UnsafeMutablePointer<Float> {
        let o = layout.decoderLayers[l], ws = workspace, nt = b * t
        var y = blockForward(a.selfBlock, input: input, rows: nt, norm: o.selfAttentionNorm,
                             mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.selfResidual))) { inp, out in
            selfAttentionForward(a.selfAttention, input: inp, out: out, o.selfAttention, batch: b, length: t, keyPad: ws.targetPad.pointer, causal: true,
                                 mask: ctx.mask(config.attentionDropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.selfProbs)))
        }
        y = blockForward(a.crossBlock, input: y, rows: nt, norm: o.crossAttentionNorm,
                         mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.crossResidual))) { inp, out in
            crossAttentionForward(a.crossAttention, input: inp, memory: memory, out: out, o.crossAttention, batch: b, targetLength: t, sourceLength: s,
                                  keyPad: ws.sourcePad.pointer,
                                  mask: ctx.mask(config.attentionDropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.crossProbs)))
        }
        y = blockForward(a.feedForwardBlock, input: y, rows: nt, norm: o.finalNorm,
                         mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.ffnResidual))) { inp, out in
            feedForwardForward(a.feedForward, input: inp, out: out, o.feedForward, rows: nt,
                               mask: ctx.mask(config.reluDropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.reluHidden)))
        }
        return y
    }

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

    func finalNormForward(_ a: FinalNormActivations, input: UnsafeMutablePointer<Float>, rows n: Int, _ norm: LayerNormOffsets) -> UnsafeMutablePointer<Float> {
        a.input = input
        Profiler.measure(.layerNorm) {
            LayerNormKernels.forward(out: a.out.pointer, mean: a.mean.pointer, rstd: a.rstd.pointer, x: input, weight: P + norm.weight, bias: P + norm.bias,
                                     rows: n, columns: config.modelDimension)
        }
        return a.out.pointer
    }

    // MARK: backward

    /// From ∂L/∂(decoder output) in workspace.gradA (written by the output layer) down to
    /// the embeddings.
    func backward(_ batch: Batch, _ ctx: DropoutContext) {
        let ws = workspace, d = config.modelDimension
        let b = batch.size, s = batch.sourceLength, t = batch.targetLength, ns = b * s, nt = b * t
        var g = ws.gradA.pointer, other = ws.gradB.pointer
        if let norm = layout.decoderNorm { finalNormBackward(ws.decoderFinal, dOut: g, dInput: other, rows: nt, norm); swap(&g, &other) }
        let dMemory = ws.gradMemory.pointer
        Profiler.measure(.other) { Elementwise.zero(dMemory, ns * d) }
        for l in stride(from: config.decoderLayers - 1, through: 0, by: -1) {
            let a = ws.decoder[l], o = layout.decoderLayers[l]
            var r = blockBackward(a.feedForwardBlock, dOut: g, other: other, rows: nt, norm: o.finalNorm,
                                  mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.ffnResidual))) { dF, dIn, acc in
                feedForwardBackward(a.feedForward, dOut: dF, dInput: dIn, accumulate: acc, o.feedForward, rows: nt,
                                    mask: ctx.mask(config.reluDropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.reluHidden)))
            }
            if r != g { swap(&g, &other) }
            r = blockBackward(a.crossBlock, dOut: g, other: other, rows: nt, norm: o.crossAttentionNorm,
                              mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.crossResidual))) { dF, dIn, acc in
                crossAttentionBackward(a.crossAttention, dOut: dF, dInput: dIn, accumulate: acc, dMemory: dMemory, o.crossAttention,
                                       batch: b, targetLength: t, sourceLength: s, keyPad: ws.sourcePad.pointer,
                                       mask: ctx.mask(config.attentionDropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.crossProbs)))
            }
            if r != g { swap(&g, &other) }
            r = blockBackward(a.selfBlock, dOut: g, other: other, rows: nt, norm: o.selfAttentionNorm,
                              mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.selfResidual))) { dF, dIn, acc in
                selfAttentionBackward(a.selfAttention, dOut: dF, dInput: dIn, accumulate: acc, o.selfAttention, batch: b, length: t,
                                      keyPad: ws.targetPad.pointer, causal: true,
                                      mask: ctx.mask(config.attentionDropout, site: DropoutSite.id(stack: 1, layer: l, DropoutSite.selfProbs)))
            }
            if r != g { swap(&g, &other) }
        }
        embedBackward(batch.targetInput, dOut: g, count: nt,
                      mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 1, layer: 0, DropoutSite.embedding)))
        // encoder
        g = ws.gradA.pointer; other = ws.gradB.pointer
        Profiler.measure(.other) { Elementwise.copy(g, dMemory, ns * d) }
        if let norm = layout.encoderNorm { finalNormBackward(ws.encoderFinal, dOut: g, dInput: other, rows: ns, norm); swap(&g, &other) }
        for l in stride(from: config.encoderLayers - 1, through: 0, by: -1) {
            let a = ws.encoder[l], o = layout.encoderLayers[l]
            var r = blockBackward(a.feedForwardBlock, dOut: g, other: other, rows: ns, norm: o.finalNorm,
                                  mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.ffnResidual))) { dF, dIn, acc in
                feedForwardBackward(a.feedForward, dOut: dF, dInput: dIn, accumulate: acc, o.feedForward, rows: ns,
                                    mask: ctx.mask(config.reluDropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.reluHidden)))
            }
            if r != g { swap(&g, &other) }
            r = blockBackward(a.attentionBlock, dOut: g, other: other, rows: ns, norm: o.selfAttentionNorm,
                              mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.selfResidual))) { dF, dIn, acc in
                selfAttentionBackward(a.attention, dOut: dF, dInput: dIn, accumulate: acc, o.selfAttention, batch: b, length: s,
                                      keyPad: ws.sourcePad.pointer, causal: false,
                                      mask: ctx.mask(config.attentionDropout, site: DropoutSite.id(stack: 0, layer: l, DropoutSite.selfProbs)))
            }
            if r != g { swap(&g, &other) }
        }
        embedBackward(batch.source, dOut: g, count: ns,
                      mask: ctx.mask(config.dropout, site: DropoutSite.id(stack: 0, layer: 0, DropoutSite.embedding)))
    }

    func finalNormBackward(_ a: FinalNormActivations, dOut: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>, rows n: Int, _ norm: LayerNormOffsets) {
        Profiler.measure(.layerNormBackward) {
            LayerNormKernels.backward(dx: dInput, dweight: G + norm.weight, dbias: G + norm.bias, dout: dOut, x: a.input!, weight: P + norm.weight,
                                      mean: a.mean.pointer, rstd: a.rstd.pointer, rows: n, columns: config.modelDimension,
                                      accumulate: false, scratch: workspace.normScratch)
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
}
