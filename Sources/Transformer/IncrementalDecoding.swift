// Incremental decoding: the decoder runs one position at a time for a batch of B rows
// (hypotheses), with cached self-attention keys/values and cross-attention keys/values
// computed once per sentence. Dropout is off.
//
//   let state = try model.startDecoding(source: ids, batchSize: B, sourceLength: S, maxLength: 200)
//   var logits = try model.decodeStep(state, tokens: [Int32](repeating: 1, count: B))  // [B, V], position 0
//   try state.reorder([0, 0, 1, ...])   // beam search: row i ← old row indices[i] (may change B)
//   logits = try model.decodeStep(state, tokens: next)                                // position 1 ...
//
// Cache shapes (per decoder layer): self keys/values [B, maxLength, d] (positions 0..<step
// filled), cross k|v [B, S, 2d]; source padding mask [B, S].
import Tensor

public final class DecoderState {
    public private(set) var batchSize: Int
    public let sourceLength: Int
    public let maxLength: Int
    /// Positions decoded so far (the next token goes to position `step`).
    public private(set) var step = 0
    let d: Int
    var selfKeys: [Tensor], selfValues: [Tensor], crossKeyValues: [Tensor]
    var spareKeys: [Tensor], spareValues: [Tensor], spareCross: [Tensor]
    var sourcePad: [UInt8]
    // one-step scratch
    let selfBlock = ResidualBlockActivations(), crossBlock = ResidualBlockActivations(), feedForwardBlock = ResidualBlockActivations()
    let attention = AttentionActivations(), feedForward = FeedForwardActivations(), finalNorm = FinalNormActivations()
    let input = Tensor(), logits = Tensor()

    init(layers: Int, batchSize: Int, sourceLength: Int, maxLength: Int, d: Int, sourcePad: [UInt8]) {
        self.batchSize = batchSize
        self.sourceLength = sourceLength
        self.maxLength = maxLength
        self.d = d
        self.sourcePad = sourcePad
        selfKeys = (0..<layers).map { _ in Tensor(shape: [batchSize, maxLength, d]) }
        selfValues = (0..<layers).map { _ in Tensor(shape: [batchSize, maxLength, d]) }
        crossKeyValues = (0..<layers).map { _ in Tensor(shape: [batchSize, sourceLength, 2 * d]) }
        spareKeys = (0..<layers).map { _ in Tensor() }
        spareValues = (0..<layers).map { _ in Tensor() }
        spareCross = (0..<layers).map { _ in Tensor() }
    }

    /// Row i of the new state is row indices[i] of the old one (select and/or duplicate
    /// hypotheses). The batch size becomes indices.count.
    public func reorder(_ indices: [Int]) throws {
        guard !indices.isEmpty else { throw TransformerError.decoding("reorder needs at least one index") }
        for (i, r) in indices.enumerated() where r < 0 || r >= batchSize {
            throw TransformerError.decoding("reorder index \(r) at position \(i) is outside 0..<\(batchSize)")
        }
        let nb = indices.count, s = sourceLength, filled = step * d
        func gather(_ src: Tensor, _ dst: Tensor, rowLength: Int, copy: Int) {
            dst.resize([nb, rowLength])
            for (i, r) in indices.enumerated() {
                (dst.pointer + i * rowLength).update(from: src.pointer + r * rowLength, count: copy)
            }
        }
        for l in 0..<selfKeys.count {
            gather(selfKeys[l], spareKeys[l], rowLength: maxLength * d, copy: filled)
            gather(selfValues[l], spareValues[l], rowLength: maxLength * d, copy: filled)
            gather(crossKeyValues[l], spareCross[l], rowLength: s * 2 * d, copy: s * 2 * d)
            swap(&selfKeys[l], &spareKeys[l])
            swap(&selfValues[l], &spareValues[l])
            swap(&crossKeyValues[l], &spareCross[l])
        }
        var pad = [UInt8](repeating: 0, count: nb * s)
        for (i, r) in indices.enumerated() { for j in 0..<s { pad[i * s + j] = sourcePad[r * s + j] } }
        sourcePad = pad
        batchSize = nb
    }

