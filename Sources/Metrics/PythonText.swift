// sacreBLEU works on Python `str` values, i.e. sequences of Unicode code points. These helpers
// reproduce the three Python string operations its results depend on, over code points (UInt32):
// `str.isspace` (what `split()` and `rstrip()` treat as whitespace) and `str.lower()`.

public enum PythonText {
    /// Python's `str.isspace()`: bidi class WS/B/S or category Zs (the set is stable across Unicode versions).
    @inline(__always)
    public static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 { return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) }
        switch c {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The length `str.rstrip()` keeps.
    @inline(__always)
    public static func rstrippedCount(_ line: UnsafeBufferPointer<UInt32>) -> Int {
        var end = line.count
        while end > 0 && isWhitespace(line[end - 1]) { end -= 1 }
        return end
    }

    /// Python's `str.lower()` (the fixtures' Python 3.11 uses Unicode 14 case data): each code point takes
    /// its full lowercase mapping, except that capital sigma becomes final sigma at the end of a word.
    public static func appendLowercased(_ line: UnsafeBufferPointer<UInt32>, to out: inout [UInt32]) {
        for i in 0..<line.count {
            let c = line[i]
            if c < 0x80 {
                out.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
                continue
            }
            if c == 0x3A3 {
                out.append(isFinalSigma(line, at: i) ? 0x3C2 : 0x3C3)
                continue
            }
            guard let scalar = Unicode.Scalar(c), knownToPython(scalar) else { out.append(c); continue }
            let properties = scalar.properties
            if !properties.changesWhenLowercased { out.append(c); continue }
            for lower in properties.lowercaseMapping.unicodeScalars { out.append(lower.value) }
        }
    }

    /// Characters assigned after Unicode 14 have no case mapping in Python 3.11's tables.
    @inline(__always)
    private static func knownToPython(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 14 || (age.major == 14 && age.minor == 0)
    }

    /// CPython's `handle_capital_sigma`: Σ is final when a cased letter precedes it (skipping case-ignorable
    /// characters) and no cased letter follows it (likewise).
    private static func isFinalSigma(_ line: UnsafeBufferPointer<UInt32>, at index: Int) -> Bool {
        var j = index - 1
        while j >= 0, let s = Unicode.Scalar(line[j]), s.properties.isCaseIgnorable { j -= 1 }
        guard j >= 0, let before = Unicode.Scalar(line[j]), before.properties.isCased else { return false }
        j = index + 1
        while j < line.count, let s = Unicode.Scalar(line[j]), s.properties.isCaseIgnorable { j += 1 }
        if j == line.count { return true }
        guard let after = Unicode.Scalar(line[j]) else { return true }
        return !after.properties.isCased
    }
}
