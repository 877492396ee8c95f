import Foundation
import Testing
@testable import Decoding

/// A decoder whose next-token distribution is any function of (source, prefix).
final class TableDecoder: IncrementalDecoder {
    let vocabularySize: Int
    let bosID: Int32 = 1
    let eosID: Int32 = 2
    let forbiddenIDs: [Int32] = [0, 1]
    let distribution: ([Int32], [Int32]) -> [Double]
    var rows: [(source: [Int32], prefix: [Int32])] = []
    var steps = 0

    init(vocabularySize: Int, distribution: @escaping ([Int32], [Int32]) -> [Double]) {
        self.vocabularySize = vocabularySize
        self.distribution = distribution
    }

    var maxOutputLength = 1000
    func begin(sources: [[Int32]], maxSteps: Int) throws { rows = sources.map { ($0, []) } }
    func reorder(rows indices: [Int]) { rows = indices.map { rows[$0] } }
    func step(tokens: [Int32], logProbs: inout [Float]) throws {
        precondition(tokens.count == rows.count)
        steps += 1
        logProbs = []
        for (i, t) in tokens.enumerated() {
            if t != bosID { rows[i].prefix.append(t) }
            logProbs += distribution(rows[i].source, rows[i].prefix).map { Float(log($0)) }
        }
    }
}

/// Pseudo-random distributions keyed by (source, prefix), for search-invariance tests.
func hashedDistribution(vocab: Int) -> ([Int32], [Int32]) -> [Double] {
    return { source, prefix in
        var h: UInt64 = 1469598103934665603
        for t in source + [-1] + prefix { h = (h ^ UInt64(bitPattern: Int64(t))) &* 1099511628211 }
        var weights = (0..<vocab).map { v -> Double in
            h = h &* 6364136223846793005 &+ 1442695040888963407
            return Double((h >> 33) % 1000 + 1)
        }
        weights[0] = 0; weights[1] = 0
        weights[2] *= Double(prefix.count) / 3  // </s> grows likelier with length
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}

func makeSources(count: Int, maxLength: Int, alphabet: Int) -> [[Int32]] {
    var out: [[Int32]] = []
    for i in 0..<count {
        var s: [Int32] = []
        for j in 0..<(i % maxLength + 1) { s.append(Int32(3 + (j * 5 + i * 3) % alphabet)) }
        out.append(s)
    }
    return out
}

struct BeamSearchTests {
    /// Greedy takes token 3 (p 0.6) whose continuations are all poor; the best sequence is
    /// 4 then </s> (0.4 × 0.95 = 0.38 > 0.6 × 0.5 = 0.30). Beam 2 must find it.
    @Test func beamFindsTheKnownBestSequenceGreedyMisses() throws {
        let decoder = TableDecoder(vocabularySize: 6) { _, prefix in
            switch prefix {
            case []: return [0, 0, 0.0, 0.6, 0.4, 0.0].map { $0 + 1e-12 }
            case [3]: return [0, 0, 0.5, 0.2, 0.2, 0.1]
            case [4]: return [0, 0, 0.95, 0.02, 0.02, 0.01]
            default: return [0, 0, 1.0, 0, 0, 0].map { $0 + 1e-12 }
            }
        }
        let greedy = try BeamSearch(settings: .init(beam: 1, lenpen: 0)).search(decoder, sources: [[7]])
        #expect(greedy[0][0].tokens == [3])
        #expect(abs(greedy[0][0].logProb - log(0.6 * 0.5)) < 1e-5)
        let beam = try BeamSearch(settings: .init(beam: 2, lenpen: 0)).search(decoder, sources: [[7]])
        #expect(beam[0][0].tokens == [4])
        #expect(abs(beam[0][0].logProb - log(0.4 * 0.95)) < 1e-5)
    }

    /// Beam 1 equals an explicit greedy argmax loop.
    @Test func beamOneIsGreedy() throws {
        let dist = hashedDistribution(vocab: 9)
        let sources = makeSources(count: 20, maxLength: 7, alphabet: 6)
        let settings = BeamSearch.Settings(beam: 1, lenpen: 1, maxLenA: 1.2, maxLenB: 5)
        let result = try BeamSearch(settings: settings).search(TableDecoder(vocabularySize: 9, distribution: dist), sources: sources)
        for (i, source) in sources.enumerated() {
            var prefix: [Int32] = []
            var logProb = 0.0
            while true {
                let p = dist(source, prefix)
                if prefix.count >= settings.maxLength(sourceLength: source.count) { logProb += log(p[2]); break }
                let best = (2..<9).max { p[$0] < p[$1] }!
                logProb += log(p[best])
                if best == 2 { break }
                prefix.append(Int32(best))
            }
            #expect(result[i][0].tokens == prefix, "sentence \(i)")
            #expect(abs(result[i][0].logProb - logProb) < 1e-4)
        }
    }

    /// A sentence's result does not depend on which other sentences share its batch.
    @Test func resultsDoNotDependOnBatchComposition() throws {
        let dist = hashedDistribution(vocab: 12)
        let sources = makeSources(count: 15, maxLength: 9, alphabet: 9)
        let search = BeamSearch(settings: .init(beam: 4, lenpen: 1, nbest: 2))
        let together = try search.search(TableDecoder(vocabularySize: 12, distribution: dist), sources: sources)
        for (i, s) in sources.enumerated() {
            let alone = try search.search(TableDecoder(vocabularySize: 12, distribution: dist), sources: [s])
            #expect(alone[0] == together[i], "sentence \(i)")
        }
        let reversed = try search.search(TableDecoder(vocabularySize: 12, distribution: dist), sources: sources.reversed())
        #expect(Array(reversed.reversed()) == together)
        for hyps in together {
            #expect(hyps.count == 2)
            #expect(hyps[0].score >= hyps[1].score)
        }
    }

    @Test func maximumLengthForcesEndOfSentence() throws {
        // </s> is never likely: output stops at max_len_a·|src| + max_len_b tokens.
        let decoder = TableDecoder(vocabularySize: 5) { _, _ in [0, 0, 1e-9, 0.5, 0.5 - 1e-9] }
        let settings = BeamSearch.Settings(beam: 3, lenpen: 1, maxLenA: 0.5, maxLenB: 2)
        let result = try BeamSearch(settings: settings).search(decoder, sources: [[3, 3, 3, 3]])
        #expect(result[0][0].tokens.count == 4)
    }

    @Test func lengthPenaltyPrefersLongerHypotheses() throws {
        // Short: </s> at once with p 0.3. Long: 3 then </s> with 0.7 × 0.4 = 0.28.
        let decoder = TableDecoder(vocabularySize: 5) { _, prefix in
            prefix.isEmpty ? [0, 0, 0.3, 0.7, 1e-9] : [0, 0, 0.4, 0.3, 0.3]
        }
        let noPenalty = try BeamSearch(settings: .init(beam: 2, lenpen: 0)).search(decoder, sources: [[3]])
        #expect(noPenalty[0][0].tokens == [])
        let normalized = try BeamSearch(settings: .init(beam: 2, lenpen: 1)).search(decoder, sources: [[3]])
        #expect(normalized[0][0].tokens == [3])
    }

    @Test func invalidSettings() {
        #expect(throws: DecodingError.self) { try BeamSearch.Settings(beam: 0).validate() }
        #expect(throws: DecodingError.self) { try BeamSearch.Settings(beam: 2, nbest: 3).validate() }
    }
}