    func advance() { step += 1 }
}

extension TransformerModel {
    /// Encodes `source` [B, S] (pad 0) and precomputes every layer's cross-attention k|v.
    public func startDecoding(source: [Int32], batchSize b: Int, sourceLength s: Int, maxLength: Int) throws -> DecoderState {
        guard b > 0, s > 0, source.count == b * s else {
            throw TransformerError.invalidBatch("source has \(source.count) ids, expected B×S = \(b)×\(s) (both positive)")
        }
        guard maxLength > 0, maxLength <= config.maxPositions, s <= config.maxPositions else {
            throw TransformerError.decoding("maxLength \(maxLength) and source length \(s) must be in 1...\(config.maxPositions) (maxPositions)")
        }
        for (i, id) in source.enumerated() where id < 0 || Int(id) >= config.vocabularySize {
            throw TransformerError.tokenOutOfRange(tensor: "source", row: i / s, position: i % s, id: id, vocabularySize: config.vocabularySize)
        }
        let ws = workspace, d = config.modelDimension
        ws.reserve(config: config, batch: b, source: s, target: 1, training: false)
        Self.fillPadMask(ws.sourcePad.pointer, source)
        let enc = encode(source: source, batch: b, length: s, DropoutContext(training: false, seed: 0, step: 0))
        let state = DecoderState(layers: config.decoderLayers, batchSize: b, sourceLength: s, maxLength: maxLength, d: d,
                                 sourcePad: Array(UnsafeBufferPointer(start: ws.sourcePad.pointer, count: b * s)))
        for (l, o) in layout.decoderLayers.enumerated() {
            let a = o.crossAttention
            Linear.forward(state.crossKeyValues[l].pointer, enc, weight: P + a.qkvWeight + d * d, bias: P + a.qkvBias + d,
                           rows: b * s, inputs: d, outputs: 2 * d)
        }
        return state
    }

