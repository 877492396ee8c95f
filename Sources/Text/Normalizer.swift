// Text normalization for the tokenizer, via ICU in the CTextNorm C target: control characters
// removed, a Unicode normalization form (NFKC by default), white space collapsed and trimmed.
// U+2581 "▁" counts as white space here, because the tokenizer uses it to mark word starts;
// that is what makes decode(encode(x)) == normalize(x) hold for every line.
import CTextNorm

/// The Unicode normalization form applied before tokenization.
public enum NormalizationForm: String, CaseIterable, Sendable {
    case nfkc, nfc, none

    var code: Int32 {
        switch self {
        case .nfkc: return Int32(NMT_FORM_NFKC)
        case .nfc: return Int32(NMT_FORM_NFC)
        case .none: return Int32(NMT_FORM_NONE)
        }
    }
}

/// Normalizes one line of text (see the file comment). Never fails on a Swift String.
public func normalize(_ text: String, form: NormalizationForm = .nfkc) -> String {
    let normalizer = TextNormalizer(form: form)
    var input = text
    return input.withUTF8 { bytes in
        // A Swift String is always valid UTF-8, so the nil case cannot occur.
        normalizer.normalize(bytes).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}

/// A reusable normalizer over UTF-8 bytes that keeps its output buffer between calls.
/// Not thread-safe: give each thread its own.
public final class TextNormalizer {
    public let form: NormalizationForm
    private var output: UnsafeMutableBufferPointer<UInt8>

    public init(form: NormalizationForm) {
        self.form = form
        self.output = .allocate(capacity: 4096)
    }

    deinit { output.deallocate() }

    /// Normalizes `bytes` (one line, UTF-8). Returns nil if the bytes are not valid UTF-8.
    /// The returned buffer stays valid until the next call.
    public func normalize(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        precondition(bytes.count < Int(Int32.max) / 4, "line too long for the normalizer")
        while true {
            let length = nmt_clean_utf8(form.code, bytes.baseAddress, Int32(bytes.count), output.baseAddress, Int32(output.count))
            if length == Int32(NMT_CLEAN_INVALID_UTF8) { return nil }
            precondition(length >= 0, "ICU normalization failed (code \(length))")
            if Int(length) <= output.count {
                return UnsafeBufferPointer(rebasing: output[0..<Int(length)])
            }
            output.deallocate()
            output = .allocate(capacity: Int(length) * 2)
        }
    }
}
