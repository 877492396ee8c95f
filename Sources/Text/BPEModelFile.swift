// The BPE model file: one human-readable UTF-8 text file.
//
//   nmt-bpe 1                 format version
//   normalize nfkc            normalization form (control removal and space collapsing always apply)
//   vocab-size 8000           number of vocabulary lines
//   characters 310            ids 4 ..< 4+characters are single characters (the alphabet)
//   merges 7686               number of merge lines
//   sha256 <64 hex digits>    SHA-256 of the whole file without this line
//   vocab
//   0 <pad>                   id, one space, piece ("▁" marks a word start)
//   …
//   merges
//   ▁ t                       left piece, one space, right piece; applied in file order
//   …
//
// Pieces never contain spaces or line breaks: normalization turned all white space into the
// single spaces that "▁" replaces. Loading validates everything and names the file and line.
import Hashing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model file that cannot be read or is malformed; names the file and line.
public struct BPEModelError: Error, CustomStringConvertible {
    public let description: String
    init(_ path: String, _ line: Int?, _ message: String) {
        description = line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}

extension BPEModel {
    public static let formatHeader = "nmt-bpe 1"

    /// The file's lines except the sha256 line: the header before it and everything after it.
    func unhashedContents() -> (header: String, body: String) {
        let header = """
        \(BPEModel.formatHeader)
        normalize \(normalization.rawValue)
        vocab-size \(vocabulary.count)
        characters \(characterCount)
        merges \(merges.count)

        """
        var body = "vocab\n"
        for (id, piece) in vocabulary.enumerated() { body += "\(id) \(piece)\n" }
        body += "merges\n"
        for m in merges { body += "\(vocabulary[Int(m.left)]) \(vocabulary[Int(m.right)])\n" }
        return (header, body)
    }

    static func contentHash(_ parts: (header: String, body: String)) -> String {
        var sha = SHA256()
        sha.update(parts.header)
        sha.update(parts.body)
        return sha.hexDigest()
    }

    /// The hash a model file's text should declare: SHA-256 of the text without its 6th line.
    static func declaredHash(ofFileText text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.count > 5 { lines.remove(at: 5) }
        return SHA256.hexDigest(of: lines.joined(separator: "\n"))
    }

    /// The model file's text.
    public func fileContents() -> String {
        let parts = unhashedContents()
        return parts.header + "sha256 \(hash)\n" + parts.body
    }

    /// Writes the model file.
    public func save(path: String) throws {
        var text = fileContents()
        guard let file = fopen(path, "wb") else {
            throw BPEModelError(path, nil, "cannot create: \(String(cString: strerror(errno)))")
        }
        let written = text.withUTF8 { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        if written != text.utf8.count || closed != 0 { throw BPEModelError(path, nil, "write failed") }
    }

    /// Loads and validates a model file.
    public static func load(path: String) throws -> BPEModel {
        guard let file = fopen(path, "rb") else {
            throw BPEModelError(path, nil, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = block.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 { break }
            bytes.append(contentsOf: block[0..<n])
        }
        return try parse(bytes, path: path)
    }

    /// Parses and validates the bytes of a model file; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> BPEModel {
        var parser = ModelFileParser(bytes: bytes, path: path)
        return try parser.parse()
    }
}

/// Line-by-line parser over UTF-8 bytes. Works on bytes, not Characters: a piece may begin with
/// a combining mark, which Swift would glue to the preceding space into one Character.
struct ModelFileParser {
    let bytes: [UInt8]
    let path: String
    var lines: [ArraySlice<UInt8>] = []
    var lineIndex = 0
    /// 1-based number of the line read last, which errors name.
    var currentLine = 0

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
        lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
    }

    func fail(_ message: String, line: Int? = nil) -> BPEModelError {
        BPEModelError(path, line ?? currentLine, message)
    }

    mutating func next(_ what: String) throws -> ArraySlice<UInt8> {
        guard lineIndex < lines.count else {
            throw BPEModelError(path, lines.count + 1, "unexpected end of file, expected \(what)")
        }
        lineIndex += 1
        currentLine = lineIndex
        return lines[lineIndex - 1]
    }

    mutating func nextText(_ what: String) throws -> String {
        let line = try next(what)
        return try text(line)
    }

    func text(_ line: ArraySlice<UInt8>) throws -> String {
        guard let s = String(validating: line, as: UTF8.self) else { throw fail("not valid UTF-8") }
        return s
    }

    /// Reads "key value" and returns value.
    mutating func field(_ key: String) throws -> String {
        let line = try nextText("'\(key) …'")
        let prefix = key + " "
        guard line.hasPrefix(prefix) else { throw fail("expected '\(key) …', found '\(line.prefix(60))'") }
        return String(line.dropFirst(prefix.count))
    }

    mutating func count(_ key: String) throws -> Int {
        let value = try field(key)
        guard let n = Int(value), n >= 0 else { throw fail("\(key) must be a non-negative integer, found '\(value)'") }
        return n
    }

