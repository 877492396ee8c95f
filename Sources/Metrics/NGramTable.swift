// The hot loops of BLEU and chrF. Metrics is built with overflow checks (it reads users'
// files); here, where every value is bounded (code points < 2^21, offsets and counts within a
// line), arithmetic wraps explicitly (&+, &*) instead of being checked at every n-gram.

/// An n-gram key: up to four token ids (32 bits each) or up to six code points (21 bits each, plus 1),
/// packed into 128 bits. Unused positions are 0, so n-grams of different orders never collide.
struct NGramKey: Equatable {
    var hi: UInt64
    var lo: UInt64

    @inline(__always)
    init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo }

    /// Token ids `ids[start ..< start + order]`, order ≤ 4, ids ≥ 1.
    @inline(__always)
    init(tokenIDs ids: UnsafeBufferPointer<UInt32>, start: Int, order: Int) {
        var packed: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        packed.0 = UInt64(ids[start])
        if order > 1 { packed.1 = UInt64(ids[start &+ 1]) }
        if order > 2 { packed.2 = UInt64(ids[start &+ 2]) }
        if order > 3 { packed.3 = UInt64(ids[start &+ 3]) }
        hi = packed.0 | packed.1 << 32
        lo = packed.2 | packed.3 << 32
    }

    /// Code points `text[start ..< start + order]`, order ≤ 6.
    @inline(__always)
    init(codePoints text: UnsafeBufferPointer<UInt32>, start: Int, order: Int) {
        var h: UInt64 = 0, l: UInt64 = 0
        for k in 0 ..< min(order, 3) { h |= UInt64(text[start &+ k] &+ 1) << (21 &* UInt64(k)) }
        if order > 3 { for k in 3 ..< order { l |= UInt64(text[start &+ k] &+ 1) << (21 &* UInt64(k &- 3)) } }
        hi = h
        lo = l
    }

    @inline(__always)
    var hash: Int {
        var h = (hi &* 0x9E37_79B9_7F4A_7C15) ^ (lo &* 0xC2B2_AE3D_27D4_EB4F)
        h ^= h >> 32
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }
}

/// Reference n-gram counts for one segment, reused from segment to segment without clearing
/// (a generation stamp marks live entries).
///
/// With several references an entry holds the largest count any single reference has
/// (sacreBLEU's `max` merge); `consume` then clips hypothesis matches against it: matching each
/// hypothesis occurrence while the count lasts sums `min(hypothesis count, reference count)`.
final class NGramTable {
    private struct Entry {
        var key = NGramKey(hi: 0, lo: 0)
        var generation: UInt32 = 0
        var reference: Int32 = -1
        var countInReference: Int32 = 0
        var available: Int32 = 0
        /// `available` before any hypothesis consumed it (for `restore`).
        var full: Int32 = 0
    }

    /// Slots filled since the last reset, so `restore` touches only them.
    private var used: [Int] = []

    private var entries: UnsafeMutablePointer<Entry>
    private var capacity: Int
    private var generation: UInt32 = 1

    init(capacity: Int = 1 << 10) {
        self.capacity = capacity
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: Entry(), count: capacity)
    }

    deinit { entries.deallocate() }

    /// Empties the table, making room for at least `entryCount` distinct n-grams.
    func reset(forAtMost entryCount: Int) {
        used.removeAll(keepingCapacity: true)
        if entryCount * 2 > capacity {
            var size = capacity
            while entryCount * 2 > size { size <<= 1 }
            entries.deallocate()
            capacity = size
            entries = .allocate(capacity: size)
            entries.initialize(repeating: Entry(), count: size)
            generation = 1
            return
        }
        generation &+= 1
        if generation == 0 {
            for i in 0 ..< capacity { entries[i].generation = 0 }
            generation = 1
        }
    }

    @inline(__always)
    private func slot(for key: NGramKey) -> (index: Int, found: Bool) {
        let mask = capacity - 1
        var i = key.hash & mask
        while true {
            let entry = entries[i]
            if entry.generation != generation { return (i, false) }
            if entry.key == key { return (i, true) }
            i = (i &+ 1) & mask
        }
    }

    /// Counts one occurrence of `key` in reference number `reference` (references added in order).
    @inline(__always)
    func addReferenceOccurrence(_ key: NGramKey, reference: Int32) {
        let (i, found) = slot(for: key)
        if !found {
            entries[i] = Entry(key: key, generation: generation, reference: reference, countInReference: 1, available: 1, full: 1)
            used.append(i)
            return
        }
        if entries[i].reference != reference {
            entries[i].reference = reference
            entries[i].countInReference = 0
        }
        entries[i].countInReference &+= 1
        if entries[i].countInReference > entries[i].available {
            entries[i].available = entries[i].countInReference
            entries[i].full = entries[i].countInReference
        }
    }

    /// Gives back every reference occurrence hypotheses consumed, so another system's hypothesis
    /// can be matched against the same references without building the table again.
    func restore() {
        for i in used { entries[i].available = entries[i].full }
    }

    /// Whether a hypothesis occurrence of `key` is matched by a reference occurrence not used yet.
    @inline(__always)
    func consume(_ key: NGramKey) -> Bool {
        let (i, found) = slot(for: key)
        guard found, entries[i].available > 0 else { return false }
        entries[i].available &-= 1
        return true
    }
}
