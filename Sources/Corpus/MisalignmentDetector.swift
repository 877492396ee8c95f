// Finds verses whose text does not belong to the verse with the same key on the other side.
//
// The two modules share a versification, but in places the Spanish text is not where the key says:
// Spanish Jonah 2:1 holds English Jonah 1:17 (Spanish 1:17 is empty) and every following verse of
// the chapter is one behind; Spanish Job 39:30 holds English 39:27–40:5, and so on. Such stretches
// are found per book (so a shift may cross a chapter end) by a hidden Markov model whose state is
// the offset d ∈ −maxOffset…maxOffset: source verse i is the translation of target verse i + d.
// Each state scores the pairing by AlignmentEvidence's log-likelihood ratio; changing offset costs
// `switchCost` nats (a prior of e^−10 per verse that the versifications drift apart), so only a
// run whose shifted pairing is clearly better — together, by more than two switches — is taken.
// Viterbi gives the path; verses off offset 0 are `shifted`.
//
// Where a run ends, or next to a verse that is empty on one side, the text is usually merged into
// a neighbour (Spanish Jonah 2:10 = English 2:9 + 2:10). Each such neighbour is tested the
// Gale & Church way: does the verse pair score better as 2:1 (with the neighbour's text joined on
// either side) than as 1:1? If so it is `merged`; if the evidence is against the 1:1 pair at all
// (LLR < 0: more like two unrelated verses than a translation), it is `unsupported`.
// Everything is dropped, never re-paired: the boundaries of a shift are where re-pairing is unsafe.

import Foundation
import Parallelism

public struct MisalignmentDetector: Sendable {
    public static let maxOffset = 5
    public static let switchCost = 10.0
    /// Pairing with a verse outside the book is impossible.
    static let impossible = -1e9

    public enum Verdict: Equatable, Sendable {
        case keep
        /// Pairs better with target verse `i + offset`.
        case shifted(offset: Int, shiftedScore: Double, keyedScore: Double)
        /// Scores better with neighbour `neighbour` (an index) joined on the `side` side.
        case merged(neighbour: Int, joinedSide: Side, joinedScore: Double, keyedScore: Double)
        /// Next to verse `neighbour` (shifted or empty on one side), and the evidence is against
        /// this pair being a translation at all (log-likelihood ratio below 0).
        case unsupported(neighbour: Int, keyedScore: Double)
    }

    public enum Side: String, Sendable { case source, target }

    public let evidence: AlignmentEvidence

    public init(evidence: AlignmentEvidence) {
        self.evidence = evidence
    }

    /// One verdict per verse. source[i] and target[i] share a key; `books` are index ranges.
    /// Verses empty on either side get `.keep` here (they are dropped as empty by the caller).
    public func verdicts(source: [VerseFeatures], target: [VerseFeatures], books: [Range<Int>]) -> [Verdict] {
        // Books are independent: judge them on all cores, then put the verdicts back in order.
        let perBook = BookSlots(count: books.count)
        Parallel.forEachIteration(books.count) { b in
            perBook.set(b, bookVerdicts(source: source, target: target, book: books[b]))
        }
        var verdicts = [Verdict](repeating: .keep, count: source.count)
        for (b, book) in books.enumerated() {
            for (k, verdict) in perBook.get(b).enumerated() { verdicts[book.lowerBound + k] = verdict }
        }
        return verdicts
    }

