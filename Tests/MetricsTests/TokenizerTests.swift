import Foundation
import Testing
@testable import Metrics

/// Tokenizer output, line by line, against sacreBLEU's `_preprocess_segment(line).split()`.
struct TokenizerTests {
    struct Sample: Decodable, CustomStringConvertible {
        let line: String
        let tokens: [String: [String]]
        var description: String { line.debugDescription }

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            var fields = try container.decode([String: JSONValue].self)
            guard case let .string(line)? = fields.removeValue(forKey: "line") else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "sample without a line")
            }
            self.line = line
            tokens = fields.compactMapValues { if case let .strings(t) = $0 { return t } else { return nil } }
        }
    }

    enum JSONValue: Decodable {
        case string(String)
        case strings([String])
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let s = try? container.decode(String.self) { self = .string(s) } else { self = .strings(try container.decode([String].self)) }
        }
    }

    static let samples: [Sample] = {
        do { return try JSONDecoder().decode([Sample].self, from: BleuFixtures.data("tokenizers.json")) }
        catch { fatalError("cannot load Tests/Fixtures/bleu/tokenizers.json: \(error)") }
    }()

    /// The tokens `tokenizer` gives for `line`, as strings.
    static func tokens(_ line: String, _ tokenizer: BLEUTokenizer, lowercase: Bool) -> [String] {
        let lines = TextLines(lines: [line])
        var output = CodePointBuffer(), scratch = CodePointBuffer(), lowered: [UInt32] = []
        lines.withLine(0) { raw in
            if lowercase {
                PythonText.appendLowercased(raw, to: &lowered)
                lowered.withUnsafeBufferPointer { all in
                    tokenizer.tokenize(UnsafeBufferPointer(rebasing: all[0 ..< PythonText.rstrippedCount(all)]), into: &output, scratch: &scratch)
                }
            } else {
                tokenizer.tokenize(raw, into: &output, scratch: &scratch)
            }
        }
        var result: [String] = [], current = String.UnicodeScalarView()
        for c in output.buffer {
            if PythonText.isWhitespace(c) {
                if !current.isEmpty { result.append(String(current)); current = String.UnicodeScalarView() }
            } else {
                current.append(Unicode.Scalar(c)!)
            }
        }
        if !current.isEmpty { result.append(String(current)) }
        return result
    }

    @Test("every tokenizer splits like sacreBLEU's", arguments: samples)
    func matchesSacreBLEU(_ sample: Sample) {
        #expect(sample.tokens.count == 2 * BLEUTokenizer.allCases.count, "every tokenizer, cased and lowercased")
        for (setting, expected) in sample.tokens {
            let parts = setting.split(separator: " ")
            guard let tokenizer = BLEUTokenizer(rawValue: String(parts[0])) else {
                Issue.record("unknown tokenizer \(setting)")
                continue
            }
            let actual = Self.tokens(sample.line, tokenizer, lowercase: parts.count > 1)
            #expect(actual == expected, "\(setting)")
        }
    }

    @Test func thirteenAKeepsDecimalsAndSplitsDigitDash() {
        #expect(Self.tokens("It costs 3.50, or 1,000-2,000.", .thirteenA, lowercase: false)
            == ["It", "costs", "3.50", ",", "or", "1,000", "-", "2,000", "."])
    }

    @Test func thirteenAUnescapesEntitiesInSacreBLEUsOrder() {
        #expect(Self.tokens("&amp;lt; &quot;", .thirteenA, lowercase: false) == ["<", "\""])
    }

    @Test func lowercaseUsesFinalSigma() {
        #expect(Self.tokens("ΟΔΟΣ Σ", .none, lowercase: true) == ["οδος", "σ"])
    }

    @Test func charTokenizerSplitsCodePointsNotGraphemes() {
        #expect(Self.tokens("e\u{301}🇪🇸", .char, lowercase: false) == ["e", "\u{301}", "🇪", "🇸"])
    }
}
