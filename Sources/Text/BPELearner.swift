// BPE learning, joint over all training files, in the style of google/sentencepiece's
// bpe_model_trainer.cc: every symbol of every distinct word sits in one flat linked list; each
// pair remembers where it occurs, so a merge touches only those positions and their neighbours;
// the best pair comes from a max-heap with lazy invalidation instead of a recount per merge.
//
// Base alphabet: every character (Unicode scalar) of the normalized training text, i.e. a
// character coverage of 1.0. The Bible has about 100 distinct characters per language, so
// SentencePiece's 0.9995 rule would only drop a handful of rare symbols and buy nothing here.
//
// Piece rules (SentencePiece's defaults): a piece never mixes Unicode scripts (letters do not
// merge with punctuation, which is script Common; combining marks go with their neighbours) and
// holds at most 16 characters; "▁" only ever starts a piece because it only starts words.
//
// Determinism: words are laid out in byte order, positions are processed left to right, and
// ties between equally frequent pairs go to the smaller left id, then the smaller right id
// (character ids are ordered by frequency, then code point; merged pieces by creation).

import CTextNorm

let anyScript = Int32(NMT_SCRIPT_ANY)

/// Settings of `nmt bpe learn`.
public struct BPELearnerOptions: Sendable {
    /// Total vocabulary size: 4 special tokens + the alphabet + merged pieces.
    public var vocabSize = 8000
    /// Stop when the most frequent pair occurs fewer times than this.
    public var minFrequency: Int64 = 2
    public var normalization: NormalizationForm = .nfkc

    public init(vocabSize: Int = 8000, minFrequency: Int64 = 2, normalization: NormalizationForm = .nfkc) {
        self.vocabSize = vocabSize
        self.minFrequency = minFrequency
        self.normalization = normalization
    }
}

/// What learning found, for the command's summary line.
public struct BPELearningSummary: Sendable {
    public var distinctWords = 0
    public var characters = 0
    public var merges = 0
    /// Set when learning stopped before reaching the vocabulary size, with the reason.
    public var stoppedEarly: String?
}

public struct BPELearningError: Error, CustomStringConvertible {
    public let description: String
}

public enum BPELearner {
    /// Learns a model from text files (one sentence per line).
    public static func learn(files: [String], options: BPELearnerOptions) throws -> (BPEModel, BPELearningSummary) {
        let counter = try WordCounter.count(files: files, form: options.normalization)
        return try learn(words: counter.sortedWords(), options: options)
    }

    /// Learns a model from distinct normalized words and their counts.
    public static func learn(words: [(word: [UInt8], count: Int64)], options: BPELearnerOptions) throws -> (BPEModel, BPELearningSummary) {
        var learner = try MergeLearner(words: words, options: options)
        return learner.run()
    }
}

/// The state of one learning run.
struct MergeLearner {
    let options: BPELearnerOptions
    var summary = BPELearningSummary()

    // Vocabulary so far, as UTF-8 bytes, and its reverse map.
    var pieces: [[UInt8]]
    var pieceIds: [[UInt8]: Int32] = [:]
    /// Each piece's script class (NMT_SCRIPT_ANY if it has no letter of a definite script).
    var pieceScript: [Int32] = []
    /// Each piece's length in characters.
    var pieceLength: [Int32] = []
    static let maxPieceLength: Int32 = 16
    let characterCount: Int
    var merges: [BPEModel.Merge] = []

    // All words' symbols in one flat list; -1 links end a word, a -1 symbol is merged away.
    var symbols: [Int32] = []
    var next: [Int32] = []
    var previous: [Int32] = []
    var wordOf: [Int32] = []
    var wordCounts: [Int64] = []

    // Pairs by dense index.
    var pairIndex: [UInt64: Int32] = [:]
    var pairLeft: [Int32] = []
    var pairRight: [Int32] = []
    var pairCount: [Int64] = []
    /// Left positions where the pair occurs or once occurred (checked when used).
    var pairPositions: [[Int32]] = []
    var pairDone: [Bool] = []
    var heap = PairHeap()
    var touched: [Int32] = []
    var touchedMark: [Bool] = []

    init(words: [(word: [UInt8], count: Int64)], options: BPELearnerOptions) throws {
        self.options = options
        let boundary: UInt32 = 0x2581
        // Alphabet with frequencies; "▁" starts every word.
        var characterFrequency: [UInt32: Int64] = [:]
        var scalarsOfWords: [[UInt32]] = []
        scalarsOfWords.reserveCapacity(words.count)
        for (word, count) in words {
            var scalars: [UInt32] = [boundary]
            word.withUnsafeBufferPointer { b in
                var i = 0
                while i < b.count {
                    let (scalar, length) = decodeScalar(b, at: i)
                    scalars.append(scalar)
                    i += length
                }
            }
            for s in scalars { characterFrequency[s, default: 0] += count }
            scalarsOfWords.append(scalars)
        }
        let alphabet = characterFrequency.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        characterCount = alphabet.count
        summary.distinctWords = words.count
        summary.characters = alphabet.count
        guard 4 + alphabet.count <= options.vocabSize else {
            throw BPELearningError(description: "vocabulary size \(options.vocabSize) is too small: it must hold the 4 special tokens and the \(alphabet.count) characters of the training text (at least \(4 + alphabet.count))")
        }

        pieces = BPEModel.specialPieces.map { Array($0.utf8) }
        var characterIds: [UInt32: Int32] = [:]
        for scalar in alphabet {
            characterIds[scalar] = Int32(pieces.count)
            pieces.append(Array(String(Unicode.Scalar(scalar)!).utf8))
        }
        for (id, piece) in pieces.enumerated() { pieceIds[piece] = Int32(id) }
        pieceScript = [Int32](repeating: -1, count: 4) + alphabet.map { $0 == boundary ? anyScript : nmt_script_class($0) }
        pieceLength = [Int32](repeating: 1, count: pieces.count)

        // Lay out the words and count their pairs.
        for (w, scalars) in scalarsOfWords.enumerated() {
            let start = symbols.count
            for (k, scalar) in scalars.enumerated() {
                symbols.append(characterIds[scalar]!)
                previous.append(k == 0 ? -1 : Int32(start + k - 1))
                next.append(k == scalars.count - 1 ? -1 : Int32(start + k + 1))
                wordOf.append(Int32(w))
            }
            wordCounts.append(words[w].count)
        }
        for pos in 0..<symbols.count where next[pos] >= 0 {
            add(symbols[pos], symbols[Int(next[pos])], wordCounts[Int(wordOf[pos])], at: Int32(pos))
        }
        for pair in touched where pairCount[Int(pair)] > 0 { pushCandidate(pair) }
        clearTouched()
    }

