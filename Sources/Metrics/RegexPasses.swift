// The tokenizers' regular expressions are all of two shapes: one character class replaced by the
// character padded with spaces, or a pair of classes `(A)(B)` replaced by the pair with spaces added.
// These passes reproduce Python's `re.sub` exactly for those shapes: matches are found left to right
// and do not overlap, so after a pair matches, scanning resumes after its second character.

/// Where a pair substitution puts spaces.
enum PairReplacement {
    /// `\1 \2 `
    case spaceBetweenAndAfter
    /// ` \1 \2`
    case spaceBeforeAndBetween
}

@inline(__always)
func substitutePairs(
    _ input: CodePointBuffer, into output: CodePointBuffer, _ replacement: PairReplacement,
    first: (UInt32) -> Bool, second: (UInt32) -> Bool
) {
    output.removeAll()
    let n = input.count
    output.reserve(2 * n)   // each pair of 2 grows to 4
    let text = input.base
    var i = 0
    while i < n {
        let a = text[i]
        if i + 1 < n && first(a) && second(text[i + 1]) {
            switch replacement {
            case .spaceBetweenAndAfter:
                output.appendReserved(a); output.appendReserved(0x20); output.appendReserved(text[i + 1]); output.appendReserved(0x20)
            case .spaceBeforeAndBetween:
                output.appendReserved(0x20); output.appendReserved(a); output.appendReserved(0x20); output.appendReserved(text[i + 1])
            }
            i += 2
        } else {
            output.appendReserved(a)
            i += 1
        }
    }
}

/// `(C)` → ` \1 ` for a single character class C.
@inline(__always)
func padCharacters(_ input: CodePointBuffer, into output: CodePointBuffer, where matches: (UInt32) -> Bool) {
    output.removeAll()
    output.reserve(3 * input.count)
    for i in 0 ..< input.count {
        let c = input.base[i]
        if matches(c) { output.appendReserved(0x20); output.appendReserved(c); output.appendReserved(0x20) } else { output.appendReserved(c) }
    }
}

/// Python's `str.replace(old, new)` (non-overlapping, left to right) over code points.
func replaceAll(_ input: CodePointBuffer, _ old: [UInt32], with new: [UInt32], into output: CodePointBuffer) {
    output.removeAll()
    let n = input.count, m = old.count
    output.reserve(n + n / m * new.count)
    let text = input.base
    var i = 0
    while i < n {
        if text[i] == old[0] && i + m <= n && (0 ..< m).allSatisfy({ text[i + $0] == old[$0] }) {
            for c in new { output.appendReserved(c) }
            i += m
        } else {
            output.appendReserved(text[i])
            i += 1
        }
    }
}

@inline(__always)
func isASCIIDigit(_ c: UInt32) -> Bool { c &- 0x30 < 10 }
