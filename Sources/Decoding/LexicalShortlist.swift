import Foundation

/// Marian's lexical shortlist, learned from co-occurrence instead of word alignments: for each
/// source token, the target tokens most associated with it across the training pairs (Dice
/// coefficient over the pairs that contain each token), plus the most frequent target tokens
/// for every sentence. Decoding a batch then scores only the union of its sources' candidates
/// (`candidates(for:)`) instead of the whole vocabulary: an opt-in approximation
/// (`nmt translate --shortlist`), quality-checked against full search.
public struct LexicalShortlist: Equatable, Sendable {
    public struct Settings: Codable, Equatable, Sendable {
        /// Candidates kept per source token.
        public var best: Int
        /// Most frequent target tokens always allowed.
        public var frequent: Int
        public init(best: Int = 100, frequent: Int = 100) { self.best = best; self.frequent = frequent }
    }

    public let vocabularySize: Int
    public let settings: Settings
    /// Always allowed, most frequent first.
    public let frequentTokens: [Int32]
    /// candidatesOf[s]: the target tokens kept for source token s, best first.
    public let candidatesOf: [[Int32]]

    public init(vocabularySize: Int, settings: Settings, frequentTokens: [Int32], candidatesOf: [[Int32]]) {
        self.vocabularySize = vocabularySize
        self.settings = settings
        self.frequentTokens = frequentTokens
        self.candidatesOf = candidatesOf
    }

    /// Learns the shortlist from token-id pairs (targets without `</s>`). Ties go to the lower id.
    public static func learn(pairs: [(source: [Int32], target: [Int32])], vocabularySize v: Int, settings: Settings) throws -> LexicalShortlist {
        guard settings.best >= 1, settings.frequent >= 0 else {
            throw DecodingError.invalidSetting("--best must be at least 1 and --frequent at least 0")
        }
        for (i, p) in pairs.enumerated() {
            for id in p.source + p.target where id < 0 || Int(id) >= v {
                throw DecodingError.invalidSetting("pair \(i + 1) has token id \(id), outside the vocabulary of \(v)")
            }
        }
        // Document frequencies: in how many pairs each token occurs (once per pair), and each
        // (source, target) co-occurrence.
        var sourcePairs = [Int](repeating: 0, count: v), targetPairs = [Int](repeating: 0, count: v)
        var targetCount = [Int](repeating: 0, count: v)
        var together = [[Int32: Int32]](repeating: [:], count: v)
        var seenSource = [Bool](repeating: false, count: v), seenTarget = [Bool](repeating: false, count: v)
        for p in pairs {
            var s: [Int32] = [], t: [Int32] = []   // each distinct token of the pair once
            for id in p.source where !seenSource[Int(id)] { seenSource[Int(id)] = true; s.append(id) }
            for id in p.target where !seenTarget[Int(id)] { seenTarget[Int(id)] = true; t.append(id) }
            for id in s { seenSource[Int(id)] = false; sourcePairs[Int(id)] += 1 }
            for id in t { seenTarget[Int(id)] = false; targetPairs[Int(id)] += 1 }
            for id in p.target { targetCount[Int(id)] += 1 }
            for a in s { for b in t { together[Int(a)][b, default: 0] += 1 } }
        }
        let occurring: [Int] = (0..<v).filter { targetCount[$0] > 0 }
        let byFrequency = occurring.sorted { (x: Int, y: Int) -> Bool in
            targetCount[x] != targetCount[y] ? targetCount[x] > targetCount[y] : x < y
        }
        let frequent: [Int32] = byFrequency.prefix(settings.frequent).map { Int32($0) }
        var candidates: [[Int32]] = []
        candidates.reserveCapacity(v)
        for a in 0..<v {
            var scored: [(id: Int32, dice: Double)] = []
            for (b, n) in together[a] { scored.append((b, 2 * Double(n) / Double(sourcePairs[a] + targetPairs[Int(b)]))) }
            scored.sort { $0.dice != $1.dice ? $0.dice > $1.dice : $0.id < $1.id }
            candidates.append(scored.prefix(settings.best).map(\.id))
        }
        return LexicalShortlist(vocabularySize: v, settings: settings, frequentTokens: frequent, candidatesOf: candidates)
    }

    /// The output vocabulary for a batch of sources: the frequent tokens, every source token's
    /// candidates, and `always` (e.g. `</s>`), sorted ascending, without duplicates.
    public func candidates(for sources: [[Int32]], always: [Int32]) -> [Int32] {
        var keep = [Bool](repeating: false, count: vocabularySize)
        for id in frequentTokens + always where id >= 0 && Int(id) < vocabularySize { keep[Int(id)] = true }
        for source in sources {
            for id in source where id >= 0 && Int(id) < vocabularySize {
                for c in candidatesOf[Int(id)] { keep[Int(c)] = true }
            }
        }
        return (0..<vocabularySize).filter { keep[$0] }.map { Int32($0) }
    }

    // MARK: stored form

    static let magic = Array("NMTSL1".utf8)

    /// magic, then little-endian Int32s: V, frequent count, the frequent ids, and for each
    /// source token its count and ids. (The settings are stored beside it, as JSON.)
    public func serialized() -> Data {
        var words: [Int32] = [Int32(vocabularySize), Int32(frequentTokens.count)] + frequentTokens
        for c in candidatesOf { words.append(Int32(c.count)); words += c }
        var data = Data(Self.magic)
        words.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
        return data
    }

    public init(serialized data: Data, settings: Settings) throws {
        func fail(_ why: String) -> DecodingError { .invalidSetting("stored shortlist: \(why)") }
        guard data.count >= Self.magic.count, Array(data.prefix(Self.magic.count)) == Self.magic, (data.count - Self.magic.count) % 4 == 0 else {
            throw fail("not a shortlist (bad header or length)")
        }
        let words: [Int32] = data.dropFirst(Self.magic.count).withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }
        var i = 0
        func next() throws -> Int32 {
            guard i < words.count else { throw fail("truncated") }
            defer { i += 1 }
            return words[i]
        }
        let v = Int(try next())
        guard v > 0 else { throw fail("vocabulary size \(v)") }
        func ids(_ count: Int32) throws -> [Int32] {
            guard count >= 0, i + Int(count) <= words.count else { throw fail("truncated") }
            let out = Array(words[i..<(i + Int(count))])
            i += Int(count)
            guard out.allSatisfy({ $0 >= 0 && Int($0) < v }) else { throw fail("token id outside the vocabulary of \(v)") }
            return out
        }
        let frequent = try ids(try next())
        var candidates: [[Int32]] = []
        for _ in 0..<v { candidates.append(try ids(try next())) }
        guard i == words.count else { throw fail("\(words.count - i) trailing values") }
        self.init(vocabularySize: v, settings: settings, frequentTokens: frequent, candidatesOf: candidates)
    }
}
