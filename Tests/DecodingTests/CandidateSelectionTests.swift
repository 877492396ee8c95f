import Testing
@testable import Decoding

@Suite struct CandidateSelectionTests {
    /// Against sorting every (beam, token) extension: random rows with many exact ties,
    /// -inf entries, a dead beam, forbidden tokens and vocabulary sizes around the 8-lane
    /// vector width; also bases large enough that base + lp cancels.
    @Test(arguments: [3, 8, 13, 64, 203])
    func matchesSortingEveryExtension(vocabularySize V: Int) {
        var state: UInt64 = UInt64(V) &* 0x9E3779B97F4A7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for trial in 0..<40 {
            let beams = 1 + trial % 5, limit = 2 * beams
            var rows = (0..<(beams * V)).map { _ in -Float(next() % 50) / 8 }   // coarse values: ties
            for i in rows.indices where next() % 7 == 0 { rows[i] = -.infinity }
            let big = trial % 4 == 3 ? -1e6 : 0
            var bases = (0..<beams).map { _ in big - Double(next() % 20) / 4 }
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
