import Transformer

extension SplitMix64 {
    /// A generator for a derived stream (e.g. epoch e of seed s), independent of call history.
    public static func stream(seed: UInt64, _ index: UInt64) -> SplitMix64 {
        var base = SplitMix64(seed: seed ^ (index &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: base.next())
    }
}

extension Array {
    /// Fisher–Yates with an explicit generator, so the order depends only on the generator
    /// (Swift's `shuffle(using:)` makes no promise to stay the same across releases).
    public mutating func deterministicShuffle(using rng: inout SplitMix64) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(rng.next() % UInt64(i + 1))
            if i != j { swapAt(i, j) }
        }
    }
}
