/// Token-budget batching, the one batcher of training, translation and forced scoring
/// (fairseq's `--max-tokens`): items taken in the given order are cut into consecutive
/// batches whose padded size — rows × the longest item — stays within `budget`. An item
/// alone always makes a batch, however long it is (callers skip what must not be fed).
public enum TokenBudget {
    /// - Parameters:
    ///   - order: the items (indices) in the order batches are formed, usually sorted by length.
    ///   - rowsPerItem: rows one item occupies (the beam size in a beam search, else 1).
    ///   - length: an item's padded length in tokens (with its `</s>`).
    /// - Returns: the batches, each a run of `order`.
    public static func batches(_ order: [Int], budget: Int, rowsPerItem: Int = 1, length: (Int) -> Int) -> [[Int]] {
        var batches: [[Int]] = []
        var current: [Int] = []
        var longest = 0
        for item in order {
            let itemLength = length(item)
            if !current.isEmpty && max(longest, itemLength) * (current.count + 1) * rowsPerItem > budget {
                batches.append(current)
                current = []
                longest = 0
            }
            current.append(item)
            longest = max(longest, itemLength)
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}
