import Transformer
import Tensor

/// Token-budget batching, as fairseq's `--max-tokens`: sentence pairs are sorted by length
/// (target, then source), cut into batches whose padded size — rows × the longest side,
/// counting the `</s>`/`<s>` added to each side — stays within the budget, and the batch
/// order is shuffled for each epoch from the seed. Sorting first keeps padding small; the
/// shuffle of whole batches keeps updates varied.
///
/// A pair longer than `maxLength` tokens on either side is skipped and counted, never fatal:
/// the Bible's Revelation 22:21 carries a 5,000-piece glossary (shared/DATA.md).
public struct Batcher: Sendable {
    public struct Pair: Sendable {
        public var source: [Int32]
        public var target: [Int32]
        public init(source: [Int32], target: [Int32]) { self.source = source; self.target = target }
    }

    /// Indices into the pair array, one array per batch, in length order.
    public let batches: [[Int]]
    public let skippedTooLong: Int
    public let skippedEmpty: Int
    public let maxTokens: Int

    public init(pairs: [Pair], maxTokens: Int, maxLength: Int) {
        self.maxTokens = maxTokens
        var kept: [Int] = []
        var tooLong = 0, empty = 0
        for (i, p) in pairs.enumerated() {
            if p.source.isEmpty || p.target.isEmpty { empty += 1; continue }
            // +1 for the end-of-sentence token on the source and the BOS/EOS shift on the target.
            if p.source.count + 1 > maxLength || p.target.count + 1 > maxLength || max(p.source.count, p.target.count) + 1 > maxTokens {
                tooLong += 1; continue
            }
            kept.append(i)
        }
        // Stable order: by target length, then source length, then original index.
        kept.sort { a, b in
            let (ta, tb) = (pairs[a].target.count, pairs[b].target.count)
            if ta != tb { return ta < tb }
            let (sa, sb) = (pairs[a].source.count, pairs[b].source.count)
            if sa != sb { return sa < sb }
            return a < b
        }
        self.batches = TokenBudget.batches(kept, budget: maxTokens) { max(pairs[$0].source.count, pairs[$0].target.count) + 1 }
        self.skippedTooLong = tooLong
        self.skippedEmpty = empty
    }

    /// The batch order of one epoch (1-based), a pure function of seed and epoch so a resumed
    /// run sees exactly the same sequence.
    public func order(epoch: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<batches.count)
        var rng = SplitMix64.stream(seed: seed, UInt64(epoch))
        order.deterministicShuffle(using: &rng)
        return order
    }
}
