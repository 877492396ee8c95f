// sacreBLEU's TercomTokenizer (tokenizers/tokenizer_ter.py, after Tercom's Normalizer.java), over
// code points: optional lowercasing, the "normalized" punctuation splitting (with CJK splitting
// under asian support), optional punctuation removal, then Python's `' '.join(s.split())`.

/// TER's preprocessing options (sacreBLEU's `--ter-*` flags).
public struct TEROptions: Equatable, Sendable {
    public var normalized = false
    public var noPunctuation = false
    public var asianSupport = false
    public var caseSensitive = false
    public init(normalized: Bool = false, noPunctuation: Bool = false, asianSupport: Bool = false, caseSensitive: Bool = false) {
        self.normalized = normalized
        self.noPunctuation = noPunctuation
        self.asianSupport = asianSupport
        self.caseSensitive = caseSensitive
    }
}

enum TercomTokenizer {
    /// The words of `line` (already rstripped by the caller, as `TER._preprocess_segment` does).
    static func words(_ line: [UInt32], options: TEROptions) -> [[UInt32]] {
        if line.isEmpty { return [] }
        var s: [UInt32]
        if options.caseSensitive {
            s = line
        } else {
            s = []
            line.withUnsafeBufferPointer { PythonText.appendLowercased($0, to: &s) }
        }
        if options.normalized {
            s = normalizeGeneralAndWestern(s)
            if options.asianSupport { s = normalizeAsian(s) }
        }
        if options.noPunctuation {
            s.removeAll { isRemovedPunctuation($0) }
            if options.asianSupport { s.removeAll { isAsianPunctuation($0) || isFullWidthPunctuation($0) } }
        }
        return split(s)
    }

    /// Python's `str.split()`.
    static func split(_ s: [UInt32]) -> [[UInt32]] {
        var words: [[UInt32]] = []
        var current: [UInt32] = []
        for c in s {
            if PythonText.isWhitespace(c) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    // MARK: normalization

    static func normalizeGeneralAndWestern(_ input: [UInt32]) -> [UInt32] {
        // End-of-line hyphenation and line joins (a line read from a file has no "\n", but the
        // passes are kept so the tokenizer is the whole of Tercom's).
        var s = replace(input, Array("\n-".unicodeScalars.map(\.value)), with: [])
        s = s.map { $0 == 0x0A ? 0x20 : $0 }
        for (entity, character) in [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")] {
            s = replace(s, entity.unicodeScalars.map(\.value), with: character.unicodeScalars.map(\.value))
        }
        s = [0x20] + s + [0x20]
        // Punctuation `[{-~[-` -&(-+:-@/]` padded with spaces (the class includes the space itself).
        s = padEach(s) { c in (0x7B...0x7E).contains(c) || (0x5B...0x60).contains(c) || (0x20...0x26).contains(c)
                              || (0x28...0x2B).contains(c) || (0x3A...0x40).contains(c) || c == 0x2F }
        // Possessives: "'s " → " 's ", then a final "'s" → " 's".
        let possessive: [UInt32] = [0x27, 0x73]
        s = replace(s, possessive + [0x20], with: [0x20] + possessive + [0x20])
        if s.count >= 2 && Array(s.suffix(2)) == possessive { s = Array(s.dropLast(2)) + [0x20] + possessive }
        let isDigit = { (c: UInt32) in c >= 0x30 && c <= 0x39 }
        let isPeriodOrComma = { (c: UInt32) in c == 0x2E || c == 0x2C }
        // `([^0-9])([\.,])` → `\1 \2 `, `([\.,])([^0-9])` → ` \1 \2`, `([0-9])(-)` → `\1 \2 `.
        s = pairs(s, first: { !isDigit($0) }, second: isPeriodOrComma) { a, b in [a, 0x20, b, 0x20] }
        s = pairs(s, first: isPeriodOrComma, second: { !isDigit($0) }) { a, b in [0x20, a, 0x20, b] }
        s = pairs(s, first: isDigit, second: { $0 == 0x2D }) { a, b in [a, 0x20, b, 0x20] }
        return s
    }

    static func normalizeAsian(_ input: [UInt32]) -> [UInt32] {
        var s = padEach(input) { c in
            (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x31C0...0x31EF).contains(c) || (0x2E80...0x2EFF).contains(c)
                || (0x3300...0x33FF).contains(c) || (0xF900...0xFAFF).contains(c) || (0xFE30...0xFE4F).contains(c) || (0x3200...0x3F22).contains(c)
        }
        // sacreBLEU's three Hiragana/Katakana passes are anchored at both ends of the string
        // (`(^|^[…])([…]+)(?=$|^[…])`), and the western pass has just padded the string with a
        // space on each side, so they can never match: they are no-ops, and left out.
        s = padEach(s) { isAsianPunctuation($0) }
        s = padEach(s) { isFullWidthPunctuation($0) }
        return s
    }

    static func isRemovedPunctuation(_ c: UInt32) -> Bool {
        switch c {
        case 0x2E, 0x2C, 0x3F, 0x3A, 0x3B, 0x21, 0x22, 0x28, 0x29: return true  // . , ? : ; ! " ( )
        default: return false
        }
    }

    static func isAsianPunctuation(_ c: UInt32) -> Bool {
        c == 0x3001 || c == 0x3002 || (0x3008...0x3011).contains(c) || (0x3014...0x301F).contains(c) || (0xFF61...0xFF65).contains(c) || c == 0x30FB
    }

    static func isFullWidthPunctuation(_ c: UInt32) -> Bool {
        switch c {
        case 0xFF0E, 0xFF0C, 0xFF1F, 0xFF1A, 0xFF1B, 0xFF01, 0xFF02, 0xFF08, 0xFF09: return true
        default: return false
        }
    }

    // MARK: re.sub shapes

    /// Every occurrence of `pattern`, left to right without overlaps, replaced.
    static func replace(_ s: [UInt32], _ pattern: [UInt32], with replacement: [UInt32]) -> [UInt32] {
        guard !pattern.isEmpty, s.count >= pattern.count else { return s }
        var out: [UInt32] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if i + pattern.count <= s.count && s[i..<(i + pattern.count)].elementsEqual(pattern) {
                out += replacement
                i += pattern.count
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// `re.sub(r"([class])", r" \1 ", s)`.
    static func padEach(_ s: [UInt32], _ inClass: (UInt32) -> Bool) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + 8)
        for c in s {
            if inClass(c) { out.append(0x20); out.append(c); out.append(0x20) } else { out.append(c) }
        }
        return out
    }

    /// `re.sub(r"(A)(B)", …, s)`: matches found left to right, not overlapping.
    static func pairs(_ s: [UInt32], first: (UInt32) -> Bool, second: (UInt32) -> Bool,
                      _ replacement: (UInt32, UInt32) -> [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.count + 8)
        var i = 0
        while i < s.count {
            if i + 1 < s.count && first(s[i]) && second(s[i + 1]) {
                out += replacement(s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }
}
