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
    _ input: [UInt32], into output: inout [UInt32], _ replacement: PairReplacement,
    first: (UInt32) -> Bool, second: (UInt32) -> Bool
) {
    output.removeAll(keepingCapacity: true)
    let n = input.count
    var i = 0
    while i < n {
        let a = input[i]
        if i + 1 < n && first(a) && second(input[i + 1]) {
            switch replacement {
            case .spaceBetweenAndAfter: output.append(a); output.append(0x20); output.append(input[i + 1]); output.append(0x20)
            case .spaceBeforeAndBetween: output.append(0x20); output.append(a); output.append(0x20); output.append(input[i + 1])
            }
            i += 2
        } else {
            output.append(a)
            i += 1
        }
    }
}

/// `(C)` → ` \1 ` for a single character class C.
@inline(__always)
func padCharacters(_ input: [UInt32], into output: inout [UInt32], where matches: (UInt32) -> Bool) {
    output.removeAll(keepingCapacity: true)
    for c in input {
        if matches(c) { output.append(0x20); output.append(c); output.append(0x20) } else { output.append(c) }
    }
}

/// Python's `str.replace(old, new)` (non-overlapping, left to right) over code points.
func replaceAll(_ input: [UInt32], _ old: [UInt32], with new: [UInt32], into output: inout [UInt32]) {
    output.removeAll(keepingCapacity: true)
    let n = input.count, m = old.count
    var i = 0
    while i < n {
        if input[i] == old[0] && i + m <= n && input[i ..< i + m].elementsEqual(old) {
            output.append(contentsOf: new)
            i += m
        } else {
            output.append(input[i])
            i += 1
        }
    }
}

@inline(__always)
func isASCIIDigit(_ c: UInt32) -> Bool { c &- 0x30 < 10 }
