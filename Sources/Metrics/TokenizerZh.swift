// sacreBLEU's `zh` tokenizer (tokenizers/tokenizer_zh.py): the line stripped, a space on each side
// of every code point its `_is_chinese_char` accepts, then only the regular-expression stage of
// 13a (no `<skipped>` removal, no entity unescaping, no padding of the line with spaces, so a final
// "5." stays one token). Its range table is the one the Python source effectively tests: it writes
// two ranges as '\u20000'–'\u2a6d6' and '\u2f800'–'\u2fa1d', which Python reads as four hex digits
// and a character, so they compare as U+2001–U+2A6D (general punctuation, currency, arrows and
// mathematical symbols count as Chinese) and a subrange of U+2F00–U+2FDF (redundant); the
// supplementary planes, kana and Hangul do not count.

enum TokenizerZh {
    static let ranges: [ClosedRange<UInt32>] = [
        0x2001...0x2A6D, 0x2E80...0x2EFF, 0x2F00...0x2FDF, 0x2FF0...0x2FFF, 0x3000...0x303F, 0x3100...0x312F, 0x31A0...0x31EF,
        0x3200...0x33FF, 0x3400...0x4DB5, 0x4E00...0x9FBB, 0xF900...0xFA2D, 0xFA30...0xFA6A, 0xFA70...0xFAD9, 0xFE10...0xFE1F,
        0xFE30...0xFE4F, 0xFF00...0xFFEF,
    ]

    @inline(__always)
    static func isChinese(_ c: UInt32) -> Bool {
        guard c >= 0x2001 && c <= 0xFFEF else { return false }
        return ranges.contains { $0.contains(c) }
    }

    static func tokenize(_ line: UnsafeBufferPointer<UInt32>, into a: inout CodePointBuffer, scratch b: inout CodePointBuffer) {
        var start = 0, end = line.count
        while start < end && PythonText.isWhitespace(line[start]) { start += 1 }
        while end > start && PythonText.isWhitespace(line[end - 1]) { end -= 1 }
        a.removeAll()
        a.reserve(3 * (end - start))
        for i in start..<end {
            let c = line[i]
            if isChinese(c) { a.appendReserved(0x20); a.appendReserved(c); a.appendReserved(0x20) } else { a.appendReserved(c) }
        }
        padCharacters(a, into: b, where: Tokenizer13a.isSplitPunctuation)
        substitutePairs(b, into: a, .spaceBetweenAndAfter, first: { !isASCIIDigit($0) }, second: Tokenizer13a.isPeriodOrComma)
        substitutePairs(a, into: b, .spaceBeforeAndBetween, first: Tokenizer13a.isPeriodOrComma, second: { !isASCIIDigit($0) })
        substitutePairs(b, into: a, .spaceBetweenAndAfter, first: isASCIIDigit, second: { $0 == 0x2D })
    }
}
