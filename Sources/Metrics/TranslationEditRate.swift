// sacreBLEU's translation_edit_rate (metrics/lib_ter.py): Tercom's greedy shift search around a
// beam edit distance, reproduced step for step (same candidate order, same tie-breaking, same
// limits), so the number of edits is sacreBLEU's exactly. Words are compared as integer ids.
//
// sacreBLEU caches edit-distance rows by hypothesis prefix; every hypothesis one call evaluates
// has the same length (shifts keep it), so a cached row equals the recomputed one and leaving
// the cache out changes no result.

enum TranslationEditRate {
    static let maxShiftSize = 10
    static let maxShiftDistance = 50
    static let beamWidth = 25
    static let maxShiftCandidates = 1000
    static let infinity = 10_000_000_000_000_000

    /// (number of edits, reference length) of `hypothesis` against `reference`.
    static func edits(hypothesis: [Int], reference: [Int]) -> (edits: Int, referenceLength: Int) {
        if reference.isEmpty { return (hypothesis.count, 0) }
        let distance = BeamEditDistance(reference: reference)
        var shifts = 0
        var words = hypothesis
        var checked = 0
        while true {
            let (delta, shifted, nowChecked) = bestShift(words, reference, distance, checked: checked)
            checked = nowChecked
            if checked >= maxShiftCandidates { break }
            if delta <= 0 { break }
            shifts += 1
            words = shifted
        }
        return (shifts + distance.distance(words).cost, reference.count)
    }

    /// `_shift`: the shift that lowers the edit distance most (Tercom's ranking), or delta 0.
    static func bestShift(_ h: [Int], _ r: [Int], _ distance: BeamEditDistance, checked: Int) -> (Int, [Int], Int) {
        var checked = checked
        let (preScore, inverseTrace) = distance.distance(h)
        let alignment = Alignment(trace: inverseTrace.map(\.flipped), hypothesisCount: h.count, referenceCount: r.count)
        // (score, length, -start_h, -idx) compared as Python compares tuples.
        var best: (score: Int, length: Int, negStart: Int, negTarget: Int, words: [Int])?
        /// Evaluates one pair's shifts; true when the candidate limit is reached.
        func tryPair(_ startH: Int, _ startR: Int, _ length: Int) -> Bool {
            if alignment.hypothesisErrors(startH, length) == 0 { return false }
            if alignment.referenceErrors(startR, length) == 0 { return false }
            let aligned = alignment.hypothesisPosition(ofReference: startR)
            if startH <= aligned && aligned < startH + length { return false }
            var previous = -1
            for offset in -1..<length {
                let target: Int
                if startR + offset == -1 {
                    target = 0
                } else if startR + offset < r.count {
                    target = alignment.hypothesisPosition(ofReference: startR + offset) + 1
                } else {
                    break
                }
                if target == previous { continue }
                previous = target
                let shifted = perform(h, start: startH, length: length, target: target)
                let candidate = (score: preScore - distance.distance(shifted).cost, length: length, negStart: -startH, negTarget: -target,
                                 words: shifted)
                checked += 1
                if let b = best {
                    if (candidate.score, candidate.length, candidate.negStart, candidate.negTarget) > (b.score, b.length, b.negStart, b.negTarget) {
                        best = candidate
                    }
                } else {
                    best = candidate
                }
            }
            return checked >= maxShiftCandidates
        }

        outer: for startH in 0..<h.count {
            for startR in 0..<r.count where abs(startR - startH) <= maxShiftDistance {
                var length = 0
                while h[startH + length] == r[startR + length] && length < maxShiftSize {
                    length += 1
                    // One matching pair (startH, startR, length), as _find_shifted_pairs yields it.
                    if tryPair(startH, startR, length) { break outer }
                    if h.count == startH + length || r.count == startR + length { break }
                }
            }
        }

        guard let best else { return (0, h, checked) }
        return (best.score, best.words, checked)
    }

    /// `_perform_shift`: move words[start..<start+length] to before index `target`.
    static func perform(_ w: [Int], start: Int, length: Int, target: Int) -> [Int] {
        func slice(_ a: Int, _ b: Int) -> ArraySlice<Int> {
            let lo = min(max(a, 0), w.count), hi = min(max(b, lo), w.count)
            return w[lo..<hi]
        }
        let moved = slice(start, start + length)
        if target < start {
            return Array(slice(0, target) + moved + slice(target, start) + slice(start + length, w.count))
        } else if target > start + length {
            return Array(slice(0, start) + slice(start + length, target) + moved + slice(target, w.count))
        } else {
            return Array(slice(0, start) + slice(start + length, length + target) + moved + slice(length + target, w.count))
        }
    }

    /// `trace_to_alignment` of the flipped trace (rewriting the reference into the hypothesis).
    struct Alignment {
        private var referenceToHypothesis: [Int]
        private var hypothesisErrorPrefix: [Int]
        private var referenceErrorPrefix: [Int]

