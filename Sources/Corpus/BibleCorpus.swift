// The built-in Spanish→English corpus: Reina-Valera 1909 verses paired with World English Bible
// verses, split by book into train/valid/test. Pure: the same diatheke output always gives the
// same bytes.

public struct BibleCorpus: Sendable {
    public static let source = SwordModule.reinaValera1909
    public static let target = SwordModule.worldEnglishBible
    public static let sourceLanguage = "es"
    public static let targetLanguage = "en"

    public let pairs: [CorpusSplit: [AlignedVerse]]
    public let counts: AlignmentCounts
    /// Every verse left out, with its reason (written to dropped.tsv).
    public let dropped: [DroppedVerse]

    public static let droppedFile = "dropped.tsv"

    public init(sourceOutput: String, targetOutput: String) throws {
        try self.init(sourceOutput: Array(sourceOutput.utf8), targetOutput: Array(targetOutput.utf8))
    }

    public init(sourceOutput: [UInt8], targetOutput: [UInt8]) throws {
        try self.init(source: try DiathekeOutputParser.parse(sourceOutput, module: Self.source.name),
                      target: try DiathekeOutputParser.parse(targetOutput, module: Self.target.name))
    }

    init(source: [DiathekeVerse], target: [DiathekeVerse]) throws {
        let alignment = VerseAlignment.align(source: source, target: target)
        let aligned = alignment.pairs
        let missing = BibleSplit.missingHeldOutBooks(in: Set(aligned.map(\.key.book)))
        guard missing.isEmpty else { throw BibleCorpusError.heldOutBooksMissing(missing) }
        var pairs: [CorpusSplit: [AlignedVerse]] = [.train: [], .valid: [], .test: []]
        for pair in aligned { pairs[BibleSplit.split(ofBook: pair.key.book)]!.append(pair) }
        self.pairs = pairs
        self.counts = alignment.counts
        self.dropped = alignment.dropped
    }

    /// Dropped verses of `split` (by the split of their book) for which `include` holds.
    public func droppedCount(in split: CorpusSplit, where include: (DroppedVerse) -> Bool) -> Int {
        dropped.reduce(0) { $0 + (BibleSplit.split(ofBook: $1.key.book) == split && include($1) ? 1 : 0) }
    }

    /// Runs diatheke on both modules concurrently and builds the corpus.
    public static func build(using diatheke: Diatheke) throws -> BibleCorpus {
        // Each module is parsed on its reading thread: the Spanish one while diatheke still reads the English.
        let verses = try diatheke.readBibles([source, target]) { module, output in
            try DiathekeOutputParser.parse(output, module: module.name)
        }
        return try BibleCorpus(source: verses[0], target: verses[1])
    }

    /// File name → contents, for every split: `.es`, `.en` (one verse per line) and `.ref`
    /// ("Book C:V" per line); then dropped.tsv: a header, then "Book C:V<TAB>reason<TAB>evidence"
    /// for every verse left out.
    public func files() -> [(name: String, contents: String)] {
        var files: [(String, String)] = []
        for split in CorpusSplit.allCases {
            let verses = pairs[split] ?? []
            files.append(("\(split.rawValue).\(Self.sourceLanguage)", lines(verses.map(\.source))))
            files.append(("\(split.rawValue).\(Self.targetLanguage)", lines(verses.map(\.target))))
            files.append(("\(split.rawValue).ref", lines(verses.map(\.key.description))))
        }
        let droppedLines = ["reference\treason\tevidence"] + dropped.map { "\($0.key)\t\($0.reason.rawValue)\t\($0.evidence)" }
        files.append((Self.droppedFile, lines(droppedLines)))
        return files
    }

    private func lines(_ texts: [String]) -> String {
        var out = ""
        for text in texts { out += text; out += "\n" }
        return out
    }
}

public enum BibleCorpusError: Error, Equatable, CustomStringConvertible {
    case heldOutBooksMissing([String])

    public var description: String {
        switch self {
        case .heldOutBooksMissing(let books):
            return "held-out books not found in the aligned verses: \(books.joined(separator: ", ")) (did diatheke's book names change?)"
        }
    }
}