    /// Feeds `tokens` [B] at position `state.step` and returns the logits [B, V] for the next
    /// token (row-major). The first call gets <s> (id 1) for every row.
    public func decodeStep(_ state: DecoderState, tokens: [Int32]) throws -> [Float] {
        let b = state.batchSize, d = config.modelDimension, v = config.vocabularySize, t = state.step
        guard tokens.count == b else { throw TransformerError.decoding("got \(tokens.count) tokens for a batch of \(b) rows") }
        guard t < state.maxLength else { throw TransformerError.decoding("already decoded maxLength = \(state.maxLength) positions") }
        for (i, id) in tokens.enumerated() where id < 0 || Int(id) >= v {
            throw TransformerError.tokenOutOfRange(tensor: "tokens", row: i, position: t, id: id, vocabularySize: v)
        }
        let noDropout = DropoutMask(probability: 0, seed: 0, step: 0, site: 0)
        for blk in [state.selfBlock, state.crossBlock, state.feedForwardBlock] { blk.reserve(rows: b, d: d) }
        state.attention.projection.resize([b, 3 * d])
        state.attention.context.resize([b, d])
        state.attention.probs.resize([b, config.heads, max(t + 1, state.sourceLength)])
        state.feedForward.hidden.resize([b, config.ffnDimension])
        state.input.resize([b, d])
        state.logits.resize([b, v])
        // embedding at position t (fairseq position t + 1; pad tokens give zeros)
        let x = state.input.pointer, table = P + layout.embedding
        positions.withUnsafeBufferPointer { pos in
            for (i, id) in tokens.enumerated() {
                let o = x + i * d
                if id == TransformerConfig.padId { o.update(repeating: 0, count: d); continue }
                let e = table + Int(id) * d, p = pos.baseAddress! + (t + 1) * d
                for j in 0..<d { o[j] = embedScale * e[j] + p[j] }
            }
        }
        var y = x
        let a = state.attention
        for (l, o) in layout.decoderLayers.enumerated() {
            y = blockForward(state.selfBlock, input: y, rows: b, norm: o.selfAttentionNorm, mask: noDropout) { inp, out in
                let qkv = a.projection.pointer
                Linear.forward(qkv, inp, weight: P + o.selfAttention.qkvWeight, bias: P + o.selfAttention.qkvBias, rows: b, inputs: d, outputs: 3 * d)
                let keys = state.selfKeys[l].pointer, values = state.selfValues[l].pointer
                for r in 0..<b {
                    (keys + (r * state.maxLength + t) * d).update(from: qkv + r * 3 * d + d, count: d)
                    (values + (r * state.maxLength + t) * d).update(from: qkv + r * 3 * d + 2 * d, count: d)
                }
                let g = AttentionGeometry(batch: b, heads: config.heads, headDim: config.headDimension, queries: 1, keys: t + 1,
                                          causal: false, keyPad: nil, keyPadStride: 0)
                Attention.forward(g, q: HeadView(base: qkv, rowStride: 3 * d, batchStride: 3 * d),
                                  k: HeadView(base: keys, rowStride: d, batchStride: state.maxLength * d),
                                  v: HeadView(base: values, rowStride: d, batchStride: state.maxLength * d),
                                  ctx: HeadView(base: a.context.pointer, rowStride: d, batchStride: d),
                                  probs: a.probs.pointer, probsDropped: a.probs.pointer, dropout: noDropout)
                Linear.forward(out, a.context.pointer, weight: P + o.selfAttention.outWeight, bias: P + o.selfAttention.outBias, rows: b, inputs: d, outputs: d)
            }
            y = blockForward(state.crossBlock, input: y, rows: b, norm: o.crossAttentionNorm, mask: noDropout) { inp, out in
                let q = a.projection.pointer, kv = state.crossKeyValues[l].pointer, s = state.sourceLength
                Linear.forward(q, inp, weight: P + o.crossAttention.qkvWeight, bias: P + o.crossAttention.qkvBias, rows: b, inputs: d, outputs: d)
                state.sourcePad.withUnsafeBufferPointer { pad in
                    let g = AttentionGeometry(batch: b, heads: config.heads, headDim: config.headDimension, queries: 1, keys: s,
                                              causal: false, keyPad: pad.baseAddress!, keyPadStride: s)
                    Attention.forward(g, q: HeadView(base: q, rowStride: d, batchStride: d),
                                      k: HeadView(base: kv, rowStride: 2 * d, batchStride: s * 2 * d),
                                      v: HeadView(base: kv + d, rowStride: 2 * d, batchStride: s * 2 * d),
                                      ctx: HeadView(base: a.context.pointer, rowStride: d, batchStride: d),
                                      probs: a.probs.pointer, probsDropped: a.probs.pointer, dropout: noDropout)
                }
                Linear.forward(out, a.context.pointer, weight: P + o.crossAttention.outWeight, bias: P + o.crossAttention.outBias, rows: b, inputs: d, outputs: d)
            }
            y = blockForward(state.feedForwardBlock, input: y, rows: b, norm: o.finalNorm, mask: noDropout) { inp, out in
                feedForwardForward(state.feedForward, input: inp, out: out, o.feedForward, rows: b, mask: noDropout)
            }
        }
        if let norm = layout.decoderNorm {
            state.finalNorm.reserve(rows: b, d: d)
            y = finalNormForward(state.finalNorm, input: y, rows: b, norm)
        }
        GEMM.multiply(transB: true, m: b, n: v, k: d, a: y, lda: d, b: table, ldb: d, beta: 0, c: state.logits.pointer, ldc: v)
        state.advance()
        return Array(UnsafeBufferPointer(start: state.logits.pointer, count: b * v))
    }
}
