import Foundation
import Testing
import Transformer
@testable import Decoding

struct LexicalShortlistTests {
    /// Source token 5 always comes with target 9, token 6 with 10; target 3 is in every pair
    /// (the most frequent); 7 and 11 co-occur once.
    static let pairs: [(source: [Int32], target: [Int32])] = [
        ([5, 6], [9, 10, 3]), ([5, 8], [9, 3, 3]), ([6, 8], [10, 3]), ([5, 7], [9, 11, 3]), ([8], [12, 3]),
    ]

    @Test func learnsTheSpecificCoOccurrencesAndTheFrequentTokens() throws {
        let s = try LexicalShortlist.learn(pairs: Self.pairs, vocabularySize: 16, settings: .init(best: 1, frequent: 1))
        #expect(s.frequentTokens == [3])
        #expect(s.candidatesOf[5] == [9])   // Dice 2·3/(3+3) = 1
        #expect(s.candidatesOf[6] == [10])
        #expect(s.candidatesOf[7] == [11])
        #expect(s.candidatesOf[8] == [3])   // 3 is in all 3 of 8's pairs: Dice 2·3/(3+5) = 0.75, above 12's 2·1/(3+1)
        #expect(s.candidatesOf[0].isEmpty && s.candidatesOf[15].isEmpty)
        #expect(s.candidates(for: [[5, 6], [7]], always: [2]) == [2, 3, 9, 10, 11])
        let wider = try LexicalShortlist.learn(pairs: Self.pairs, vocabularySize: 16, settings: .init(best: 3, frequent: 0))
        #expect(wider.candidatesOf[5] == [9, 3, 11])  // Dice 1, 0.75, 0.5 (10: 2·1/(3+2) = 0.4)
        #expect(wider.candidates(for: [[8]], always: []) == [3, 10, 12])  // 0.75, 0.5 (12), 0.4 (10) above 9's 1/3
    }

    @Test func storedFormRoundTripsAndRejectsDamage() throws {
        let s = try LexicalShortlist.learn(pairs: Self.pairs, vocabularySize: 16, settings: .init(best: 2, frequent: 2))
        let data = s.serialized()
        #expect(try LexicalShortlist(serialized: data, settings: s.settings) == s)
        #expect(throws: DecodingError.self) { try LexicalShortlist(serialized: data.dropLast(4), settings: s.settings) }
        #expect(throws: DecodingError.self) { try LexicalShortlist(serialized: Data("NMTSLX".utf8) + data.dropFirst(6), settings: s.settings) }
        var tooLong = data
        tooLong.append(contentsOf: [0, 0, 0, 0])
        #expect(throws: DecodingError.self) { try LexicalShortlist(serialized: tooLong, settings: s.settings) }
        var outOfRange = data
        outOfRange.replaceSubrange(14..<18, with: [99, 0, 0, 0])   // the first frequent id
        #expect(throws: DecodingError.self) { try LexicalShortlist(serialized: outOfRange, settings: s.settings) }
    }

    @Test func badInputIsRefused() {
        #expect(throws: DecodingError.self) { try LexicalShortlist.learn(pairs: [([40], [1])], vocabularySize: 16, settings: .init()) }
        #expect(throws: DecodingError.self) { try LexicalShortlist.learn(pairs: Self.pairs, vocabularySize: 16, settings: .init(best: 0)) }
    }

    /// With every token on the shortlist, search is the same as without one; with a short
    /// list, each step's log-probabilities are the full model's logits over the list,
    /// renormalised among themselves, and −∞ elsewhere.
    @Test func restrictedDecodingScoresOnlyTheCandidates() throws {
        let m = try TransformerDecoderTests.model()
        let v = m.config.vocabularySize
        let everything = LexicalShortlist(vocabularySize: v, settings: .init(), frequentTokens: (0..<Int32(v)).map { $0 },
                                          candidatesOf: Array(repeating: [], count: v))
        let settings = BeamSearch.Settings(beam: 3, lenpen: 1, maxLenA: 1, maxLenB: 6, nbest: 2)
        let full = try BeamSearch(settings: settings).search(TransformerDecoder(model: m), sources: TransformerDecoderTests.sources)
        let listed = try BeamSearch(settings: settings).search(TransformerDecoder(model: m, shortlist: everything), sources: TransformerDecoderTests.sources)
        #expect(listed.map { $0.map(\.tokens) } == full.map { $0.map(\.tokens) })
        for (a, b) in zip(listed.joined(), full.joined()) { #expect(abs(a.logProb - b.logProb) < 1e-4) }

        var candidates = Array(repeating: [Int32](), count: v)
        candidates[5] = [7, 9, 11]
        let short = LexicalShortlist(vocabularySize: v, settings: .init(), frequentTokens: [3, 4], candidatesOf: candidates)
        let allowed: [Int32] = [2, 3, 4, 7, 9, 11]
        #expect(short.candidates(for: [[5, 6]], always: [2]) == allowed)
        let restricted = TransformerDecoder(model: m, shortlist: short), plain = TransformerDecoder(model: m)
        try restricted.begin(sources: [[5, 6]], maxSteps: 4)
        try plain.begin(sources: [[5, 6]], maxSteps: 4)
        var lp: [Float] = [], ref: [Float] = []
        for token: Int32 in [1, 7, 9] {
            try restricted.step(tokens: [token], logProbs: &lp)
            try plain.step(tokens: [token], logProbs: &ref)
            #expect(lp.count == v)
            // The full log-probabilities renormalised over the allowed tokens.
            let mass = allowed.map { exp(Double(ref[Int($0)])) }.reduce(0, +)
            for id in 0..<v {
                if allowed.contains(Int32(id)) {
                    #expect(abs(Double(lp[id]) - (Double(ref[id]) - log(mass))) < 1e-5, "token \(id)")
                } else {
                    #expect(lp[id] == -.infinity, "token \(id)")
                }
            }
        }
    }

    @Test func aShortlistForAnotherVocabularyIsRefused() throws {
        let m = try TransformerDecoderTests.model()
        let other = LexicalShortlist(vocabularySize: 7, settings: .init(), frequentTokens: [3], candidatesOf: Array(repeating: [], count: 7))
        #expect(throws: DecodingError.self) { try TransformerDecoder(model: m, shortlist: other).begin(sources: [[5]], maxSteps: 3) }
    }
}
