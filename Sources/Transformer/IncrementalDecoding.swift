// Incremental decoding: the decoder runs one position at a time for a batch of B rows
// (hypotheses), with cached self-attention keys/values and cross-attention keys/values
// computed once per sentence. Dropout is off.
//
//   let state = try model.startDecoding(source: ids, batchSize: B, sourceLength: S, maxLength: 200)
//   var logits = try model.decodeStep(state, tokens: [Int32](repeating: 1, count: B))  // [B, V], position 0
//   try state.reorder([0, 0, 1, ...])   // beam search: row i ← old row indices[i] (may change B)
//   logits = try model.decodeStep(state, tokens: next)                                // position 1 ...
//
// Caches live in slots so search can drop, keep and fork hypotheses without moving them:
//   self keys/values, per decoder layer: [slots, maxLength, d] (positions 0..<step filled);
//     row r uses slot selfSlots[r]. A reorder keeps a row's slot when it is the first heir of
//     its parent and copies the filled prefix only for further heirs (a beam forking), so
//     greedy search and dropped sentences never copy.
//   cross k|v, per decoder layer: [sources, S, 2d], computed once per sentence; row r reads
//     source crossSlots[r], so the beams of a sentence share one copy; source pad [sources, S].
import Tensor
import Parallelism

public final class DecoderState {
    public private(set) var batchSize: Int
    public let sourceLength: Int
    public let maxLength: Int
    /// Positions decoded so far (the next token goes to position `step`).
    public private(set) var step = 0
    let d: Int
    var selfKeys: [Tensor], selfValues: [Tensor]
    private(set) var selfSlots: [Int]
    private(set) var slotCapacity: Int
    let crossKeyValues: [Tensor]
    private(set) var crossSlots: [Int]
    let sourcePad: [UInt8]
    // one-step scratch
    let selfBlock = ResidualBlockActivations(), crossBlock = ResidualBlockActivations(), feedForwardBlock = ResidualBlockActivations()
    let attention = AttentionActivations(), feedForward = FeedForwardActivations(), finalNorm = FinalNormActivations()
    let input = Tensor()
    /// With a restricted output vocabulary (`TransformerModel.restrictOutput`): its ids,
    /// ascending, and their embedding rows; logits then have one column per id.
    public private(set) var outputIDs: [Int32]?
    let outputTable = Tensor()
    /// Int8 decoding (`startDecoding(…, int8:)`): the quantized matrices, the quantized
    /// activations' scratch, and the restricted output table's quantized rows.
    let int8: Int8DecoderWeights?
    let int8Scratch = Int8GEMM.Scratch()
    private(set) var int8OutputTable: Int8Matrix?
    /// Keeps `ids` and their rows of the embedding `table` [V, d].
    func restrict(to ids: [Int32], embedding table: UnsafePointer<Float>) {
        outputTable.resize([ids.count, d])
        for (j, id) in ids.enumerated() { (outputTable.pointer + j * d).update(from: table + Int(id) * d, count: d) }
        outputIDs = ids
        // The rows are quantized from the float table exactly as the full table's rows are (a scale per row).
        if int8 != nil { int8OutputTable = Int8Matrix(weight: outputTable.pointer, outputs: ids.count, inputs: d) }
    }

    init(layers: Int, batchSize: Int, sourceLength: Int, maxLength: Int, d: Int, sourcePad: [UInt8], int8: Int8DecoderWeights?) {
        self.int8 = int8
        self.batchSize = batchSize
        self.sourceLength = sourceLength
        self.maxLength = maxLength
        self.d = d
        self.sourcePad = sourcePad
        slotCapacity = batchSize
        selfSlots = Array(0..<batchSize)
        crossSlots = Array(0..<batchSize)
        // Uninitialised (no pages touched): only filled positions are ever read.
        func cache(_ shape: [Int]) -> Tensor { let t = Tensor(); t.resize(shape); return t }
        selfKeys = (0..<layers).map { _ in cache([batchSize, maxLength, d]) }
        selfValues = (0..<layers).map { _ in cache([batchSize, maxLength, d]) }
        crossKeyValues = (0..<layers).map { _ in cache([batchSize, sourceLength, 2 * d]) }
    }

