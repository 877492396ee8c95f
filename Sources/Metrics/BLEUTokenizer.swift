/// The tokenizers `nmt bleu --tokenize` offers, named as in sacreBLEU's signature.
public enum BLEUTokenizer: String, CaseIterable, Sendable {
    case thirteenA = "13a"
    case none
    case intl
    case char
    case zh

    /// Writes the tokenized line to `output`: tokens are the maximal runs of non-whitespace in it,
    /// as BLEU's `line.split()` sees them. `scratch` is working space.
    func tokenize(_ line: UnsafeBufferPointer<UInt32>, into output: inout CodePointBuffer, scratch: inout CodePointBuffer) {
        switch self {
        case .thirteenA:
            Tokenizer13a.tokenize(line, into: &output, scratch: &scratch)
        case .intl:
            TokenizerIntl.tokenize(line, into: &output, scratch: &scratch)
        case .zh:
            TokenizerZh.tokenize(line, into: &output, scratch: &scratch)
        case .none:
            output.removeAll()
            output.append(contentsOf: line)
        case .char:
            // " ".join(line): every code point is a token; whitespace ones vanish in the split.
            output.removeAll()
            output.reserve(2 * line.count)
            for c in line { output.appendReserved(c); output.appendReserved(0x20) }
        }
    }
}
