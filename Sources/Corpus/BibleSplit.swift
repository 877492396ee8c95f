// Held-out books for the Bible corpus: whole books, so no verse of a test or validation book is
// ever seen in training. Names are diatheke's English book names.

public enum CorpusSplit: String, CaseIterable, Sendable {
    case train, valid, test
}

public enum BibleSplit {
    public static let testBooks: [String] = [
        "Ecclesiastes", "Esther", "Galatians", "James", "I Peter", "Micah", "Ruth", "Jonah", "Philemon",
    ]
    public static let validBooks: [String] = [
        "Philippians", "Lamentations", "Titus", "Joel", "Habakkuk", "Colossians",
    ]

    public static func split(ofBook book: String) -> CorpusSplit {
        if testBooks.contains(book) { return .test }
        if validBooks.contains(book) { return .valid }
        return .train
    }

    /// Held-out books that have no verse in `books`: a sign that book names changed (e.g. another
    /// diatheke locale), which would silently move a held-out book into training.
    public static func missingHeldOutBooks(in books: Set<String>) -> [String] {
        (testBooks + validBooks).filter { !books.contains($0) }
    }
}
