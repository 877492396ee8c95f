/// Gives each distinct token (a code-point sequence) a small integer id, so n-grams can be compared
/// as fixed-size integer keys. Ids start at 1: 0 marks an unused slot in an n-gram key.
///
/// Open addressing over a flat arena; one interner serves one worker, and ids only need to agree
/// between a hypothesis and its own references.
final class TokenInterner {
    private var arena: [UInt32] = []
    private var tokenStart: [Int] = [0]   // token id i (1-based) occupies arena[tokenStart[i-1] ..< tokenStart[i]]
    private var slots: [UInt32]           // 0 = empty, otherwise a token id
    private var slotHashes: [UInt64]
    private var mask: Int

    init(capacity: Int = 1 << 12) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
        slotHashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { tokenStart.count - 1 }

    @inline(__always)
    private static func hash(_ token: UnsafeBufferPointer<UInt32>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(token.count)
        for c in token { h = (h ^ UInt64(c)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 31; h &*= 0x9E37_79B9_7F4A_7C15; h ^= h >> 29
        return h
    }

    /// The id of `token`, adding it if new.
    @inline(__always)
    func id(of token: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let h = Self.hash(token)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let candidate = slots[slot]
            if candidate == 0 { break }
            if slotHashes[slot] == h && equals(Int(candidate), token) { return candidate }
            slot = (slot + 1) & mask
        }
        arena.append(contentsOf: token)
        tokenStart.append(arena.count)
        let newID = UInt32(count)
        slots[slot] = newID
        slotHashes[slot] = h
        if count * 2 > mask { grow() }
        return newID
    }

    @inline(__always)
    private func equals(_ id: Int, _ token: UnsafeBufferPointer<UInt32>) -> Bool {
        let start = tokenStart[id - 1], end = tokenStart[id]
        guard end - start == token.count else { return false }
        return arena.withUnsafeBufferPointer { all in
            for k in 0 ..< token.count where all[start + k] != token[k] { return false }
            return true
        }
    }

    private func grow() {
        let size = (mask + 1) * 2
        var newSlots = [UInt32](repeating: 0, count: size)
        var newHashes = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        for slot in 0 ... mask where slots[slot] != 0 {
            var target = Int(truncatingIfNeeded: slotHashes[slot]) & newMask
            while newSlots[target] != 0 { target = (target + 1) & newMask }
            newSlots[target] = slots[slot]
            newHashes[target] = slotHashes[slot]
        }
        slots = newSlots
        slotHashes = newHashes
        mask = newMask
    }

    /// Splits `text` on Python whitespace and appends each token's id to `ids`.
    func appendTokenIDs(of text: CodePointBuffer, to ids: inout [UInt32]) {
        do {
            let all = text.buffer
            let n = all.count
            var i = 0
            while i < n {
                while i < n && PythonText.isWhitespace(all[i]) { i += 1 }
                if i == n { break }
                let start = i
                while i < n && !PythonText.isWhitespace(all[i]) { i += 1 }
                ids.append(id(of: UnsafeBufferPointer(rebasing: all[start ..< i])))
            }
        }
    }
}