        init(trace: [EditOperation], hypothesisCount: Int, referenceCount: Int) {
            var positionH = -1, positionR = -1
            var hypothesisErrors: [Int] = [], referenceErrors: [Int] = []
            referenceToHypothesis = [Int](repeating: 0, count: referenceCount)
            for op in trace {
                switch op {
                case .none, .substitution:
                    positionH += 1; positionR += 1
                    referenceToHypothesis[positionR] = positionH
                    let error = op == .substitution ? 1 : 0
                    hypothesisErrors.append(error); referenceErrors.append(error)
                case .insertion:
                    positionH += 1
                    hypothesisErrors.append(1)
                case .deletion:
                    positionR += 1
                    referenceToHypothesis[positionR] = positionH
                    referenceErrors.append(1)
                }
            }
            func prefix(_ a: [Int]) -> [Int] { var p = [0]; for x in a { p.append(p.last! + x) }; return p }
            hypothesisErrorPrefix = prefix(hypothesisErrors)
            referenceErrorPrefix = prefix(referenceErrors)
        }

        func hypothesisPosition(ofReference r: Int) -> Int { referenceToHypothesis[r] }

        /// sum(errors[start : start + length]) with Python's clipping.
        private static func sum(_ prefix: [Int], _ start: Int, _ length: Int) -> Int {
            let n = prefix.count - 1
            let lo = min(start, n), hi = min(start + length, n)
            return hi > lo ? prefix[hi] - prefix[lo] : 0
        }
        func hypothesisErrors(_ start: Int, _ length: Int) -> Int { Self.sum(hypothesisErrorPrefix, start, length) }
        func referenceErrors(_ start: Int, _ length: Int) -> Int { Self.sum(referenceErrorPrefix, start, length) }
    }
}

enum EditOperation: UInt8 {
    case none, substitution, insertion, deletion
    /// Insertions and deletions swap when the rewrite is read the other way round.
    var flipped: EditOperation {
        switch self {
        case .insertion: return .deletion
        case .deletion: return .insertion
        default: return self
        }
    }
}

/// `BeamEditDistance` without its row cache: Levenshtein distance to the reference over a band
/// around the length-ratio diagonal, with Tercom's preference among equal-cost operations.
struct BeamEditDistance {
    let reference: [Int]

    /// The distance from `h` to the reference and the trace of operations (hypothesis → reference).
    func distance(_ h: [Int]) -> (cost: Int, trace: [EditOperation]) {
        let nH = h.count, nR = reference.count, width = nR + 1
        let inf = TranslationEditRate.infinity
        var costs = [Int](repeating: inf, count: (nH + 1) * width)
        var operations = [EditOperation](repeating: .none, count: (nH + 1) * width)
        let lengthRatio = nH > 0 ? Double(nR) / Double(nH) : 1
        let beam = Double(TranslationEditRate.beamWidth) < lengthRatio / 2
            ? Int((lengthRatio / 2 + Double(TranslationEditRate.beamWidth)).rounded(.up)) : TranslationEditRate.beamWidth
        costs.withUnsafeMutableBufferPointer { cost in
            operations.withUnsafeMutableBufferPointer { operation in
                h.withUnsafeBufferPointer { h in
                    reference.withUnsafeBufferPointer { reference in
                        for j in 0...nR { cost[j] = j; operation[j] = .insertion }
                        guard nH > 0 else { return }
                        for i in 1...nH {
                            let diagonal = Int((Double(i) * lengthRatio).rounded(.down))
                            let minJ = max(0, diagonal - beam)
                            let maxJ = i == nH ? nR + 1 : min(nR + 1, diagonal + beam)
                            let row = i * width, above = (i - 1) * width
                            let word = h[i - 1]
                            var j = minJ
                            while j < maxJ {
                                if j == 0 {
                                    cost[row] = cost[above] + 1
                                    operation[row] = .deletion
                                } else {
                                    let match = word == reference[j - 1]
                                    var best = cost[row + j], bestOp = operation[row + j]
                                    let sub = cost[above + j - 1] + (match ? 0 : 1)
                                    if best > sub { best = sub; bestOp = match ? .none : .substitution }
                                    let del = cost[above + j] + 1
                                    if best > del { best = del; bestOp = .deletion }
                                    let ins = cost[row + j - 1] + 1
                                    if best > ins { best = ins; bestOp = .insertion }
                                    cost[row + j] = best
                                    operation[row + j] = bestOp
                                }
                                j += 1
                            }
                        }
                    }
                }
            }
        }
        var trace: [EditOperation] = []
        trace.reserveCapacity(nH + nR)
        var i = nH, j = nR
        while i > 0 || j > 0 {
            let op = operations[i * width + j]
            trace.append(op)
            switch op {
            case .none, .substitution: i -= 1; j -= 1
            case .insertion: j -= 1
            case .deletion: i -= 1
            }
        }
        return (costs[nH * width + nR], trace.reversed())
    }
}
