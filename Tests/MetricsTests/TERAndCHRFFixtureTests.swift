import Foundation
import Testing
import TestSupport
@testable import Metrics

/// TER (every combination of sacreBLEU's four options) and chrF's variants (chrF++, character
/// order, β, whitespace, lowercase) against sacreBLEU 2.6.0 on every text set of
/// Tests/Fixtures/bleu and the real-system corpora of Tests/Fixtures/bleu-stats
/// (scripts/reference/make_bleu_stats_fixtures.py).
@Suite struct TERAndCHRFFixtureTests {
    struct Fixture: Decodable {
        let ter_configs: [String: Config<TEROptionsJSON>]
        let chrf_configs: [String: Config<CHRFOptionsJSON>]
        let sets: [Set]
    }
    /// A setting's options and its signature for 1, 2, 3 references.
    struct Config<Options: Decodable>: Decodable { let options: Options; let signatures: [String: String] }
    struct TEROptionsJSON: Decodable { let case_sensitive: Bool; let no_punct: Bool; let normalized: Bool; let asian_support: Bool }
    struct CHRFOptionsJSON: Decodable { let char_order: Int?; let word_order: Int?; let beta: Int?; let whitespace: Bool?; let lowercase: Bool? }
    struct Set: Decodable, CustomStringConvertible {
        let name: String
        let hyp: String
        let refs: [String]
        let ter: [String: TERResult]
        let chrf: [String: CHRFResult]
        var description: String { name }
    }
    struct TERResult: Decodable { let score: Double; let num_edits: Int; let ref_length: Double }
    struct CHRFResult: Decodable { let name: String; let score: Double }

    static let fixture: Fixture = try! JSONDecoder().decode(Fixture.self, from: Fixtures.data("bleu-stats/metrics.json"))
    static var setNames: [String] { fixture.sets.map(\.name) }

    func lines(_ path: String) throws -> TextLines {
        try TextLines(utf8: Array(try Data(contentsOf: Fixtures.packageRoot.appendingPathComponent(path))), name: path)
    }

    @Test(arguments: setNames)
    func terMatchesSacreBLEU(set name: String) throws {
        let set = try #require(Self.fixture.sets.first { $0.name == name })
        let hypotheses = try lines(set.hyp), references = try set.refs.map(lines)
        for (configName, config) in Self.fixture.ter_configs {
            let c = config.options
            let options = TEROptions(normalized: c.normalized, noPunctuation: c.no_punct, asianSupport: c.asian_support, caseSensitive: c.case_sensitive)
            let expected = try #require(set.ter[configName])
            let stats = TER.statistics(hypotheses: hypotheses, references: references, options: options)
            #expect(Approximately.equal(TER.score(stats), expected.score, relative: 1e-12, absolute: 1e-9), "\(name) \(configName): \(TER.score(stats)) vs \(expected.score)")
            #expect(Int(stats.edits) == expected.num_edits && Approximately.equal(stats.referenceLength, expected.ref_length, relative: 1e-12),
                    "\(name) \(configName): \(stats) vs \(expected.num_edits), \(expected.ref_length)")
            #expect(TER.signature(references: references.count, options: options) == config.signatures["\(references.count)"])
        }
    }

    @Test(arguments: setNames)
    func chrFVariantsMatchSacreBLEU(set name: String) throws {
        let set = try #require(Self.fixture.sets.first { $0.name == name })
        let hypotheses = try lines(set.hyp), references = try set.refs.map(lines)
        for (configName, config) in Self.fixture.chrf_configs {
            let c = config.options
            let options = CHRFOptions(charOrder: c.char_order ?? 6, wordOrder: c.word_order ?? 0, beta: c.beta ?? 2,
                                      lowercase: c.lowercase ?? false, whitespace: c.whitespace ?? false)
            let expected = try #require(set.chrf[configName])
            let stats = try #require(CorpusScorer.statistics(hypotheses: hypotheses, references: references, chrF: options).chrF)
            let score = CHRF.score(stats, beta: options.beta)
            #expect(Approximately.equal(score, expected.score, relative: 1e-12, absolute: 1e-9), "\(name) \(configName): \(score) vs \(expected.score)")
            #expect(options.name == expected.name)
            #expect(Signature.chrF(references: references.count, options: options) == config.signatures["\(references.count)"])
        }
    }

    @Test func outOfRangeChrFSettingsAreRefused() {
        #expect(throws: MetricsSettingError.self) { try CHRFOptions(charOrder: 0, wordOrder: 0).validate() }
        #expect(throws: MetricsSettingError.self) { try CHRFOptions(charOrder: 12, wordOrder: 5).validate() }
        #expect(throws: MetricsSettingError.self) { try CHRFOptions(beta: -1).validate() }
    }
}
