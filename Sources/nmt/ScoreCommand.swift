import ArgumentParser
import Corpus
import Foundation
import Tensor
import Training
import Transformer

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Forced decoding: the model's log-probability of given translations.",
        discussion: """
        stdout: one line per pair, "TOTAL<tab>PER_TOKEN<tab>TOKENS": the natural-log probability of the target
        (its </s> included), per token, and the token count. stderr: the corpus NLL per token and perplexity.
        No label smoothing, no dropout: the NLL equals the trainer's on the same pairs.
        """)
    @OptionGroup var source: ModelSourceOptions
    @Option(help: "Source sentences.") var src: String
    @Option(help: "Target sentences, line-aligned with --src.") var tgt: String
    @Option(name: .customLong("batch-tokens")) var batchTokens = 2048
    @Option var threads = Parallel.defaultThreadCount

    func run() throws {
        try withCleanErrors {
            Parallel.setThreadCap(threads)
            let loaded = try source.load()
            let text = try ParallelCorpus.read(source: src, target: tgt)
            let (srcIDs, _) = EncodedCorpus.encode(text.source, model: loaded.vocabulary)
            let (tgtIDs, _) = EncodedCorpus.encode(text.target, model: loaded.vocabulary)
            let limit = loaded.model.config.maxPositions - 1
            for (i, (s, t)) in zip(srcIDs, tgtIDs).enumerated() where s.count + 1 > limit || t.count + 1 > limit || s.isEmpty {
                throw CLIError("\(s.isEmpty ? src : tgt):\(i + 1): \(s.isEmpty ? "empty source sentence" : "longer than the model's \(limit) positions")")
            }
            let scores = try ForcedScorer(model: loaded.model).score(sources: srcIDs, targets: tgtIDs, batchTokens: batchTokens)
            var out = ""
            for s in scores { out += "\(s.logProb)\t\(s.logProb / Double(s.tokens))\t\(s.tokens)\n" }
            FileHandle.standardOutput.write(Data(out.utf8))
            let nll = -scores.map(\.logProb).reduce(0, +), tokens = scores.map(\.tokens).reduce(0, +)
            log(false, "corpus: \(scores.count) pairs, \(tokens) target tokens, NLL \(nll / Double(tokens)) per token, perplexity \(exp(nll / Double(tokens)))")
        }
    }
}

/// Per-sentence log-probabilities of targets under teacher forcing, batched.
struct ForcedScorer {
    let model: TransformerModel

    struct SentenceScore: Equatable {
        var logProb: Double
        var tokens: Int
    }

    func score(sources: [[Int32]], targets: [[Int32]], batchTokens: Int) throws -> [SentenceScore] {
        var results = [SentenceScore](repeating: SentenceScore(logProb: 0, tokens: 0), count: sources.count)
        var start = 0
        let v = model.config.vocabularySize
        while start < sources.count {
            var end = start, longest = 0
            while end < sources.count {
                let l = max(sources[end].count, targets[end].count) + 1
                if end > start && max(longest, l) * (end - start + 1) > batchTokens { break }
                longest = max(longest, l)
                end += 1
            }
            let pairs = (start..<end).map { (source: sources[$0] + [TransformerConfig.eosId], target: targets[$0]) }
            let batch = try Batch(pairs: pairs)
            let logits = try model.logits(batch)
            logits.withUnsafeBufferPointer { lg in
                for r in 0..<pairs.count {
                    var total = 0.0
                    let n = pairs[r].target.count + 1
                    for j in 0..<n {
                        let row = lg.baseAddress! + (r * batch.targetLength + j) * v
                        let y = Int(batch.targetOutput[r * batch.targetLength + j])
                        let m = VectorMath.maximum(row, v)
                        var z = 0.0
                        for k in 0..<v { z += Foundation.exp(Double(row[k] - m)) }
                        total += Double(row[y] - m) - Foundation.log(z)
                    }
                    results[start + r] = SentenceScore(logProb: total, tokens: n)
                }
            }
            start = end
        }
        return results
    }
}
