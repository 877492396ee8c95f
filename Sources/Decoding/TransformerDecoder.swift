import Tensor
import Transformer

/// The Transformer's incremental decoder as search sees it: sources get `</s>` appended
/// (as in training), logits become log-probabilities with a vectorised log-softmax. With a
/// lexical shortlist only the batch's candidate tokens are scored (normalised among
/// themselves, as Marian does); every other token gets log-probability −∞. With `int8`
/// weights every step's matrix products run in int8 (`Int8DecoderWeights`).
public final class TransformerDecoder: IncrementalDecoder {
    public let model: TransformerModel
    public let shortlist: LexicalShortlist?
    public let int8: Int8DecoderWeights?
    private var state: DecoderState?
    private var restricted: [Float] = []

    public init(model: TransformerModel, shortlist: LexicalShortlist? = nil, int8: Int8DecoderWeights? = nil) {
        self.model = model
        self.shortlist = shortlist
        self.int8 = int8
    }

    public var vocabularySize: Int { model.config.vocabularySize }
    public var bosID: Int32 { TransformerConfig.bosId }
    public var eosID: Int32 { TransformerConfig.eosId }
    public var forbiddenIDs: [Int32] { [TransformerConfig.padId, TransformerConfig.bosId] }
    /// Positions start at 1 and the step that emits `</s>` needs one more.
    public var maxOutputLength: Int { model.config.maxPositions - 2 }

    public func begin(sources: [[Int32]], maxSteps: Int) throws {
        let withEOS = sources.map { $0 + [TransformerConfig.eosId] }
        let length = withEOS.map(\.count).max()!
        var flat = [Int32](repeating: TransformerConfig.padId, count: withEOS.count * length)
        for (r, s) in withEOS.enumerated() { for (i, id) in s.enumerated() { flat[r * length + i] = id } }
        let state = try model.startDecoding(source: flat, batchSize: withEOS.count, sourceLength: length, maxLength: maxSteps, int8: int8)
        if let shortlist {
            guard shortlist.vocabularySize == vocabularySize else {
                throw DecodingError.invalidSetting("the shortlist was learned for \(shortlist.vocabularySize) tokens, the model has \(vocabularySize)")
            }
            try model.restrictOutput(state, to: shortlist.candidates(for: sources, always: [eosID]))
        }
        self.state = state
    }

    public func reorder(rows: [Int]) {
        // Indices come from search over existing rows, so they are always in range.
        try! state!.reorder(rows)
    }

    public func step(tokens: [Int32], logProbs: inout [Float]) throws {
        if let ids = state!.outputIDs {
            try model.decodeStep(state!, tokens: tokens, logits: &restricted)
            expand(&restricted, ids: ids, rows: tokens.count, into: &logProbs)
            return
        }
        try model.decodeStep(state!, tokens: tokens, logits: &logProbs)
        let v = vocabularySize
        let rows = tokens.count
        logProbs.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            Parallel.forEachChunk(rows, minChunk: 4) { range in
                var scratch = [Float](repeating: 0, count: v)
                scratch.withUnsafeMutableBufferPointer { tmp in
                    for r in range { LogSoftmax.normalizeInPlace(base + r * v, v, scratch: tmp.baseAddress!) }
                }
            }
        }
    }
}

import Foundation
import Parallelism

extension TransformerDecoder {
    /// Log-softmax of each row of `logits` [rows, ids.count] among the shortlist (in place),
    /// written to the full rows of `logProbs` [rows, V] (−∞ outside the shortlist).
    fileprivate func expand(_ logits: inout [Float], ids: [Int32], rows: Int, into logProbs: inout [Float]) {
        let v = vocabularySize, k = ids.count
        if logProbs.count != rows * v { logProbs = [Float](repeating: -.infinity, count: rows * v) }
        logits.withUnsafeMutableBufferPointer { src in
        ids.withUnsafeBufferPointer { idp in
        logProbs.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let base = buffer.baseAddress!, from = src.baseAddress!, id = idp.baseAddress!
            Parallel.forEachChunk(rows, minChunk: 4) { range in
                var scratch = [Float](repeating: 0, count: k)
                scratch.withUnsafeMutableBufferPointer { tmp in
                    for i in range {
                        let row = from + i * k, out = base + i * v
                        LogSoftmax.normalizeInPlace(row, k, scratch: tmp.baseAddress!)
                        out.update(repeating: -.infinity, count: v)
                        for j in 0..<k { out[Int(id[j])] = row[j] }
                    }
                }
            }
        }
        }
        }
    }
}
