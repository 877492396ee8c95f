/// One extension of a live hypothesis: its cumulative log-probability, the beam it extends
/// and the token it appends.
struct Candidate: Equatable {
    var score: Double
    var beam: Int
    var token: Int32
}

/// The best extensions of one sentence's beams: the inner loop of beam search, run for every
/// sentence of a step in parallel (each writes only its own list).
///
/// Shapes: `rows` [beams, V] log-probabilities of the sentence's rows; `bases` [beams] the
/// rows' cumulative log-probabilities (-inf = not live); `forbidden` [V].
/// Ranking is by score = base + log-probability, descending, ties to the lower beam, then the
/// lower token, so results never depend on scan or thread order. Most of a row cannot beat
/// the current `limit`-th best: only tokens above a Float threshold set safely low (so no
/// token that would enter is skipped) are looked at, found by a vectorised scan, and only
/// they are compared exactly in Double. A token at or below the threshold could not enter,
/// so the candidates are exactly those of a token-by-token scan.
enum CandidateSelection {
    /// Writes the best `limit` candidates, sorted, into `list`; returns how many (fewer when
    /// the sentence has fewer finite extensions). With `onlyToken` set (the maximum length
    /// forces `</s>`), each live beam contributes just that token.
    static func select(rows: UnsafePointer<Float>, vocabularySize V: Int, bases: UnsafePointer<Double>, beams: Int,
                       forbidden: UnsafePointer<Bool>, onlyToken: Int32?, limit: Int,
                       into list: UnsafeMutablePointer<Candidate>) -> Int {
        var count = 0
        func insert(_ c: Candidate) {
            var i = count
            while i > 0 && list[i - 1].score < c.score { i -= 1 }
            guard i < limit else { return }
            var j = min(count, limit - 1)
            while j > i { list[j] = list[j - 1]; j -= 1 }
            list[i] = c
            if count < limit { count += 1 }
        }
        for b in 0..<beams where bases[b] > -.infinity {
            let row = rows + b * V, base = bases[b]
            if let t = onlyToken {
                insert(Candidate(score: base + Double(row[Int(t)]), beam: b, token: t))
                continue
            }
            // Exact entry test; keeps `threshold` (a Float lower bound for entering) current.
            var threshold: Float = count < limit ? -.infinity : lowerBound(list[limit - 1].score - base, base)
            func consider(_ v: Int) {
                let lp = row[v]
                guard lp > -.infinity else { return }
                let score = base + Double(lp)
                if count == limit && score <= list[limit - 1].score { return }
                if forbidden[v] { return }
                insert(Candidate(score: score, beam: b, token: Int32(v)))
                if count == limit { threshold = lowerBound(list[limit - 1].score - base, base) }
            }
            // Only tokens above the threshold can enter: the scan jumps from one to the next
            // (32 floats per compare, VectorMath.firstAbove) and `consider` decides exactly.
            var v = VectorMath.firstAbove(row, V, threshold: threshold)
            while v < V {
                consider(v)
                v += 1
                v += VectorMath.firstAbove(row + v, V - v, threshold: threshold)
            }
        }
        return count
    }

    /// A Float no larger than any log-probability lp with base + lp > base + difference in
    /// Double arithmetic: the difference less a slack far above Double rounding of the
    /// subtraction (it may cancel), then rounded down to Float.
    @inline(__always)
    static func lowerBound(_ difference: Double, _ base: Double) -> Float {
        Float(difference - 1e-6 * max(1, abs(base))).nextDown
    }
}

import Tensor
