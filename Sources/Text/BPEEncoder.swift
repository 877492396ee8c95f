// Encodes lines with a BPE model, caching each word's pieces: natural text repeats words so
// much that after the first few thousand lines nearly every word is a cache hit. Not
// thread-safe (it owns its normalizer and cache): give each thread its own encoder.

public final class BPEEncoder {
    /// The model's tables, not the model: the model's own encoder pool holds encoders.
    let tables: SegmentationTables
    private let normalizer: TextNormalizer
    private let cache: ByteStringTable
    private var cachedStarts: [Int] = [0]
    private var cachedIds: [Int32] = []
    private let cacheLimitBytes: Int
    private var symbols: [Int32] = []
    /// Characters encoded as <unk> so far (not in the model's alphabet).
    public private(set) var unknownCount = 0

    /// `cacheLimitBytes` bounds the cache's keys; the cache is emptied when it grows past it.
    public init(model: BPEModel, cacheLimitBytes: Int = 64 << 20) {
        self.tables = model.segmentation
        self.normalizer = TextNormalizer(form: model.normalization)
        self.cacheLimitBytes = cacheLimitBytes
        self.cache = ByteStringTable(capacity: cacheLimitBytes > 0 ? 1 << 14 : 1)
    }

    /// Normalizes and encodes one line (UTF-8, no newline), appending its ids to `ids`.
    /// Returns false, appending nothing, if the line is not valid UTF-8.
    public func encodeLine(_ line: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) -> Bool {
        guard let text = normalizer.normalize(line) else { return false }
        var start = 0
        for i in 0...text.count where i == text.count || text[i] == 0x20 {
            if i > start { encodeWord(UnsafeBufferPointer(rebasing: text[start..<i]), into: &ids) }
            start = i + 1
        }
        return true
    }

    /// Appends the ids of one word (normalized, without spaces; "▁" is added here).
    public func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        if cacheLimitBytes > 0 {
            let index = cache.find(word)
            if index >= 0 {
                ids.append(contentsOf: cachedIds[cachedStarts[index]..<cachedStarts[index + 1]])
                return
            }
        }
        let unknownBefore = unknownCount
        segment(word)
        ids.append(contentsOf: symbols)
        // Words with unknown characters are not cached, so every occurrence is counted.
        if cacheLimitBytes > 0 && unknownCount == unknownBefore {
            if cache.keyBytes > cacheLimitBytes {
                cache.removeAll()
                cachedStarts = [0]
                cachedIds.removeAll(keepingCapacity: true)
            }
            var inserted = false
            _ = cache.intern(word, inserted: &inserted)
            cachedIds.append(contentsOf: symbols)
            cachedStarts.append(cachedIds.count)
        }
    }

    /// Splits "▁" + word into characters and applies merges, lowest rank first, into `symbols`.
    private func segment(_ word: UnsafeBufferPointer<UInt8>) {
        symbols.removeAll(keepingCapacity: true)
        symbols.append(tables.boundaryId)
        var i = 0
        while i < word.count {
            let (scalar, length) = decodeScalar(word, at: i)
            i += length
            if let id = tables.characterIds[scalar] {
                symbols.append(id)
            } else {
                symbols.append(BPEModel.unkId)
                unknownCount += 1
            }
        }
        while symbols.count > 1 {
            var bestRank = Int32.max, bestAt = -1
            for j in 0..<(symbols.count - 1) {
                if let rank = tables.mergeRank[BPEModel.pairKey(symbols[j], symbols[j + 1])], rank < bestRank {
                    bestRank = rank
                    bestAt = j
                }
            }
            if bestAt < 0 { break }
            symbols[bestAt] = tables.merges[Int(bestRank)].result
            symbols.remove(at: bestAt + 1)
        }
    }
}

/// Decodes the scalar starting at `i` of valid UTF-8; returns it and its length in bytes.
@inline(__always)
func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
    let b0 = UInt32(bytes[i])
    if b0 < 0x80 { return (b0, 1) }
    if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F), 2) }
    if b0 < 0xF0 {
        return ((b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F), 3)
    }
    return ((b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
        | UInt32(bytes[i + 3] & 0x3F), 4)
}
