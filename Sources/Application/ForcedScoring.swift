import Corpus
import Tensor
import Text
import Transformer

/// Forced decoding: the model's log-probability of given translations under teacher forcing,
/// without label smoothing or dropout, so the NLL equals the trainer's on the same pairs.
public enum ForcedScoring {
    public struct SentenceScore: Equatable, Sendable {
        /// Natural-log probability of the target, its `</s>` included.
        public var logProb: Double
        /// Target tokens scored (with `</s>`).
        public var tokens: Int
    }

    /// Scores the line-aligned files `sourcePath` and `targetPath`; a pair the model cannot
    /// take (an empty source, a side longer than its positions) is an error naming file and line.
    public static func score(model: TransformerModel, vocabulary: BPEModel, sourcePath: String, targetPath: String,
                             batchTokens: Int) throws -> [SentenceScore] {
        let text = try ParallelCorpus.read(source: sourcePath, target: targetPath)
        let sources = vocabulary.encode(lines: text.source).ids
        let targets = vocabulary.encode(lines: text.target).ids
        let limit = model.config.maxPositions - 1
        for (i, (s, t)) in zip(sources, targets).enumerated() where s.count + 1 > limit || t.count + 1 > limit || s.isEmpty {
            throw ApplicationError("\(s.isEmpty ? sourcePath : targetPath):\(i + 1): \(s.isEmpty ? "empty source sentence" : "longer than the model's \(limit) positions")")
        }
        return try score(model: model, sources: sources, targets: targets, batchTokens: batchTokens)
    }

    /// Per-sentence log-probabilities of `targets` given `sources` (token ids), in order.
    public static func score(model: TransformerModel, sources: [[Int32]], targets: [[Int32]], batchTokens: Int) throws -> [SentenceScore] {
        var results = [SentenceScore](repeating: SentenceScore(logProb: 0, tokens: 0), count: sources.count)
        let v = model.config.vocabularySize
        var scratch = [Float](repeating: 0, count: v)
        let batches = TokenBudget.batches(Array(sources.indices), budget: batchTokens) { max(sources[$0].count, targets[$0].count) + 1 }
        for members in batches {
            let pairs = members.map { (source: sources[$0] + [TransformerConfig.eosId], target: targets[$0]) }
            let batch = try Batch(pairs: pairs)
            let logits = try model.logits(batch)
            logits.withUnsafeBufferPointer { lg in
                scratch.withUnsafeMutableBufferPointer { tmp in
                    for (r, index) in members.enumerated() {
                        var total = 0.0
                        let n = pairs[r].target.count + 1
                        for j in 0..<n {
                            let row = lg.baseAddress! + (r * batch.targetLength + j) * v
                            let y = Int(batch.targetOutput[r * batch.targetLength + j])
                            total += LogSoftmax.logProbability(of: y, row, v, scratch: tmp.baseAddress!)
                        }
                        results[index] = SentenceScore(logProb: total, tokens: n)
                    }
                }
            }
        }
        return results
    }
}