    /// Verdicts for the verses of one book, in order; indices inside them are global.
    func bookVerdicts(source: [VerseFeatures], target: [VerseFeatures], book: Range<Int>) -> [Verdict] {
        let base = book.lowerBound
        var verdicts = [Verdict](repeating: .keep, count: book.count)
        do {
            let offsets = viterbiOffsets(source: source, target: target, book: book)
            for i in book where offsets[i - book.lowerBound] != 0 && !source[i].isEmpty && !target[i].isEmpty {
                let d = offsets[i - book.lowerBound]
                verdicts[i - base] = .shifted(offset: d, shiftedScore: evidence.logLikelihoodRatio(source[i], target[i + d]),
                                       keyedScore: evidence.logLikelihoodRatio(source[i], target[i]))
            }
            // Suspects: neighbours of shifted verses and of verses empty on one side.
            for i in book {
                let suspicious = { (j: Int) -> Bool in
                    if case .shifted = verdicts[j - base] { return true }
                    return source[j].isEmpty != target[j].isEmpty
                }
                guard verdicts[i - base] == .keep, !source[i].isEmpty, !target[i].isEmpty else { continue }
                let keyed = evidence.logLikelihoodRatio(source[i], target[i])
                var best: Verdict = .keep
                var bestScore = keyed
                let suspects = [i - 1, i + 1].filter { book.contains($0) && suspicious($0) }
                if keyed < 0, let j = suspects.first { best = .unsupported(neighbour: j, keyedScore: keyed) }
                for j in suspects {
                    if !target[j].isEmpty {
                        let joined = evidence.logLikelihoodRatio(source[i], target[i].joined(with: target[j]))
                        if joined > bestScore { best = .merged(neighbour: j, joinedSide: .target, joinedScore: joined, keyedScore: keyed); bestScore = joined }
                    }
                    if !source[j].isEmpty {
                        let joined = evidence.logLikelihoodRatio(source[i].joined(with: source[j]), target[i])
                        if joined > bestScore { best = .merged(neighbour: j, joinedSide: .source, joinedScore: joined, keyedScore: keyed); bestScore = joined }
                    }
                }
                verdicts[i - base] = best
            }
        }
        return verdicts
    }

    /// The most likely offset of every verse of `book`.
    func viterbiOffsets(source: [VerseFeatures], target: [VerseFeatures], book: Range<Int>) -> [Int] {
        let n = book.count
        guard n > 0 else { return [] }
        let states = 2 * Self.maxOffset + 1
        let zero = Self.maxOffset  // state index of offset 0
        var cost = [Double](repeating: 0, count: states)  // best path cost ending in each state
        var next = cost
        var back = [UInt8](repeating: 0, count: n * states)
        func emission(_ i: Int, _ s: Int) -> Double {
            let j = i + s - Self.maxOffset
            guard book.contains(j) else { return Self.impossible }
            if source[i].isEmpty || target[j].isEmpty { return 0 }  // no evidence either way
            return evidence.logLikelihoodRatio(source[i], target[j])
        }
        for s in 0..<states { cost[s] = -emission(book.lowerBound, s) + (s == zero ? 0 : Self.switchCost) }
        for k in 1..<n {
            // The cheapest state to switch from, preferring offset 0 on ties.
            var bestFrom = zero
            for s in 0..<states where cost[s] < cost[bestFrom] { bestFrom = s }
            for s in 0..<states {
                var from = s
                var value = cost[s]
                if cost[bestFrom] + Self.switchCost < value { from = bestFrom; value = cost[bestFrom] + Self.switchCost }
                next[s] = value - emission(book.lowerBound + k, s)
                back[k * states + s] = UInt8(from)
            }
            swap(&cost, &next)
        }
        var state = zero
        for s in 0..<states where cost[s] + (s == zero ? 0 : Self.switchCost) < cost[state] + (state == zero ? 0 : Self.switchCost) { state = s }
        var offsets = [Int](repeating: 0, count: n)
        for k in stride(from: n - 1, through: 0, by: -1) {
            offsets[k] = state - Self.maxOffset
            if k > 0 { state = Int(back[k * states + state]) }
        }
        return offsets
    }
}

/// Per-book results written from concurrent iterations.
private final class BookSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[MisalignmentDetector.Verdict]]
    init(count: Int) { slots = Array(repeating: [], count: count) }
    func set(_ index: Int, _ value: [MisalignmentDetector.Verdict]) { lock.lock(); slots[index] = value; lock.unlock() }
    func get(_ index: Int) -> [MisalignmentDetector.Verdict] { lock.lock(); defer { lock.unlock() }; return slots[index] }
}