    /// Splits "a b" at its single space into two non-empty byte strings.
    func pair(_ line: ArraySlice<UInt8>) throws -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw fail("expected two fields separated by one space, found '\(String(decoding: line.prefix(60), as: UTF8.self))'")
        }
        return (parts[0], parts[1])
    }

    mutating func parse() throws -> BPEModel {
        let header = try nextText("the header")
        guard header == BPEModel.formatHeader else {
            if header.hasPrefix("nmt-bpe ") { throw fail("unsupported format version '\(header)', expected '\(BPEModel.formatHeader)'") }
            throw fail("not an nmt BPE model (first line must be '\(BPEModel.formatHeader)')")
        }
        let formName = try field("normalize")
        guard let form = NormalizationForm(rawValue: formName) else {
            throw fail("unknown normalization '\(formName)' (expected nfkc, nfc or none)")
        }
        let vocabSize = try count("vocab-size")
        let characterCount = try count("characters")
        let mergeCount = try count("merges")
        let hashLine = lineIndex + 1  // the next line read
        let declaredHash = try field("sha256")
        guard vocabSize >= 4 + characterCount else {
            throw fail("vocab-size \(vocabSize) is smaller than 4 special tokens + \(characterCount) characters", line: 3)
        }
        // Sizes from the file are bounded before anything is allocated for them.
        for (key, value) in [("vocab-size", vocabSize), ("merges", mergeCount)] where value > BPEModel.maxPieces {
            throw fail("\(key) \(value) is over the limit of \(BPEModel.maxPieces) (a damaged or hostile header)", line: 3)
        }
        guard try nextText("'vocab'") == "vocab" else { throw fail("expected 'vocab'") }

        var vocabulary: [String] = []
        vocabulary.reserveCapacity(vocabSize)
        var ids: [[UInt8]: Int32] = [:]
        for id in 0..<vocabSize {
            let line = try next("vocabulary entry \(id)")
            let (idField, pieceBytes) = try pair(line)
            guard let idText = String(validating: idField, as: UTF8.self), Int(idText) == id else {
                throw fail("expected id \(id) at the start of the line")
            }
            let piece = try text(pieceBytes)
            let scalars = piece.unicodeScalars.count
            if id < 4 {
                guard piece == BPEModel.specialPieces[id] else {
                    throw fail("id \(id) must be the special token \(BPEModel.specialPieces[id]), found '\(piece)'")
                }
            } else if id < 4 + characterCount {
                guard scalars == 1 else { throw fail("id \(id) must be a single character (ids 4..<\(4 + characterCount)), found '\(piece)'") }
            } else if scalars < 2 {
                throw fail("id \(id) must be a merged piece of at least two characters, found '\(piece)'")
            }
            if piece.unicodeScalars.contains(where: { $0.properties.isWhitespace && $0 != "\u{2581}" }) {
                throw fail("piece '\(piece)' contains white space")
            }
            let key = Array(pieceBytes)
            if let earlier = ids[key] { throw fail("duplicate piece '\(piece)' (also id \(earlier))") }
            ids[key] = Int32(id)
            vocabulary.append(piece)
        }
        guard characterCount > 0, ids[Array("\u{2581}".utf8)].map({ $0 >= 4 && Int($0) < 4 + characterCount }) == true else {
            throw fail("the characters (ids 4..<\(4 + characterCount)) must include the word-boundary marker ▁", line: 4)
        }

        guard try nextText("'merges'") == "merges" else { throw fail("expected 'merges' after \(vocabSize) vocabulary entries") }
        var merges: [BPEModel.Merge] = []
        merges.reserveCapacity(mergeCount)
        var produced = [Bool](repeating: false, count: vocabSize)
        var seen = Set<UInt64>()
        for index in 0..<mergeCount {
            // Read first: `pair` is a method of self, so `try pair(try next())` would see the old line number.
            let line = try next("merge \(index + 1)")
            let (leftBytes, rightBytes) = try pair(line)
            guard let left = ids[Array(leftBytes)], left >= 4 else { throw fail("unknown piece '\(String(decoding: leftBytes, as: UTF8.self))' in merge") }
            guard let right = ids[Array(rightBytes)], right >= 4 else { throw fail("unknown piece '\(String(decoding: rightBytes, as: UTF8.self))' in merge") }
            guard let result = ids[Array(leftBytes) + Array(rightBytes)], Int(result) >= 4 + characterCount else {
                throw fail("the merged piece '\(String(decoding: leftBytes + rightBytes, as: UTF8.self))' is not in the vocabulary")
            }
            guard seen.insert(BPEModel.pairKey(left, right)).inserted else { throw fail("duplicate merge") }
            produced[Int(result)] = true
            merges.append(.init(left: left, right: right, result: result))
        }
        if lineIndex < lines.count { throw fail("unexpected text after the \(mergeCount) merges", line: lineIndex + 1) }
        if let orphan = (4 + characterCount..<vocabSize).first(where: { !produced[$0] }) {
            throw BPEModelError(path, nil, "piece '\(vocabulary[orphan])' (id \(orphan)) is produced by no merge")
        }

        let model = BPEModel(normalization: form, vocabulary: vocabulary, characterCount: characterCount, merges: merges)
        guard model.hash == declaredHash else {
            throw BPEModelError(path, hashLine, "SHA-256 mismatch: the header says \(declaredHash) but the content hashes to \(model.hash) (the file was edited or corrupted)")
        }
        return model
    }
}