    /// Row i of the new state is row indices[i] of the old one (select and/or duplicate
    /// hypotheses). The batch size becomes indices.count.
    public func reorder(_ indices: [Int]) throws {
        guard !indices.isEmpty else { throw TransformerError.decoding("reorder needs at least one index") }
        for (i, r) in indices.enumerated() where r < 0 || r >= batchSize {
            throw TransformerError.decoding("reorder index \(r) at position \(i) is outside 0..<\(batchSize)")
        }
        if indices.count > slotCapacity { growSlots(to: indices.count) }
        // First heirs keep their parent's slot; the others take free slots and copy the prefix.
        var claimed = [Bool](repeating: false, count: slotCapacity)
        var newSlots = [Int](repeating: -1, count: indices.count)
        for (i, r) in indices.enumerated() where !claimed[selfSlots[r]] {
            claimed[selfSlots[r]] = true
            newSlots[i] = selfSlots[r]
        }
        var free = (0..<slotCapacity).filter { !claimed[$0] }.makeIterator()
        var copies: [(from: Int, to: Int)] = []
        for i in newSlots.indices where newSlots[i] < 0 {
            let slot = free.next()!   // indices.count ≤ slotCapacity slots, one per new row
            newSlots[i] = slot
            copies.append((selfSlots[indices[i]], slot))
        }
        copyPrefixes(copies)
        crossSlots = indices.map { crossSlots[$0] }
        selfSlots = newSlots
        batchSize = indices.count
    }

    /// Copies the filled positions of slot `from` to slot `to` in every layer's self cache.
    private func copyPrefixes(_ copies: [(from: Int, to: Int)]) {
        guard step > 0, !copies.isEmpty else { return }
        let slotLength = maxLength * d, filled = step * d
        let caches = selfKeys + selfValues
        Parallel.forEachChunk(copies.count * caches.count, minChunk: max(1, 65_536 / filled)) { range in
            for job in range {
                let (from, to) = copies[job / caches.count], cache = caches[job % caches.count]
                (cache.pointer + to * slotLength).update(from: cache.pointer + from * slotLength, count: filled)
            }
        }
    }

    /// More slots (beam expansion): new tensors, filled prefixes of the existing slots copied.
    private func growSlots(to capacity: Int) {
        let slotLength = maxLength * d, filled = step * d
        func grown(_ old: Tensor) -> Tensor {
            let t = Tensor()
            t.resize([capacity, maxLength, d])
            if filled > 0 {
                for s in 0..<slotCapacity { (t.pointer + s * slotLength).update(from: old.pointer + s * slotLength, count: filled) }
            }
            return t
        }
        selfKeys = selfKeys.map(grown)
        selfValues = selfValues.map(grown)
        slotCapacity = capacity
    }

    func advance() { step += 1 }
}

extension TransformerModel {
    /// Encodes `source` [B, S] (pad 0) and precomputes every layer's cross-attention k|v.
    /// With `int8` (built from this model), every step's matrix products run on int8 weights.
    public func startDecoding(source: [Int32], batchSize b: Int, sourceLength s: Int, maxLength: Int,
                              int8: Int8DecoderWeights? = nil) throws -> DecoderState {
        guard b > 0, s > 0, source.count == b * s else {
            throw TransformerError.invalidBatch("source has \(source.count) ids, expected B×S = \(b)×\(s) (both positive)")
        }
        guard maxLength > 0, maxLength <= config.maxPositions, s <= config.maxPositions else {
            throw TransformerError.decoding("maxLength \(maxLength) and source length \(s) must be in 1...\(config.maxPositions) (maxPositions)")
        }
        for (i, id) in source.enumerated() where id < 0 || Int(id) >= config.vocabularySize {
            throw TransformerError.tokenOutOfRange(tensor: "source", row: i / s, position: i % s, id: id, vocabularySize: config.vocabularySize)
        }
        try SequencePacking.checkRightPadded(source, rows: b, length: s, name: "source")
        let ws = workspace, d = config.modelDimension
        let packed = SequencePacking(ids: source, sentences: b, length: s)
        ws.reserve(config: config, sourceTokens: packed.tokens, targetTokens: 1, encoderScores: packed.scoreCount(heads: config.heads, keys: packed),
                   decoderScores: 0, crossScores: 0, training: false)
        let enc = encode(packed, .inactive(config))
        let state = DecoderState(layers: config.decoderLayers, batchSize: b, sourceLength: s, maxLength: maxLength, d: d,
                                 sourcePad: source.map { $0 == TransformerConfig.padId ? UInt8(1) : 0 }, int8: int8)
        // k|v of the packed encoder rows, then into the cache's padded [B, S, 2d] layout
        // (pad keys stay zero; the cache's pad mask hides them).
        let kv = ws.crossAttentionScratch(rows: packed.tokens, columns: 2 * d)
        for (l, o) in layout.decoderLayers.enumerated() {
            let a = o.crossAttention
            Linear.forward(kv, enc, weight: P + a.qkvWeight + d * d, bias: P + a.qkvBias + d, rows: packed.tokens, inputs: d, outputs: 2 * d)
            packed.scatter(kv, columns: 2 * d, into: state.crossKeyValues[l].pointer)
        }
        return state
    }

