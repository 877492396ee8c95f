// sacreBLEU's default tokenizer, equivalent to mteval-v13a.pl (WMT's): `Tokenizer13a` followed by
// `TokenizerRegexp` in sacrebleu/tokenizers/tokenizer_13a.py and tokenizer_re.py.

enum Tokenizer13a {
    private static let skipped: [UInt32] = Array("<skipped>".unicodeScalars.map(\.value))
    // Unescaped in this order, so "&amp;lt;" becomes "<" exactly as in sacreBLEU.
    private static let entities: [([UInt32], [UInt32])] = [
        ("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"),
    ].map { (Array($0.0.unicodeScalars.map(\.value)), Array($0.1.unicodeScalars.map(\.value))) }

    /// `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: ASCII punctuation and symbols except `'`, `,`, `-`, `.`.
    @inline(__always)
    static func isSplitPunctuation(_ c: UInt32) -> Bool {
        (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26)
            || (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == 0x2F
    }

    @inline(__always)
    static func isPeriodOrComma(_ c: UInt32) -> Bool { c == 0x2E || c == 0x2C }

    /// Writes the tokenized line (tokens separated by whitespace) to `a`; `b` is scratch.
    static func tokenize(_ line: UnsafeBufferPointer<UInt32>, into a: inout CodePointBuffer, scratch b: inout CodePointBuffer) {
        a.removeAll()
        a.append(contentsOf: line)
        // Language-independent part. Lines never contain "\n", so its two rules have nothing to do.
        if a.contains(0x3C) {
            replaceAll(a, skipped, with: [], into: b); swap(&a, &b)
        }
        if a.contains(0x26) {
            for (entity, character) in entities { replaceAll(a, entity, with: character, into: b); swap(&a, &b) }
        }
        // f' {line} '
        b.removeAll()
        b.reserve(a.count + 2)
        b.appendReserved(0x20); b.append(contentsOf: a.buffer); b.reserve(1); b.appendReserved(0x20)
        padCharacters(b, into: a, where: isSplitPunctuation)
        // Period and comma unless preceded by a digit, then unless followed by a digit.
        substitutePairs(a, into: b, .spaceBetweenAndAfter, first: { !isASCIIDigit($0) }, second: isPeriodOrComma)
        substitutePairs(b, into: a, .spaceBeforeAndBetween, first: isPeriodOrComma, second: { !isASCIIDigit($0) })
        // Dash when preceded by a digit.
        substitutePairs(a, into: b, .spaceBetweenAndAfter, first: isASCIIDigit, second: { $0 == 0x2D })
        swap(&a, &b)
    }
}
