// Training-facing API: forward to the logits, label-smoothed loss, backward.
//
//   model.zeroGradients()
//   let r = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: seed)
//   // r.loss, r.nll: sums over the r.tokens non-pad target tokens; gradients of r.loss were
//   // ADDED to model.gradients (accumulate over batches, then let the optimizer divide by
//   // the total token count).
//   let eval = try model.loss(batch)   // no dropout, no gradients
//
// The passes themselves are in EncoderDecoderPasses.swift. The workspace is sized by the
// largest (B, S, T) seen and reused afterwards.
import Tensor
import Parallelism

extension TransformerModel {
    /// Forward + backward. Adds ∂loss/∂θ into `gradients`.
    /// Dropout masks depend only on `dropoutSeed`, so a step is reproducible.
    @discardableResult
    public func forwardBackward(_ batch: Batch, labelSmoothing: Float = 0.1, dropoutSeed: UInt64 = 0) throws -> LossSums {
        try check(batch, labelSmoothing: labelSmoothing)
        let dropout = StepDropout(config: config, training: true, seed: dropoutSeed)
        workspace.reserve(config: config, batch: batch.size, source: batch.sourceLength, target: batch.targetLength, training: true)
        let decoderOut = forward(batch, dropout)
        let ws = workspace, nt = batch.size * batch.targetLength, d = config.modelDimension
        let rows = gatherOutputRows(batch, hidden: decoderOut)
        let compact = ws.outputRowCount != nt
        let dHidden = ws.gradA.pointer
        let dRows = compact ? ws.gradOutputHidden.pointer : dHidden
        let r = outputLayer(hidden: rows, smoothing: labelSmoothing, gradient: dRows)
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
        backward(batch, dropout)
        return r
    }

    /// Evaluation loss (no dropout, gradients untouched).
    public func loss(_ batch: Batch, labelSmoothing: Float = 0.1) throws -> LossSums {
        try check(batch, labelSmoothing: labelSmoothing)
        workspace.reserve(config: config, batch: batch.size, source: batch.sourceLength, target: batch.targetLength, training: false)
        let rows = gatherOutputRows(batch, hidden: forward(batch, .inactive(config)))
        return outputLayer(hidden: rows, smoothing: labelSmoothing, gradient: nil)
    }

    /// Logits [B·T, V] of a full (teacher-forced) forward pass without dropout.
    public func logits(_ batch: Batch) throws -> [Float] {
        try check(batch, labelSmoothing: 0)
        workspace.reserve(config: config, batch: batch.size, source: batch.sourceLength, target: batch.targetLength, training: false)
        let y = forward(batch, .inactive(config))
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
    /// `gradient` = dHidden, the gradient of the loss: written to dHidden
    /// [outputRowCount, d] and added to the embedding's gradient. Runs `outputBlockRows`
    /// rows at a time so the logits block ([rows, V], a few MB) stays in cache between
    /// the GEMM, the softmax and the two backward GEMMs, and is never stored whole. The
    /// block size is fixed, so the order of every sum is too (deterministic).
    func outputLayer(hidden: UnsafePointer<Float>, smoothing: Float, gradient dHidden: UnsafeMutablePointer<Float>?) -> LossSums {
        let ws = workspace, d = config.modelDimension, v = config.vocabularySize, rows = ws.outputRowCount
        let block = ws.outputBlockRows(vocabulary: v)
        ws.logits.resize([min(block, rows), v])
        let logits = ws.logits.pointer, table = P + layout.embedding
        var total = LossSums()
        ws.outputTargets.withUnsafeBufferPointer { targets in
            for start in stride(from: 0, to: rows, by: block) {
                let n = min(block, rows - start)
                let x = hidden + start * d
                Profiler.measure(.outputProjection) {
                    GEMM.multiply(transB: true, m: n, n: v, k: d, a: x, lda: d, b: table, ldb: d, beta: 0, c: logits, ldc: v)
                }
                let r = Profiler.measure(.loss) {
                    if dHidden != nil {
                        return CrossEntropyKernels.lossAndGradient(logits: logits, targets: targets.baseAddress! + start, rows: n, vocabulary: v,
                                                                   smoothing: smoothing, padIndex: TransformerConfig.padId, gradScale: 1,
                                                                   scratch: ws.lossScratch)
                    }
                    return CrossEntropyKernels.loss(logits: logits, targets: targets.baseAddress! + start, rows: n, vocabulary: v,
                                                    smoothing: smoothing, padIndex: TransformerConfig.padId, scratch: ws.lossScratch)
                }
                total += r
                if let dHidden {
                    Profiler.measure(.outputProjectionBackward) {
                        GEMM.multiply(m: n, n: d, k: v, a: logits, lda: v, b: table, ldb: d, beta: 0, c: dHidden + start * d, ldc: d)
                        GEMM.multiply(transA: true, m: v, n: d, k: n, a: logits, lda: v, b: x, ldb: d, beta: 1, c: G + layout.embedding, ldc: d)
                    }
                }
            }
        }
        return total
    }
}
