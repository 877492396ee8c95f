import Foundation
import TestSupport

/// Tests/Fixtures/bleu.
enum BleuFixtures {
    static let directory = Fixtures.url("bleu")

    static func data(_ name: String) throws -> Data { try Fixtures.data("bleu/\(name)") }

    struct Expected: Decodable {
        let sacrebleu: String
        let cases: [Case]
    }

    struct Case: Decodable, CustomStringConvertible {
        struct BLEUResult: Decodable {
            let score: Double
            let precisions: [Double]
            let bp: Double
            let sys_len: Int
            let ref_len: Int
            let signature: String
        }
        let name: String
        let hyp: String
        let refs: [String]
        let tokenize: String
        let lowercase: Bool
        let bleu: BLEUResult
        let chrf: Double
        var description: String { name }
    }

    static let expected: Expected = {
        do { return try JSONDecoder().decode(Expected.self, from: data("expected.json")) }
        catch { fatalError("cannot load Tests/Fixtures/bleu/expected.json (run scripts/reference/make_bleu_fixtures.py): \(error)") }
    }()
}
