// What the misalignment detector looks at in one verse: its length, its words (for a translation
// lexicon learned from the corpus itself) and its name anchors (capitalised words folded so that
// "Jonás"/"Jonah", "Misma"/"Mishma", "Faraón"/"Pharaoh" meet). Computed on UTF-8 bytes, once
// per verse, because `make test` runs the corpus build in a debug binary.

public struct VerseFeatures: Equatable, Sendable {
    /// Unicode scalars in the verse text.
    public var length: Int
    /// Distinct word ids (lower-cased words of 3+ letters), sorted.
    public var words: [Int32]
    /// Distinct folded name anchors (first four folded letters of a capitalised word), sorted.
    public var names: [UInt32]

    public init(length: Int, words: [Int32], names: [UInt32]) {
        self.length = length
        self.words = words
        self.names = names
    }

    public static let empty = VerseFeatures(length: 0, words: [], names: [])
    public var isEmpty: Bool { length == 0 }

    /// Both verses as one text (a verse that absorbed its neighbour).
    public func joined(with other: VerseFeatures) -> VerseFeatures {
        VerseFeatures(length: length + 1 + other.length,
                      words: Array(Set(words).union(other.words)).sorted(),
                      names: Array(Set(names).union(other.names)).sorted())
    }
}

/// Gives word ids per language; one instance per side of the corpus.
public final class WordIndexer {
    private var ids: [UInt64: Int32] = [:]
    public private(set) var count: Int32 = 0

    public init() {}

    func id(ofHash hash: UInt64) -> Int32 {
        if let id = ids[hash] { return id }
        let id = count
        ids[hash] = id
        count += 1
        return id
    }

    /// The features of `text`.
    public func features(of text: String) -> VerseFeatures {
        var text = text
        return text.withUTF8 { features(ofUTF8: $0) }
    }

    func features(ofUTF8 bytes: UnsafeBufferPointer<UInt8>) -> VerseFeatures {
        var length = 0
        var words: [Int32] = []
        var names: [UInt32] = []
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b & 0xC0 != 0x80 { length += 1 }
            guard Self.startsLetter(b) else { i += 1; continue }
            // One word: a run of letters.
            let start = i
            var letters = 0
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
            var upperLetters = 0
            while i < n {
                let c = bytes[i]
                if c & 0xC0 == 0x80 {  // continuation byte of the letter before
                    let lowered = (bytes[i - 1] == 0xC3 && c >= 0x80 && c <= 0x9E && c != 0x97) ? c + 0x20 : c
                    if lowered != c { upperLetters += 1 }
                    hash = (hash ^ UInt64(lowered)) &* 0x100_0000_01b3
                    i += 1
                    continue
                }
                guard Self.startsLetter(c) else { break }
                letters += 1
                length += 1
                var lowered = c
                if c >= 65 && c <= 90 { lowered = c + 32; upperLetters += 1 }
                hash = (hash ^ UInt64(lowered)) &* 0x100_0000_01b3
                i += 1
            }
            length -= 1  // the first letter was counted before the word loop too
            if letters >= 3 { words.append(id(ofHash: hash)) }
            if letters >= 4 && Self.isUpper(bytes, at: start) && upperLetters < letters,
               let anchor = NameFolding.anchor(bytes, from: start, to: i) {
                names.append(anchor)
            }
        }
        return VerseFeatures(length: length, words: Array(Set(words)).sorted(), names: Array(Set(names)).sorted())
    }

    /// A letter starts here: an ASCII letter, or a multi-byte character other than the C2 block
    /// (¿ ¡ « » no-break space) and the E2 block (curly quotes, dashes, spaces).
    static func startsLetter(_ b: UInt8) -> Bool {
        if b < 0x80 { return (b | 0x20) >= 97 && (b | 0x20) <= 122 }
        return b >= 0xC3 && b != 0xE2
    }

    static func isUpper(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let b = bytes[i]
        if b >= 65 && b <= 90 { return true }
        return b == 0xC3 && i + 1 < bytes.count && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9E && bytes[i + 1] != 0x97
    }
}

/// Folds a capitalised word to a spelling-neutral key, so a name written the Spanish and the
/// English way mostly meets: accents stripped, ph→f, th→t, qu→c, h dropped, y→i, k→c, z→s,
/// doubled letters single; the key is the first four letters that remain.
enum NameFolding {
    static func anchor(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> UInt32? {
        var plain: [UInt8] = []
        plain.reserveCapacity(end - start)
        var i = start
        while i < end {
            let b = bytes[i]
            if b < 0x80 {
                plain.append(b | 0x20)
                i += 1
            } else if b == 0xC3 && i + 1 < end {
                if let base = latin1Base(bytes[i + 1]) { plain.append(base) }
                i += 2
            } else {
                return nil  // not a Latin name
            }
        }
        var folded: [UInt8] = []
        folded.reserveCapacity(plain.count)
        var j = 0
        while j < plain.count {
            let c = plain[j]
            let next: UInt8 = j + 1 < plain.count ? plain[j + 1] : 0
            var out: UInt8? = c
            var skip = 1
            switch c {
            case UInt8(ascii: "p") where next == UInt8(ascii: "h"): out = UInt8(ascii: "f"); skip = 2
            case UInt8(ascii: "t") where next == UInt8(ascii: "h"): out = UInt8(ascii: "t"); skip = 2
            case UInt8(ascii: "q") where next == UInt8(ascii: "u"): out = UInt8(ascii: "c"); skip = 2
            case UInt8(ascii: "h"): out = nil
            case UInt8(ascii: "y"): out = UInt8(ascii: "i")
            case UInt8(ascii: "k"): out = UInt8(ascii: "c")
            case UInt8(ascii: "z"): out = UInt8(ascii: "s")
            default: break
            }
            if let out, folded.last != out { folded.append(out) }
            j += skip
        }
        guard folded.count >= 3 else { return nil }
        var key: UInt32 = 0
        for k in 0..<4 { key = key << 8 | UInt32(k < folded.count ? folded[k] : 0) }
        return key
    }

    /// The unaccented lower-case letter of a Latin-1 letter (second byte after 0xC3).
    static func latin1Base(_ second: UInt8) -> UInt8? {
        let lower = second >= 0x80 && second <= 0x9E ? second + 0x20 : second
        switch lower {
        case 0xA0...0xA5: return UInt8(ascii: "a")
        case 0xA7: return UInt8(ascii: "c")
        case 0xA8...0xAB: return UInt8(ascii: "e")
        case 0xAC...0xAF: return UInt8(ascii: "i")
        case 0xB1: return UInt8(ascii: "n")
        case 0xB2...0xB6: return UInt8(ascii: "o")
        case 0xB9...0xBC: return UInt8(ascii: "u")
        case 0xBD, 0xBF: return UInt8(ascii: "i")
        default: return nil
        }
    }
}