    mutating func run() -> (BPEModel, BPELearningSummary) {
        while pieces.count < options.vocabSize {
            guard let top = heap.pop() else {
                summary.stoppedEarly = "no pairs left to merge"
                break
            }
            let pair = Int(top.pair)
            if pairDone[pair] || pairCount[pair] != top.count { continue }  // stale entry
            if top.count < options.minFrequency {
                summary.stoppedEarly = "the most frequent pair occurs \(top.count) times, below --min-frequency \(options.minFrequency)"
                break
            }
            merge(pair)
        }
        summary.merges = merges.count
        let vocabulary = pieces.map { String(decoding: $0, as: UTF8.self) }
        let model = BPEModel(normalization: options.normalization, vocabulary: vocabulary,
                             characterCount: characterCount, merges: merges)
        return (model, summary)
    }

    mutating func merge(_ pair: Int) {
        pairDone[pair] = true
        let left = pairLeft[pair], right = pairRight[pair]
        let bytes = pieces[Int(left)] + pieces[Int(right)]
        // A piece spelled like a special token would be ambiguous in piece output: never make one.
        if bytes.count <= 5 && BPEModel.specialPieces.contains(where: { Array($0.utf8) == bytes }) { return }
        let result: Int32
        if let existing = pieceIds[bytes] {
            result = existing  // another merge order reached the same string earlier
        } else {
            result = Int32(pieces.count)
            pieces.append(bytes)
            pieceScript.append(pieceScript[Int(left)] == anyScript ? pieceScript[Int(right)] : pieceScript[Int(left)])
            pieceLength.append(pieceLength[Int(left)] + pieceLength[Int(right)])
            pieceIds[bytes] = result
        }
        merges.append(.init(left: left, right: right, result: result))

        var positions = pairPositions[pair]
        pairPositions[pair] = []
        positions.sort()
        var last: Int32 = -1
        for pos in positions where pos != last {
            last = pos
            let p = Int(pos)
            let r = Int(next[p])
            guard symbols[p] == left, r >= 0, symbols[r] == right else { continue }  // stale position
            let count = wordCounts[Int(wordOf[p])]
            let before = Int(previous[p]), after = Int(next[r])
            if before >= 0 {
                add(symbols[before], left, -count, at: nil)
                add(symbols[before], result, count, at: Int32(before))
            }
            if after >= 0 {
                add(right, symbols[after], -count, at: nil)
                add(result, symbols[after], count, at: pos)
            }
            symbols[p] = result
            symbols[r] = -1
            next[p] = Int32(after)
            if after >= 0 { previous[after] = pos }
        }
        pairCount[pair] = 0
        for touchedPair in touched where !pairDone[Int(touchedPair)] && pairCount[Int(touchedPair)] > 0 {
            pushCandidate(touchedPair)
        }
        clearTouched()
    }

    /// Changes a pair's count by `delta`, creating the pair if new, and records a position.
    mutating func add(_ left: Int32, _ right: Int32, _ delta: Int64, at position: Int32?) {
        guard mayMerge(left, right) else { return }
        let key = BPEModel.pairKey(left, right)
        let pair: Int
        if let existing = pairIndex[key] {
            pair = Int(existing)
        } else {
            pair = pairCount.count
            pairIndex[key] = Int32(pair)
            pairLeft.append(left)
            pairRight.append(right)
            pairCount.append(0)
            pairPositions.append([])
            pairDone.append(false)
            touchedMark.append(false)
        }
        pairCount[pair] += delta
        if let position { pairPositions[pair].append(position) }
        if !touchedMark[pair] {
            touchedMark[pair] = true
            touched.append(Int32(pair))
        }
    }

    /// Whether the two pieces may form one (same script, not too long); other pairs are never counted.
    @inline(__always)
    func mayMerge(_ left: Int32, _ right: Int32) -> Bool {
        let a = pieceScript[Int(left)], b = pieceScript[Int(right)]
        return (a == anyScript || b == anyScript || a == b)
            && pieceLength[Int(left)] + pieceLength[Int(right)] <= MergeLearner.maxPieceLength
    }

    mutating func pushCandidate(_ pair: Int32) {
        let p = Int(pair)
        heap.push(PairCandidate(count: pairCount[p], left: pairLeft[p], right: pairRight[p], pair: pair))
    }

    mutating func clearTouched() {
        for pair in touched { touchedMark[Int(pair)] = false }
        touched.removeAll(keepingCapacity: true)
    }
}
