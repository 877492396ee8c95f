// An interning table for byte strings: each distinct key gets a dense index 0, 1, 2, …
// Used for word counts when learning and for the word → pieces cache when encoding, where
// Swift's Dictionary<String, _> would hash Unicode-aware and allocate a key per look-up.
// Open addressing with linear probing over a power-of-two slot array; keys live in one arena.

final class ByteStringTable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of distinct keys.
    var count: Int { hashes.count }

    /// Bytes held by keys (to bound caches).
    var keyBytes: Int { arena.count }

    /// The key with index `i`.
    func key(_ i: Int) -> ArraySlice<UInt8> { arena[starts[i]..<starts[i + 1]] }

    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// The index of `bytes`, or -1 if absent.
    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let h = ByteStringTable.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return -1 }
            if hashes[index] == h && equals(index, bytes) { return index }
            slot = (slot + 1) & mask
        }
    }

    /// The index of `bytes`, inserting it if absent; `inserted` tells which.
    func intern(_ bytes: UnsafeBufferPointer<UInt8>, inserted: inout Bool) -> Int {
        let h = ByteStringTable.hash(bytes)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            if hashes[index] == h && equals(index, bytes) { inserted = false; return index }
            slot = (slot + 1) & mask
        }
        let index = hashes.count
        hashes.append(h)
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        slots[slot] = Int32(index)
        inserted = true
        if hashes.count * 2 > slots.count { grow() }
        return index
    }

    /// Forgets every key (keeps the slot array's size).
    func removeAll() {
        arena.removeAll(keepingCapacity: true)
        starts = [0]
        hashes.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = -1 }
    }

    @inline(__always)
    private func equals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = starts[index], end = starts[index + 1]
        if end - start != bytes.count { return false }
        return arena.withUnsafeBufferPointer { a in
            var i = 0
            while i < bytes.count {
                if a[start + i] != bytes[i] { return false }
                i += 1
            }
            return true
        }
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (index, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
