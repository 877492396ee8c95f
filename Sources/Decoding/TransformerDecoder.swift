import Tensor
import Transformer

/// The Transformer's incremental decoder as search sees it: sources get `</s>` appended
/// (as in training), logits become log-probabilities with a vectorised log-softmax.
public final class TransformerDecoder: IncrementalDecoder {
    public let model: TransformerModel
    private var state: DecoderState?

    public init(model: TransformerModel) { self.model = model }

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
        state = try model.startDecoding(source: flat, batchSize: withEOS.count, sourceLength: length, maxLength: maxSteps)
    }

    public func reorder(rows: [Int]) {
        // Indices come from search over existing rows, so they are always in range.
        try! state!.reorder(rows)
    }

    public func step(tokens: [Int32], logProbs: inout [Float]) throws {
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