    /// Feeds `tokens` [B] at position `state.step` and returns the logits [B, V] for the next
    /// token (row-major). The first call gets <s> (id 1) for every row.
    public func decodeStep(_ state: DecoderState, tokens: [Int32]) throws -> [Float] {
        var logits: [Float] = []
        try decodeStep(state, tokens: tokens, logits: &logits)
        return logits
    }

    /// Scores only `ids` (ascending, in range) from now on: every later step's logits are
    /// [B, ids.count], column j for token ids[j] (a lexical shortlist's output vocabulary).
    public func restrictOutput(_ state: DecoderState, to ids: [Int32]) throws {
        guard !ids.isEmpty, zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }),
              ids.allSatisfy({ $0 >= 0 && Int($0) < config.vocabularySize }) else {
            throw TransformerError.decoding("an output vocabulary must be ascending ids in 0..<\(config.vocabularySize)")
        }
        state.restrict(to: ids, embedding: P + layout.embedding)
    }

    /// As `decodeStep(_:tokens:)`, writing the logits [B, V] (or [B, V'] after
    /// `restrictOutput`) into `logits` (resized as needed, so a search loop reuses one buffer).
    public func decodeStep(_ state: DecoderState, tokens: [Int32], logits: inout [Float]) throws {
        let b = state.batchSize, d = config.modelDimension, t = state.step
        let vocabulary = config.vocabularySize, v = state.outputIDs?.count ?? vocabulary
        let heads = config.heads, dh = config.headDimension
        guard tokens.count == b else { throw TransformerError.decoding("got \(tokens.count) tokens for a batch of \(b) rows") }
        guard t < state.maxLength else { throw TransformerError.decoding("already decoded maxLength = \(state.maxLength) positions") }
        for (i, id) in tokens.enumerated() where id < 0 || Int(id) >= vocabulary {
            throw TransformerError.tokenOutOfRange(tensor: "tokens", row: i, position: t, id: id, vocabularySize: vocabulary)
        }
        let noDropout = StepDropout.none
        for blk in [state.selfBlock, state.crossBlock, state.feedForwardBlock] { blk.reserve(rows: b, d: d) }
        state.attention.projection.resize([b, 3 * d])
        state.attention.context.resize([b, d])
        state.feedForward.hidden.resize([b, config.ffnDimension])
        state.input.resize([b, d])
        // Beams can outnumber the B·S rows startDecoding reserved (short sources, wide beams).
        if workspace.sublayerOut.count < b * d { workspace.sublayerOut.resize([b, d]) }
        // Shrinking keeps the capacity, so a search whose batch shrinks never reallocates.
        if logits.count > b * v { logits.removeLast(logits.count - b * v) }
        if logits.count < b * v { logits.append(contentsOf: repeatElement(0, count: b * v - logits.count)) }
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
        state.selfSlots.withUnsafeBufferPointer { selfSlots in
        state.crossSlots.withUnsafeBufferPointer { crossSlots in
        state.sourcePad.withUnsafeBufferPointer { pad in
            for (l, o) in layout.decoderLayers.enumerated() {
                let q8 = state.int8?.layers[l]
                // y = x·Wᵀ + b over the layer's float weights, or its int8 copy when decoding in int8.
                func project(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ quantized: Int8Matrix?, _ weight: Int, _ bias: Int,
                             outputs: Int) {
                    if let quantized { Int8GEMM.linear(y, x, rows: b, quantized, scratch: state.int8Scratch) }
                    else { Linear.forward(y, x, weight: P + weight, bias: P + bias, rows: b, inputs: d, outputs: outputs) }
                }
                y = blockForward(state.selfBlock, input: y, rows: b, norm: o.selfAttentionNorm, mask: noDropout) { inp, out in
                    let qkv = a.projection.pointer
                    project(qkv, inp, q8?.selfQKV, o.selfAttention.qkvWeight, o.selfAttention.qkvBias, outputs: 3 * d)
                    let keys = state.selfKeys[l].pointer, values = state.selfValues[l].pointer
                    for r in 0..<b {
                        let at = (selfSlots[r] * state.maxLength + t) * d
                        (keys + at).update(from: qkv + r * 3 * d + d, count: d)
                        (values + at).update(from: qkv + r * 3 * d + 2 * d, count: d)
                    }
                    let cache = CachedAttention.Cache(keys: keys, values: values, kvStride: d, slotStride: state.maxLength * d,
                                                      slots: selfSlots.baseAddress!)
                    CachedAttention.forward(rows: b, heads: heads, headDim: dh, positions: t + 1, q: qkv, qStride: 3 * d,
                                            cache: cache, ctx: a.context.pointer, ctxStride: d)
                    project(out, a.context.pointer, q8?.selfOut, o.selfAttention.outWeight, o.selfAttention.outBias, outputs: d)
                }
                y = blockForward(state.crossBlock, input: y, rows: b, norm: o.crossAttentionNorm, mask: noDropout) { inp, out in
                    let q = a.projection.pointer, kv = state.crossKeyValues[l].pointer, s = state.sourceLength
                    project(q, inp, q8?.crossQuery, o.crossAttention.qkvWeight, o.crossAttention.qkvBias, outputs: d)
                    let cache = CachedAttention.Cache(keys: kv, values: kv + d, kvStride: 2 * d, slotStride: s * 2 * d,
                                                      slots: crossSlots.baseAddress!, keyPad: pad.baseAddress!, padStride: s)
                    CachedAttention.forward(rows: b, heads: heads, headDim: dh, positions: s, q: q, qStride: d,
                                            cache: cache, ctx: a.context.pointer, ctxStride: d)
                    project(out, a.context.pointer, q8?.crossOut, o.crossAttention.outWeight, o.crossAttention.outBias, outputs: d)
                }
                y = blockForward(state.feedForwardBlock, input: y, rows: b, norm: o.finalNorm, mask: noDropout) { inp, out in
                    if let q8 {
                        let h = state.feedForward.hidden.pointer
                        Int8GEMM.linear(h, inp, rows: b, q8.fc1, scratch: state.int8Scratch)
                        Elementwise.reluDropoutForward(h, h, b * config.ffnDimension, noDropout, rows: nil)
                        Int8GEMM.linear(out, h, rows: b, q8.fc2, scratch: state.int8Scratch)
                    } else {
                        feedForwardForward(state.feedForward, input: inp, out: out, o.feedForward, rows: b, mask: noDropout)
                    }
                }
            }
        }
        }
        }
        if let norm = layout.decoderNorm {
            state.finalNorm.reserve(rows: b, d: d)
            y = finalNormForward(state.finalNorm, input: y, rows: b, norm)
        }
        let hidden = y, output = state.outputIDs == nil ? UnsafePointer(table) : UnsafePointer(state.outputTable.pointer)
        let int8Output = state.int8.map { state.int8OutputTable ?? $0.output }
        logits.withUnsafeMutableBufferPointer { out in
            if let int8Output { Int8GEMM.linear(out.baseAddress!, hidden, rows: b, int8Output, scratch: state.int8Scratch) }
            else { GEMM.multiply(transB: true, m: b, n: v, k: d, a: hidden, lda: d, b: output, ldb: d, beta: 0, c: out.baseAddress!, ldc: v) }
        }
        state.advance()
    }
}
