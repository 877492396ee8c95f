// Training-facing API: forward to the logits, label-smoothed loss, backward.
//
//   model.zeroGradients()
//   let r = try model.forwardBackward(batch, labelSmoothing: 0.1, dropoutSeed: seed)
//   // r.loss, r.nll: sums over the r.tokens non-pad target tokens; gradients of r.loss were
//   // ADDED to model.gradients (accumulate over batches, then let the optimizer divide by
//   // the total token count).
//   let eval = try model.loss(batch)   // no dropout, no gradients
//
// The passes themselves are in EncoderDecoderPasses.swift; they run on the batch's real
// tokens only (BatchPacking). The workspace is sized by the largest batch seen and reused
// afterwards.
import Tensor
import Parallelism

extension TransformerModel {
    /// Forward + backward. Adds ∂loss/∂θ into `gradients`.
    /// Dropout masks depend only on `dropoutSeed`, so a step is reproducible.
    @discardableResult
    public func forwardBackward(_ batch: Batch, labelSmoothing: Float = 0.1, dropoutSeed: UInt64 = 0) throws -> LossSums {
        try check(batch, labelSmoothing: labelSmoothing)
        let dropout = StepDropout(config: config, training: true, seed: dropoutSeed)
        let packing = BatchPacking(batch)
        workspace.reserve(config: config, packing, training: true)
        let decoderOut = forward(packing, dropout)
        let ws = workspace, nt = packing.target.tokens, d = config.modelDimension
        let rows = gatherOutputRows(batch, packing.target, hidden: decoderOut)
        let compact = ws.outputRowCount != nt
        let dHidden = ws.gradA.pointer
        if compact { ws.gradOutputHidden.resize([ws.outputRowCount, d]) }
        let dRows = compact ? ws.gradOutputHidden.pointer : dHidden
        let r = outputLayer(hidden: rows, smoothing: labelSmoothing, gradient: dRows)
        if compact {
            // scatter back; rows without a target get zero gradient
            Profiler.measure(.outputProjectionBackward) {
                Elementwise.zero(dHidden, nt * d)
                ws.outputRowIndex.withUnsafeBufferPointer { index in
                    Parallel.forEachChunk(index.count, minChunk: max(1, 8192 / d)) { r in
                        for k in r { (dHidden + index[k] * d).update(from: dRows + k * d, count: d) }
                    }
                }
            }
        }
        backward(packing, dropout)
        return r
    }

    /// Evaluation loss (no dropout, gradients untouched).
    public func loss(_ batch: Batch, labelSmoothing: Float = 0.1) throws -> LossSums {
        try check(batch, labelSmoothing: labelSmoothing)
        let packing = BatchPacking(batch)
        workspace.reserve(config: config, packing, training: false)
        let rows = gatherOutputRows(batch, packing.target, hidden: forward(packing, .inactive(config)))
        return outputLayer(hidden: rows, smoothing: labelSmoothing, gradient: nil)
    }

    /// Logits [B·T, V] of a full (teacher-forced) forward pass without dropout; the rows of
    /// pad positions (never computed) are zero.
    public func logits(_ batch: Batch) throws -> [Float] {
        try check(batch, labelSmoothing: 0)
        let packing = BatchPacking(batch)
        workspace.reserve(config: config, packing, training: false)
        let y = forward(packing, .inactive(config))
        let nt = packing.target.tokens, v = config.vocabularySize, d = config.modelDimension
        var packed = [Float](repeating: 0, count: nt * v)
        packed.withUnsafeMutableBufferPointer {
            GEMM.multiply(transB: true, m: nt, n: v, k: d, a: y, lda: d, b: P + layout.embedding, ldb: d, beta: 0, c: $0.baseAddress!, ldc: v)
        }
        var out = [Float](repeating: 0, count: batch.size * batch.targetLength * v)
        packed.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { packing.target.scatter(p.baseAddress!, columns: v, into: $0.baseAddress!) } }
        return out
    }

    func check(_ batch: Batch, labelSmoothing: Float) throws {
        try batch.validate(vocabularySize: config.vocabularySize, maxPositions: config.maxPositions)
        if !(labelSmoothing >= 0 && labelSmoothing < 1) {
            throw TransformerError.invalidBatch("label smoothing must be in [0, 1), got \(labelSmoothing)")
        }
    }

    /// Keeps the (packed) decoder rows whose target is not the pad: in a batch built by
    /// `Batch(pairs:)` that is every row; a hand-made batch may leave a position out of the
    /// loss by a pad target. Fills outputTargets/outputRowIndex/outputRowCount; returns
    /// `hidden` itself when every row is kept, else the kept rows copied into
    /// workspace.outputHidden.
    func gatherOutputRows(_ batch: Batch, _ target: SequencePacking, hidden: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let ws = workspace, d = config.modelDimension
        ws.outputTargets.removeAll(keepingCapacity: true)
        ws.outputRowIndex.removeAll(keepingCapacity: true)
        for k in 0..<target.tokens {
            let t = batch.targetOutput[Int(target.paddedRow[k])]
            if t == TransformerConfig.padId { continue }
            ws.outputTargets.append(t)
            ws.outputRowIndex.append(k)
        }
        ws.outputRowCount = ws.outputRowIndex.count
        if ws.outputRowCount == target.tokens { return hidden }
        ws.outputHidden.resize([ws.outputRowCount, d])  // only batches that leave rows out need the copy
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
