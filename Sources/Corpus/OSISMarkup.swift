// Turns the OSIS markup that diatheke prints in its `internal` format into plain verse text.
//
// Rules (keep the text as the module gives it, drop only what is not verse text):
// - inline elements (<w>, <q>, <transChange>, <seg>, <name>, ...) vanish without a trace, so words
//   the source glues together stay glued ("<w>God</w><w>created</w>" → "Godcreated");
// - line and block elements (<l>, <lg>, <lb>, <p>, <div>, <milestone>, ...) become a space;
// - notes and non-canonical titles (editorial headings) are dropped with their content;
// - canonical titles (psalm titles such as "A Psalm by David.") are scripture text and are kept;
// - the five predefined XML entities are decoded; runs of Unicode white space become one space,
//   none at either end.
// Tags that are not OSIS at all (the Spanish module's malformed Strong's numbers, which the plain
// renderer prints as "<G5547>") are markup too and vanish.
//
// Works on UTF-8 bytes: the two Bibles are 43 MB of markup and `make test` runs this in a debug build.

public enum OSISMarkup {
    /// Elements that separate words on the page (verse lines, paragraphs, line groups).
    static let separatingElements: Set<[UInt8]> = Set([
        "l", "lg", "lb", "p", "div", "milestone", "chapter", "item", "list", "br", "table", "row", "cell",
    ].map { Array($0.utf8) })
    /// Elements whose content is not verse text (besides non-canonical titles).
    static let droppedElements: Set<[UInt8]> = [Array("note".utf8)]
    static let title = Array("title".utf8)
    static let canonicalAttribute = Array("canonical=\"true\"".utf8)

    /// The verse text of `markup`.
    public static func plainText(_ markup: String) -> String {
        plainText(Array(markup.utf8)[...])
    }

    public static func plainText(_ markup: ArraySlice<UInt8>) -> String {
        markup.withUnsafeBufferPointer { plainText(bytes: $0) }
    }

    /// One pass over raw bytes, no per-tag allocation: this runs on every verse of both Bibles,
    /// in a debug build under `make test`.
    static func plainText(bytes m: UnsafeBufferPointer<UInt8>) -> String {
        var out = TextBuilder(capacity: m.count)
        var dropDepth = 0  // > 0 while inside an element whose content is dropped
        var dropName = 0..<0
        let n = m.count
        var i = 0
        while i < n {
            if m[i] != UInt8(ascii: "<") {
                var j = i + 1
                while j < n && m[j] != UInt8(ascii: "<") { j += 1 }
                if dropDepth == 0 { out.append(m, i..<j) }
                i = j
                continue
            }
            var close = i + 1
            while close < n && m[close] != UInt8(ascii: ">") { close += 1 }
            guard close < n else {  // a '<' without '>' is text
                if dropDepth == 0 { out.append(m, i..<n) }
                break
            }
            var start = i + 1, end = close
            var kind = Tag.Kind.start
            if start < end && m[start] == UInt8(ascii: "/") { kind = .end; start += 1 }
            if end > start && m[end - 1] == UInt8(ascii: "/") { kind = .empty; end -= 1 }
            var nameEnd = start
            while nameEnd < end && !(m[nameEnd] == 0x20 || m[nameEnd] == 0x09 || m[nameEnd] == 0x0A || m[nameEnd] == 0x0D) { nameEnd += 1 }
            let name = start..<nameEnd
            if dropDepth > 0 {
                if equal(m, name, m, dropName) {
                    if kind == .start { dropDepth += 1 } else if kind == .end { dropDepth -= 1 }
                }
            } else if kind == .start && (equal(m, name, "note") || (equal(m, name, "title") && !contains(m, nameEnd..<end, canonicalAttribute))) {
                dropDepth = 1
                dropName = name
            } else if isSeparating(m, name) {
                out.appendSpace()
            }
            i = close + 1
        }
        return out.string
    }

    static func isSeparating(_ m: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) -> Bool {
        switch name.count {
        case 1: return m[name.lowerBound] == UInt8(ascii: "l") || m[name.lowerBound] == UInt8(ascii: "p")
        case 2: return equal(m, name, "lg") || equal(m, name, "lb") || equal(m, name, "br")
        case 3: return equal(m, name, "div") || equal(m, name, "row")
        case 4: return equal(m, name, "item") || equal(m, name, "list") || equal(m, name, "cell")
        case 5: return equal(m, name, "table")
        case 7: return equal(m, name, "chapter")
        case 9: return equal(m, name, "milestone")
        default: return false
        }
    }

