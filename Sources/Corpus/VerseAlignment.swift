// Pairs the verses of two modules by reference key (book, chapter, verse), not by position:
// a verse missing on one side, or empty on either side, is dropped and counted.

public struct AlignedVerse: Equatable, Sendable {
    public let key: VerseKey
    public let source: String
    public let target: String
}

public struct AlignmentCounts: Equatable, Sendable, CustomStringConvertible {
    public var pairs = 0
    public var sourceOnly = 0
    public var targetOnly = 0
    /// Present on both sides but empty on at least one.
    public var empty = 0

    public var description: String {
        "\(pairs) pairs; dropped \(sourceOnly) source-only, \(targetOnly) target-only, \(empty) empty"
    }
}

public enum VerseAlignment {
    /// Pairs in the source module's order.
    public static func align(source: [DiathekeVerse], target: [DiathekeVerse]) -> (pairs: [AlignedVerse], counts: AlignmentCounts) {
        var targetText: [VerseKey: String] = [:]
        targetText.reserveCapacity(target.count)
        for verse in target { targetText[verse.key] = verse.text }
        var counts = AlignmentCounts()
        var pairs: [AlignedVerse] = []
        pairs.reserveCapacity(source.count)
        var sourceKeys = Set<VerseKey>()
        for verse in source {
            sourceKeys.insert(verse.key)
            guard let translation = targetText[verse.key] else { counts.sourceOnly += 1; continue }
            guard !verse.text.isEmpty, !translation.isEmpty else { counts.empty += 1; continue }
            pairs.append(AlignedVerse(key: verse.key, source: verse.text, target: translation))
        }
        counts.pairs = pairs.count
        counts.targetOnly = target.count - target.lazy.filter { sourceKeys.contains($0.key) }.count
        return (pairs, counts)
    }
}
