// sacreBLEU's `intl` tokenizer (mteval-v14.pl's international tokenization), from
// sacrebleu/tokenizers/tokenizer_intl.py: split Unicode punctuation off unless it sits between digits,
// and split off every Unicode symbol. Unicode categories come from the Swift standard library, which
// agrees with the `regex` module's \p{N}, \p{P} and \p{S} on every code point (checked for regex 2026.5.9).

enum TokenizerIntl {
    private enum Class: UInt8 { case other, number, punctuation, symbol }

    private static let asciiClasses: [Class] = (0 ..< 128).map { classify(UInt32($0)) }

    private static func classify(_ c: UInt32) -> Class {
        guard let scalar = Unicode.Scalar(c) else { return .other }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return .symbol
        default: return .other
        }
    }

    @inline(__always)
    private static func characterClass(_ c: UInt32) -> Class {
        c < 128 ? asciiClasses[Int(c)] : classify(c)
    }

    /// Writes the tokenized line (tokens separated by whitespace) to `a`; `b` is scratch.
    static func tokenize(_ line: UnsafeBufferPointer<UInt32>, into a: inout CodePointBuffer, scratch b: inout CodePointBuffer) {
        a.removeAll()
        a.append(contentsOf: line)
        let notNumber: (UInt32) -> Bool = { characterClass($0) != .number }
        let punctuation: (UInt32) -> Bool = { characterClass($0) == .punctuation }
        // (\P{N})(\p{P}) → "\1 \2 ", then (\p{P})(\P{N}) → " \1 \2", then (\p{S}) → " \1 ".
        substitutePairs(a, into: b, .spaceBetweenAndAfter, first: notNumber, second: punctuation)
        substitutePairs(b, into: a, .spaceBeforeAndBetween, first: punctuation, second: notNumber)
        padCharacters(a, into: b, where: { characterClass($0) == .symbol })
        swap(&a, &b)
    }
}
