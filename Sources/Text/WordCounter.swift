// Counts the normalized words of training text. Words are what BPE learns over: merges never
// cross a space, so a corpus reduces to its distinct words and their frequencies.
#if canImport(Glibc)
import Glibc
#endif
import Parallelism

/// Frequencies of distinct normalized words (UTF-8, without "▁").
public final class WordCounter {
    let table = ByteStringTable(capacity: 1 << 15)
    var counts: [Int64] = []
    public let form: NormalizationForm
    private let normalizer: TextNormalizer
    /// Lines added so far.
    public private(set) var lines = 0

    public init(form: NormalizationForm) {
        self.form = form
        self.normalizer = TextNormalizer(form: form)
    }

    /// The number of distinct words.
    public var distinctWords: Int { counts.count }
    /// The number of word occurrences.
    public var totalWords: Int64 { counts.reduce(0, +) }

    /// Normalizes one line and counts its words. Returns false if it is not valid UTF-8.
    public func add(line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let text = normalizer.normalize(line) else { return false }
        lines += 1
        var start = 0
        for i in 0...text.count where i == text.count || text[i] == 0x20 {
            if i > start { add(word: UnsafeBufferPointer(rebasing: text[start..<i]), count: 1) }
            start = i + 1
        }
        return true
    }

    /// Adds `count` occurrences of a normalized word.
    public func add(word: UnsafeBufferPointer<UInt8>, count: Int64) {
        var inserted = false
        let index = table.intern(word, inserted: &inserted)
        if inserted { counts.append(count) } else { counts[index] += count }
    }

    /// Adds every count of `other` (same normalization) to this counter.
    public func merge(_ other: WordCounter) {
        for i in 0..<other.counts.count {
            let key = Array(other.table.key(i))
            key.withUnsafeBufferPointer { add(word: $0, count: other.counts[i]) }
        }
        lines += other.lines
    }

    /// The words and their counts, sorted by their UTF-8 bytes (a deterministic order).
    public func sortedWords() -> [(word: [UInt8], count: Int64)] {
        var words = (0..<counts.count).map { (word: Array(table.key($0)), count: counts[$0]) }
        words.sort { $0.word.lexicographicallyPrecedes($1.word) }
        return words
    }

    /// Counts the words of text files, each read in bounded chunks whose lines are split over
    /// `workers` counters (run on at most `Parallel.threadCap` threads). Invalid UTF-8 is an
    /// error naming the file and line.
    public static func count(files: [String], form: NormalizationForm, workers: Int = Parallel.threadCap) throws -> WordCounter {
        let counters = (0..<max(1, workers)).map { _ in WordCounter(form: form) }
        for path in files {
            let reader = try LineChunkReader(path: path)
            while let chunk = try reader.nextChunk() {
                let parts = partition(chunk.lines.count, into: counters.count)
                var badLine = [Int](repeating: -1, count: counters.count)
                chunk.bytes.withUnsafeBufferPointer { bytes in
                    nonisolated(unsafe) let bytes = bytes
                    nonisolated(unsafe) let counters = counters
                    badLine.withUnsafeMutableBufferPointer { bad in
                        nonisolated(unsafe) let bad = bad
                        Parallel.forEachIteration(counters.count) { w in
                            for i in parts[w] where !counters[w].add(line: UnsafeBufferPointer(rebasing: bytes[chunk.lines[i]])) {
                                bad[w] = i
                                return
                            }
                        }
                    }
                }
                if let i = badLine.filter({ $0 >= 0 }).min() {
                    throw StreamError("\(path):\(chunk.firstLineNumber + i): not valid UTF-8")
                }
            }
        }
        for other in counters.dropFirst() { counters[0].merge(other) }
        return counters[0]
    }
}

/// Splits 0..<count into `parts` contiguous ranges of nearly equal size.
func partition(_ count: Int, into parts: Int) -> [Range<Int>] {
    (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
}
