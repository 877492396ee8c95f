import Testing
import Transformer
@testable import Training
import Tensor

struct BatcherTests {
    func pairs(_ lengths: [(Int, Int)]) -> [Batcher.Pair] {
        lengths.map { Batcher.Pair(source: [Int32](repeating: 5, count: $0.0), target: [Int32](repeating: 6, count: $0.1)) }
    }

    @Test func batchesRespectTheTokenBudgetAndCoverEveryPairOnce() {
        var rng = SplitMix64(seed: 7)
        let lengths = (0..<1000).map { _ in (Int(rng.next() % 60) + 1, Int(rng.next() % 60) + 1) }
        let ps = pairs(lengths)
        let b = Batcher(pairs: ps, maxTokens: 512, maxLength: 1000)
        var seen = Set<Int>()
        for batch in b.batches {
            let longest = batch.map { max(ps[$0].source.count, ps[$0].target.count) + 1 }.max()!
            #expect(longest * batch.count <= 512)
            for i in batch { #expect(seen.insert(i).inserted) }
        }
        #expect(seen.count == 1000)
        #expect(b.skippedTooLong == 0)
    }

    @Test func overLongAndEmptyPairsAreSkippedAndCounted() {
        let ps = pairs([(10, 10), (5000, 12), (12, 300), (0, 4), (7, 0), (20, 20)])
        let b = Batcher(pairs: ps, maxTokens: 4096, maxLength: 256)
        #expect(b.skippedTooLong == 2)
        #expect(b.skippedEmpty == 2)
        #expect(Set(b.batches.flatMap { $0 }) == [0, 5])
    }

    @Test func epochOrderIsAPermutationThatDependsOnlyOnSeedAndEpoch() {
        let ps = pairs((1...300).map { ($0 % 40 + 1, $0 % 37 + 1) })
        let b = Batcher(pairs: ps, maxTokens: 200, maxLength: 100)
        let o1 = b.order(epoch: 1, seed: 42)
        #expect(o1.sorted() == Array(0..<b.batches.count))
        #expect(o1 == b.order(epoch: 1, seed: 42))
        #expect(o1 != b.order(epoch: 2, seed: 42))
        #expect(o1 != b.order(epoch: 1, seed: 43))
    }

    @Test func shuffleIsPinned() {
        // Pin the generator so a change to it (which would break resuming old runs) is caught.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        var a = Array(0..<10)
        var r2 = SplitMix64(seed: 1)
        a.deterministicShuffle(using: &r2)
        #expect(a.sorted() == Array(0..<10))
        #expect(a != Array(0..<10))
    }

    @Test func durations() {
        #expect(DurationParser.seconds("90s") == 90)
        #expect(DurationParser.seconds("45m") == 2700)
        #expect(DurationParser.seconds("1h30m") == 5400)
        #expect(DurationParser.seconds("600") == 600)
        #expect(DurationParser.seconds("1.5h") == 5400)
        #expect(DurationParser.seconds("abc") == nil)
        #expect(DurationParser.seconds("10x") == nil)
        #expect(DurationParser.seconds("5m3") == nil)
        #expect(DurationParser.seconds("") == nil)
    }
}
