/// Batched beam search as fairseq's SequenceGenerator does it: every sentence keeps `beam`
/// live hypotheses; at each step the best 2·beam extensions of each sentence are ranked,
/// those ending in `</s>` are set aside as finished with score / length^lenpen (length
/// counting `</s>`), and the best beam non-finished ones continue. A sentence is done when
/// it has `beam` finished hypotheses or reaches max length, where `</s>` is forced.
/// Greedy search is `beam = 1`. Sentences are independent, so results do not depend on
/// which other sentences share the batch.
public struct BeamSearch {
    public struct Settings: Codable, Equatable, Sendable {
        public var beam = 5
        public var lenpen = 1.0
        public var maxLenA = 1.2
        public var maxLenB = 10
        public var nbest = 1

        public init(beam: Int = 5, lenpen: Double = 1.0, maxLenA: Double = 1.2, maxLenB: Int = 10, nbest: Int = 1) {
            self.beam = beam
            self.lenpen = lenpen
            self.maxLenA = maxLenA
            self.maxLenB = maxLenB
            self.nbest = nbest
        }

        /// The largest beam a command or a server request accepts unless told otherwise: the
        /// work per sentence grows with beam × vocabulary, so an unbounded beam is a way to
        /// keep a process busy for minutes on one word.
        public static let defaultMaxBeam = 64

        /// Checks the settings, with `beam` at most `maxBeam`.
        public func validate(maxBeam: Int) throws {
            if beam > maxBeam { throw DecodingError.invalidSetting("--beam must be at most \(maxBeam) (--max-beam), got \(beam)") }
            try validate()
        }

        public func validate() throws {
            if beam < 1 { throw DecodingError.invalidSetting("--beam must be at least 1, got \(beam)") }
            if nbest < 1 || nbest > beam { throw DecodingError.invalidSetting("--nbest must be in 1...beam (\(beam)), got \(nbest)") }
            if maxLenA < 0 || maxLenB < 0 { throw DecodingError.invalidSetting("--max-len-a and --max-len-b must be non-negative") }
            // a·length + b must stay a number of tokens: 1e300, NaN or Int.max would overflow it.
            if !maxLenA.isFinite || maxLenA > 1000 { throw DecodingError.invalidSetting("--max-len-a must be a number in 0...1000, got \(maxLenA)") }
            if maxLenB > 1_000_000 { throw DecodingError.invalidSetting("--max-len-b must be at most 1000000, got \(maxLenB)") }
            if !lenpen.isFinite { throw DecodingError.invalidSetting("--lenpen must be a number, got \(lenpen)") }
        }

        /// Maximum output length in tokens, `</s>` excluded.
        public func maxLength(sourceLength: Int) -> Int { max(1, Int(maxLenA * Double(sourceLength)) + maxLenB) }
    }

    public struct Hypothesis: Equatable, Sendable {
        /// Output tokens without `</s>`.
        public var tokens: [Int32]
        /// Sum of token log-probabilities, `</s>` included.
        public var logProb: Double
        /// Length-normalised score used for ranking.
        public var score: Double
        /// Log-probability of each output token, `</s>` last (they sum to `logProb`).
        public var tokenLogProbs: [Float] = []

        public init(tokens: [Int32], logProb: Double, score: Double, tokenLogProbs: [Float] = []) {
            self.tokens = tokens; self.logProb = logProb; self.score = score; self.tokenLogProbs = tokenLogProbs
        }
    }

    public let settings: Settings

    public init(settings: Settings) { self.settings = settings }

    /// Thrown by `search` when its `shouldStop` says so (checked before every decoder step).
    public struct Stopped: Error { public init() {} }

