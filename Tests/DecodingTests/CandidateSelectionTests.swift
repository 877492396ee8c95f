import Testing
@testable import Decoding

@Suite struct CandidateSelectionTests {
    /// Against sorting every (beam, token) extension: random rows with exact ties (coarse
    /// values) or non-dyadic values with one-ulp near-ties, -inf and NaN entries (never
    /// candidates, never hiding a neighbour), a dead beam, forbidden tokens, vocabulary sizes
    /// below, at and above the 32-token blocks and 8-token groups of the prefilter, and bases
    /// around -1e6 + fractions, where base + lp rounds in Double (the threshold's slack).
    @Test(arguments: [3, 13, 31, 32, 40, 64, 203, 1000])
    func matchesSortingEveryExtension(vocabularySize V: Int) {
        var state: UInt64 = UInt64(V) &* 0x9E3779B97F4A7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for trial in 0..<60 {
            let beams = 1 + trial % 5, limit = 2 * beams
            let coarse = trial % 2 == 0
            var rows = (0..<(beams * V)).map { _ in coarse ? -Float(next() % 50) / 8 : -Float(next() % 100_000) / 7919 }
            for i in rows.indices where next() % 7 == 0 { rows[i] = -.infinity }
            for i in rows.indices where next() % 53 == 0 { rows[i] = .nan }
            for i in rows.indices.dropFirst() where next() % 5 == 0 && rows[i - 1].isFinite {
                rows[i] = next() % 2 == 0 ? rows[i - 1].nextUp : rows[i - 1].nextDown
            }
            let big = trial % 4 == 3 ? -1e6 : 0
            var bases = (0..<beams).map { _ in big - (coarse ? Double(next() % 20) / 4 : Double(next() % 1000) / 7.3) }
            if beams > 1 && trial % 3 == 0 { bases[1] = -.infinity }
            let forbidden = (0..<V).map { $0 < 2 }
            var got = [Candidate](repeating: Candidate(score: 0, beam: 0, token: 0), count: limit)
            let count = rows.withUnsafeBufferPointer { r in bases.withUnsafeBufferPointer { b in forbidden.withUnsafeBufferPointer { f in
                got.withUnsafeMutableBufferPointer { out in
                    CandidateSelection.select(rows: r.baseAddress!, vocabularySize: V, bases: b.baseAddress!, beams: beams,
                                              forbidden: f.baseAddress!, onlyToken: nil, limit: limit, into: out.baseAddress!)
                }
            } } }
            var all: [Candidate] = []
            for b in 0..<beams where bases[b] > -.infinity {
                for v in 2..<V where rows[b * V + v] > -.infinity {
                    all.append(Candidate(score: bases[b] + Double(rows[b * V + v]), beam: b, token: Int32(v)))
                }
            }
            all.sort { ($0.score, -$0.beam, -Int($0.token)) > ($1.score, -$1.beam, -Int($1.token)) }
            let expected = Array(all.prefix(limit))
            #expect(Array(got.prefix(count)) == expected, "V \(V), trial \(trial)")
        }
    }

    /// At the maximum length only `</s>` is offered, once per live beam, whatever its score.
    @Test func onlyTokenOffersOneCandidatePerLiveBeam() {
        let V = 10, beams = 3
        let rows: [Float] = (0..<(beams * V)).map { $0 % V == 2 ? -Float($0 / V) : 0 }
        let bases: [Double] = [-1, -.infinity, -0.5]
        let forbidden = [Bool](repeating: false, count: V)
        var got = [Candidate](repeating: Candidate(score: 0, beam: 0, token: 0), count: 2 * beams)
        let count = got.withUnsafeMutableBufferPointer { out in
            CandidateSelection.select(rows: rows, vocabularySize: V, bases: bases, beams: beams, forbidden: forbidden,
                                      onlyToken: 2, limit: 2 * beams, into: out.baseAddress!)
        }
        #expect(Array(got.prefix(count)) == [Candidate(score: -1, beam: 0, token: 2), Candidate(score: -2.5, beam: 2, token: 2)])
    }
}
