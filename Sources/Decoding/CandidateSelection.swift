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
/// the current `limit`-th best: a block of 32 tokens is rejected when its maximum (four
/// lane-wise max operations, one horizontal max) is not above a Float threshold set safely
/// low (so no token that would enter is skipped); in a block that passes, each group of 8
/// is tested the same way, and only the tokens of groups that pass are compared exactly in
/// Double.
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
            // Blocks of 32 tokens whose maximum cannot enter are skipped with one compare.
            var v = 0
            while v + 32 <= V {
                if maximum32(row + v) > threshold {
                    for group in stride(from: v, to: v + 32, by: 8) where maximum8(row + group) > threshold {
                        for lane in group..<(group + 8) { consider(lane) }
                    }
                }
                v += 32
            }
            while v < V { consider(v); v += 1 }
        }
        return count
    }

    /// Largest non-NaN of the 32 floats at `p` (-inf if none): lane-wise max of four vectors
    /// started from -inf, so a NaN lane (never a candidate) cannot hide a valid token.
    @inline(__always)
    static func maximum32(_ p: UnsafePointer<Float>) -> Float {
        var m = SIMD8<Float>(repeating: -.infinity)
        for k in stride(from: 0, to: 32, by: 8) {
            let x = UnsafeRawPointer(p + k).loadUnaligned(as: SIMD8<Float>.self)
            m.replace(with: x, where: x .> m)
        }
        return m.max()
    }

    /// Largest non-NaN of the 8 floats at `p` (-inf if none).
    @inline(__always)
    static func maximum8(_ p: UnsafePointer<Float>) -> Float {
        var m = SIMD8<Float>(repeating: -.infinity)
        let x = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
        m.replace(with: x, where: x .> m)
        return m.max()
    }

    /// A Float no larger than any log-probability lp with base + lp > base + difference in
    /// Double arithmetic: the difference less a slack far above Double rounding of the
    /// subtraction (it may cancel), then rounded down to Float.
    @inline(__always)
    static func lowerBound(_ difference: Double, _ base: Double) -> Float {
        Float(difference - 1e-6 * max(1, abs(base))).nextDown
    }
}