    /// Best `nbest` hypotheses of each source, in input order. `shouldStop`, asked before each
    /// decoder step, ends the search early with `Stopped` (a server's deadline passed).
    public func search(_ decoder: IncrementalDecoder, sources: [[Int32]], shouldStop: (() -> Bool)? = nil) throws -> [[Hypothesis]] {
        try settings.validate()
        let n = sources.count
        guard n > 0 else { return [] }
        let beam = settings.beam, V = decoder.vocabularySize, eos = decoder.eosID
        let maxLengths = sources.map { min(settings.maxLength(sourceLength: $0.count), decoder.maxOutputLength) }
        try decoder.begin(sources: sources, maxSteps: maxLengths.max()! + 1)
        // Step 0 runs on one row per sentence (its beams would all be the same empty prefix);
        // the first reorder then expands each sentence to `beam` rows.
        var live = (0..<n).map { _ in [LiveBeam(tokens: [], logProb: 0, tokenLogProbs: [])] }
        var rowsPerSentence = 1
        var finished = [[Hypothesis]](repeating: [], count: n)
        var done = [Bool](repeating: false, count: n)
        var rowsOfSentence = Array(0..<n)   // active sentences, in row-block order
        var logProbs: [Float] = []
        var stepIndex = 0
        let limit = 2 * beam
        var forbidden = [Bool](repeating: false, count: V)
        for id in decoder.forbiddenIDs where id >= 0 && Int(id) < V { forbidden[Int(id)] = true }
        let candidateBuffer = UnsafeMutablePointer<Candidate>.allocate(capacity: n * limit)
        defer { candidateBuffer.deallocate() }
        var candidateCounts = [Int](repeating: 0, count: n)
        var bases = [Double](repeating: -.infinity, count: n * beam)

        while !rowsOfSentence.isEmpty {
            if let shouldStop, shouldStop() { throw Stopped() }
            let tokens: [Int32] = rowsOfSentence.flatMap { s in live[s].map { $0.tokens.last ?? decoder.bosID } }
            try decoder.step(tokens: tokens, logProbs: &logProbs)
            let rows = rowsPerSentence
            for (block, s) in rowsOfSentence.enumerated() {
                for b in 0..<rows { bases[block * rows + b] = live[s][b].logProb }
            }
            // Every sentence's candidates at once, in parallel: each block writes its own list.
            let blocks = rowsOfSentence.count, step = stepIndex
            logProbs.withUnsafeBufferPointer { lp in
            bases.withUnsafeBufferPointer { basePointer in
            forbidden.withUnsafeBufferPointer { forbiddenPointer in
            candidateCounts.withUnsafeMutableBufferPointer { counts in
                nonisolated(unsafe) let out = candidateBuffer, countsOut = counts.baseAddress!
                Parallel.forEachChunk(blocks, minChunk: max(1, 65_536 / (rows * V))) { range in
                    for block in range {
                        let s = rowsOfSentence[block]
                        countsOut[block] = CandidateSelection.select(
                            rows: lp.baseAddress! + block * rows * V, vocabularySize: V, bases: basePointer.baseAddress! + block * rows,
                            beams: rows, forbidden: forbiddenPointer.baseAddress!, onlyToken: step >= maxLengths[s] ? eos : nil,
                            limit: limit, into: out + block * limit)
                    }
                }
            }
            }
            }
            }
            var keepRows: [Int] = []
            var stillActive: [Int] = []
            for (block, s) in rowsOfSentence.enumerated() {
                let forceEOS = stepIndex >= maxLengths[s]
                let candidates = UnsafeBufferPointer(start: candidateBuffer + block * limit, count: candidateCounts[block])
                var next: [LiveBeam] = []
                var nextRows: [Int] = []
                for (rank, c) in candidates.enumerated() {
                    if c.token == eos {
                        // Only `</s>` candidates ranked within the first `beam` finish (fairseq).
                        if rank < beam && finished[s].count < beam {
                            let length = Double(live[s][c.beam].tokens.count + 1)
                            let parent = live[s][c.beam]
                            finished[s].append(Hypothesis(tokens: parent.tokens, logProb: c.score,
                                                          score: c.score / pow(length, settings.lenpen),
                                                          tokenLogProbs: parent.tokenLogProbs + [Float(c.score - parent.logProb)]))
                        }
                    } else if next.count < beam {
                        let parent = live[s][c.beam]
                        next.append(LiveBeam(tokens: parent.tokens + [c.token], logProb: c.score,
                                             tokenLogProbs: parent.tokenLogProbs + [Float(c.score - parent.logProb)]))
                        nextRows.append(block * rows + c.beam)
                    }
                }
                if finished[s].count >= beam || forceEOS || next.isEmpty {
                    done[s] = true
                    continue
                }
                while next.count < beam { next.append(LiveBeam(tokens: [], logProb: -.infinity, tokenLogProbs: [])); nextRows.append(nextRows[0]) }
                live[s] = next
                keepRows += nextRows
                stillActive.append(s)
            }
            // An unchanged row order (greedy search, beams that kept their rows) needs no
            // reorder call at all; otherwise the decoder moves only what forks (DecoderState).
            let unchanged = keepRows.count == tokens.count && keepRows.elementsEqual(0..<keepRows.count)
            rowsOfSentence = stillActive
            if !keepRows.isEmpty && !unchanged { decoder.reorder(rows: keepRows) }
            rowsPerSentence = beam
            stepIndex += 1
        }
        return finished.map { hyps in
            Array(hyps.sorted { $0.score > $1.score }.prefix(settings.nbest))
        }
    }

    struct LiveBeam {
        var tokens: [Int32]
        var logProb: Double
        var tokenLogProbs: [Float]
    }
}

public enum DecodingError: Error, CustomStringConvertible {
    case invalidSetting(String)
    public var description: String {
        switch self { case .invalidSetting(let m): return m }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Tensor
import Parallelism
