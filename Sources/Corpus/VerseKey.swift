// A verse reference as diatheke prints it: book name (in diatheke's English locale), chapter, verse.
// Alignment between the two modules is by this key, never by position in the output.

public struct VerseKey: Hashable, Sendable, CustomStringConvertible {
    public let book: String
    public let chapter: Int
    public let verse: Int

    public init(book: String, chapter: Int, verse: Int) {
        self.book = book
        self.chapter = chapter
        self.verse = verse
    }

    /// "Genesis 1:1" — the form written to the `.ref` files.
    public var description: String { "\(book) \(chapter):\(verse)" }
}
