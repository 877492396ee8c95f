// Parses what `diatheke -f internal` (or `-f plain`) prints for a range of verses.
//
// Shape of the output, one verse per line in `internal` format:
//   [preverse markup]Book C:V: verse markup
// The preverse holds psalm titles, paragraph markers and headings; diatheke also repeats stale
// preverse content on later verses unless headings are switched on (`-o h`), so only canonical
// titles are taken from it and prepended to the verse (the Spanish module carries the same titles
// inside verse 1). In `plain` format poetry continues on following lines without a prefix; such
// lines are appended to the verse before them. The last line names the module: "(engWEB2015eb)".

public struct DiathekeVerse: Equatable, Sendable {
    public let key: VerseKey
    /// Plain text, whitespace collapsed; empty when the module has no text for this verse.
    public let text: String
}

public enum DiathekeOutputError: Error, Equatable, CustomStringConvertible {
    case missingTrailer(module: String)
    case duplicateVerse(module: String, key: VerseKey)

    public var description: String {
        switch self {
        case .missingTrailer(let module):
            return "diatheke output for module \(module) does not end with the line '(\(module))': output truncated?"
        case .duplicateVerse(let module, let key):
            return "diatheke output for module \(module) has verse \(key) twice"
        }
    }
}

public enum DiathekeOutputParser {
    /// Verses in the order the module prints them.
    public static func parse(_ output: String, module: String) throws -> [DiathekeVerse] {
        try parse(Array(output.utf8), module: module)
    }

    public static func parse(_ output: [UInt8], module: String) throws -> [DiathekeVerse] {
        var verses: [DiathekeVerse] = []
        var seen = Set<VerseKey>()
        var currentKey: VerseKey? = nil
        var currentMarkup: [UInt8] = []
        var sawTrailer = false

        func finishVerse() throws {
            guard let key = currentKey else { return }
            guard seen.insert(key).inserted else { throw DiathekeOutputError.duplicateVerse(module: module, key: key) }
            verses.append(DiathekeVerse(key: key, text: OSISMarkup.plainText(currentMarkup[...])))
            currentKey = nil
            currentMarkup.removeAll(keepingCapacity: true)
        }

        let trailer = Array("(\(module))".utf8)
        for line in output.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if trimmed(line).elementsEqual(trailer) {
                sawTrailer = true
                break
            }
            if let reference = findReference(in: line) {
                try finishVerse()
                currentKey = reference.key
                let titles = OSISMarkup.canonicalTitles(line[..<reference.start])
                if !titles.isEmpty { currentMarkup += Array((titles.joined(separator: " ") + " ").utf8) }
                currentMarkup += line[reference.end...]
            } else if currentKey != nil {
                // A poetry line (plain format) continues the verse before it.
                currentMarkup.append(0x0A)
                currentMarkup += line
            }
            // Lines before the first verse (headings of the first book) are not verse text.
        }
        try finishVerse()
        guard sawTrailer else { throw DiathekeOutputError.missingTrailer(module: module) }
        return verses
    }

    struct Reference {
        let key: VerseKey
        let start: Int  // where "Book" begins
        let end: Int    // just after "C:V: "
    }

    /// The first "Book C:V: " that begins the line or follows a tag ('>'), ignoring spaces before it.
    static func findReference(in line: ArraySlice<UInt8>) -> Reference? {
        var candidate = line.startIndex
        while true {
            let start = line[candidate...].firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) ?? line.endIndex
            if let reference = matchReference(line, at: start) { return reference }
            guard let tagEnd = line[candidate...].firstIndex(of: UInt8(ascii: ">")) else { return nil }
            candidate = tagEnd + 1
        }
    }

    /// Matches `Name C:V: ` at `start`, where Name is ASCII letters, digits and spaces beginning
    /// with an upper-case letter or digit ("Genesis", "I Samuel", "Revelation of John").
    static func matchReference(_ line: ArraySlice<UInt8>, at start: Int) -> Reference? {
        guard start < line.endIndex, isUpperOrDigit(line[start]) else { return nil }
        var i = start
        while i < line.endIndex, isNameCharacter(line[i]) { i += 1 }
        // line[start..<i] is "Book C"; the chapter number follows the last space.
        guard i < line.endIndex, line[i] == UInt8(ascii: ":"),
              let space = line[start..<i].lastIndex(of: 0x20), space > start,
              let chapter = number(line[(space + 1)..<i]) else { return nil }
        var j = i + 1
        let verseStart = j
        while j < line.endIndex, isDigit(line[j]) { j += 1 }
        guard let verse = number(line[verseStart..<j]), j < line.endIndex, line[j] == UInt8(ascii: ":") else { return nil }
        j += 1
        // diatheke writes "C:V: text"; an empty verse may end right after the colon.
        if j < line.endIndex {
            guard line[j] == 0x20 else { return nil }
            j += 1
        }
        let book = String(decoding: line[start..<space], as: UTF8.self)
        return Reference(key: VerseKey(book: book, chapter: chapter, verse: verse), start: start, end: j)
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count < 6, digits.allSatisfy(isDigit) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isUpperOrDigit(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || isDigit(c) }
    static func isNameCharacter(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || isDigit(c) || c == 0x20
    }

    static func trimmed(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard let first = line.firstIndex(where: { !isSpace($0) }) else { return line[line.endIndex...] }
        return line[first...line.lastIndex(where: { !isSpace($0) })!]
    }
}