    static func equal(_ m: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let l = literal.utf8Start
        for k in 0..<range.count where m[range.lowerBound + k] != l[k] { return false }
        return true
    }

    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ ra: Range<Int>, _ b: UnsafeBufferPointer<UInt8>, _ rb: Range<Int>) -> Bool {
        guard ra.count == rb.count else { return false }
        for k in 0..<ra.count where a[ra.lowerBound + k] != b[rb.lowerBound + k] { return false }
        return true
    }

    static func contains(_ m: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ needle: [UInt8]) -> Bool {
        guard range.count >= needle.count else { return false }
        var i = range.lowerBound
        while i + needle.count <= range.upperBound {
            var k = 0
            while k < needle.count && m[i + k] == needle[k] { k += 1 }
            if k == needle.count { return true }
            i += 1
        }
        return false
    }

    /// The text of the canonical titles in `markup`, in order; everything else is ignored. Used on
    /// the part diatheke prints before a verse's reference (its "preverse"), where psalm titles live
    /// alongside paragraph markers and non-canonical headings.
    public static func canonicalTitles(_ markup: String) -> [String] {
        canonicalTitles(Array(markup.utf8)[...])
    }

    public static func canonicalTitles(_ markup: ArraySlice<UInt8>) -> [String] {
        var titles: [String] = []
        var current: TextBuilder? = nil
        var depth = 0
        forEachPiece(of: markup) { piece in
            switch piece {
            case .text(let text):
                current?.append(text)
            case .tag(let tag):
                guard tag.name.elementsEqual(title) else {
                    if separatingElements.contains(Array(tag.name)) { current?.appendSpace() }
                    return
                }
                if current != nil {
                    if tag.kind == .start { depth += 1 }
                    if tag.kind == .end {
                        depth -= 1
                        if depth == 0 {
                            let text = current!.string
                            if !text.isEmpty { titles.append(text) }
                            current = nil
                        }
                    }
                } else if tag.kind == .start && contains(tag.attributes, canonicalAttribute) {
                    current = TextBuilder(capacity: 64)
                    depth = 1
                }
            }
        }
        return titles
    }

    /// `text` with runs of white space collapsed to one space and none at the ends.
    public static func collapseWhitespace(_ text: String) -> String {
        var builder = TextBuilder(capacity: text.utf8.count)
        builder.append(Array(text.utf8)[...])
        return builder.string
    }

    static func isDropped(_ tag: Tag) -> Bool {
        if droppedElements.contains(Array(tag.name)) { return true }
        return tag.name.elementsEqual(title) && !contains(tag.attributes, canonicalAttribute)
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var i = haystack.startIndex
        while i + needle.count <= haystack.endIndex {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    struct Tag {
        enum Kind { case start, end, empty }
        let name: ArraySlice<UInt8>
        let kind: Kind
        let attributes: ArraySlice<UInt8>
    }

    enum Piece {
        case text(ArraySlice<UInt8>)
        case tag(Tag)
    }

    /// Splits `markup` into text runs and tags. A '<' without a closing '>' is text.
    static func forEachPiece(of markup: ArraySlice<UInt8>, _ body: (Piece) -> Void) {
        var index = markup.startIndex
        while index < markup.endIndex {
            guard let open = markup[index...].firstIndex(of: UInt8(ascii: "<")) else {
                body(.text(markup[index...]))
                return
            }
            if open > index { body(.text(markup[index..<open])) }
            guard let close = markup[open...].firstIndex(of: UInt8(ascii: ">")) else {
                body(.text(markup[open...]))
                return
            }
            body(.tag(parseTag(markup[(open + 1)..<close])))
            index = close + 1
        }
    }

    static func parseTag(_ inside: ArraySlice<UInt8>) -> Tag {
        var body = inside
        var kind = Tag.Kind.start
        if body.first == UInt8(ascii: "/") { kind = .end; body = body.dropFirst() }
        if body.last == UInt8(ascii: "/") { kind = .empty; body = body.dropLast() }
        let nameEnd = body.firstIndex(where: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) ?? body.endIndex
        return Tag(name: body[..<nameEnd], kind: kind, attributes: body[nameEnd...])
    }
}

/// Accumulates UTF-8 text, decoding XML entities and collapsing white space as it goes.
struct TextBuilder {
    private var bytes: [UInt8] = []
    private var pendingSpace = false

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func appendSpace() {
        if !bytes.isEmpty { pendingSpace = true }
    }

    mutating func append(_ text: ArraySlice<UInt8>) {
        text.withUnsafeBufferPointer { append($0, 0..<$0.count) }
    }

    mutating func append(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        var i = range.lowerBound
        let end = range.upperBound
        while i < end {
            let whitespaceLength = Self.whitespaceLength(text, at: i, end: end)
            if whitespaceLength > 0 {
                appendSpace()
                i += whitespaceLength
                continue
            }
            if pendingSpace { bytes.append(0x20); pendingSpace = false }
            if text[i] == UInt8(ascii: "&"), let (decoded, length) = Self.entity(text, at: i, end: end) {
                bytes.append(decoded)
                i += length
            } else {
                bytes.append(text[i])
                i += 1
            }
        }
    }

    static let entities: [([UInt8], UInt8)] = [
        ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"),
    ].map { (Array($0.0.utf8), $0.1.utf8.first!) }

    static func entity(_ text: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> (UInt8, Int)? {
        for (name, value) in entities where i + name.count <= end {
            var k = 0
            while k < name.count && text[i + k] == name[k] { k += 1 }
            if k == name.count { return (value, name.count) }
        }
        return nil
    }

    /// Length in bytes of the White_Space character at `i`, or 0. The list is Unicode's
    /// White_Space property: ASCII tab…CR and space, U+0085, U+00A0, U+1680, U+2000–U+200A,
    /// U+2028, U+2029, U+202F, U+205F, U+3000.
    static func whitespaceLength(_ text: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> Int {
        let b0 = text[i]
        if b0 == 0x20 || (b0 >= 0x09 && b0 <= 0x0D) { return 1 }
        if b0 < 0xC2 { return 0 }
        let b1 = i + 1 < end ? text[i + 1] : 0
        if b0 == 0xC2 { return (b1 == 0x85 || b1 == 0xA0) ? 2 : 0 }
        guard b0 == 0xE1 || b0 == 0xE2 || b0 == 0xE3, i + 2 < end else { return 0 }
        let b2 = text[i + 2]
        switch (b0, b1) {
        case (0xE1, 0x9A): return b2 == 0x80 ? 3 : 0
        case (0xE2, 0x80): return (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) && b2 >= 0x80 ? 3 : 0
        case (0xE2, 0x81): return b2 == 0x9F ? 3 : 0
        case (0xE3, 0x80): return b2 == 0x80 ? 3 : 0
        default: return 0
        }
    }
}
