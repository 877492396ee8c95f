// A learned BPE model: vocabulary (special tokens, characters, merged pieces) and ordered merges.
// Segmentation is SentencePiece-style: after normalization a line is split at its single spaces
// into words, and each word is encoded as "▁" + word, so the pieces carry the word boundaries
// and decoding is lossless: decode(encode(x)) == normalize(x) whenever every character of x is
// in the model's alphabet. Characters never seen in training become <unk>, one per character.
import Hashing

public final class BPEModel: @unchecked Sendable {
    /// The most pieces (and merges) a model file may declare: far above any real vocabulary
    /// (sentencepiece's largest common models have 256k), far below what would exhaust memory.
    public static let maxPieces = 1 << 24

    // Special tokens with fixed ids.
    public static let padId: Int32 = 0
    public static let bosId: Int32 = 1
    public static let eosId: Int32 = 2
    public static let unkId: Int32 = 3
    public static let specialPieces = ["<pad>", "<s>", "</s>", "<unk>"]
    /// The word-boundary marker that starts every word's first piece.
    public static let wordBoundary = "\u{2581}"
    /// What decoding writes for <unk> (as SentencePiece does).
    public static let unknownText = "\u{2047}"

    public let normalization: NormalizationForm
    /// Piece text by id.
    public let vocabulary: [String]
    /// Ids 4 ..< 4 + characterCount are the single characters of the alphabet.
    public let characterCount: Int
    /// Merges in the order they apply; merge i joins `left` and `right` into `result`.
    public let merges: [Merge]
    /// SHA-256 (hex) of the model file's content; identifies the model in run records.
    public private(set) var hash = ""

    public struct Merge: Equatable, Sendable {
        public let left: Int32, right: Int32, result: Int32
    }

    public var vocabSize: Int { vocabulary.count }

    // Look-up tables built once.
    let segmentation: SegmentationTables
    var characterIds: [UInt32: Int32] { segmentation.characterIds }
    /// Keyed by UTF-8 bytes: String equality is canonical equivalence, which would conflate
    /// "é" and "e\u{301}" under --normalize none.
    let pieceIds: [[UInt8]: Int32]
    /// Each piece's decoded bytes: "▁" written as a space, specials empty, <unk> as "⁇".
    let decodedBytes: [[UInt8]]
    /// Each piece's UTF-8 bytes, for writing pieces.
    public let pieceBytes: [[UInt8]]
    /// Cached encoders for encode(_:), so library callers get the word cache too.
    private let encoderPool = EncoderPool()

    /// Builds a model; `vocabulary` must start with the special pieces, then the characters.
    /// Callers are the learner and the file loader, which validate their input first.
    init(normalization: NormalizationForm, vocabulary: [String], characterCount: Int, merges: [Merge]) {
        self.normalization = normalization
        self.vocabulary = vocabulary
        self.characterCount = characterCount
        self.merges = merges
        segmentation = SegmentationTables(vocabulary: vocabulary, characterCount: characterCount, merges: merges, normalization: normalization)
        var ids: [[UInt8]: Int32] = [:]
        for (i, piece) in vocabulary.enumerated() { ids[Array(piece.utf8)] = Int32(i) }
        pieceIds = ids
        decodedBytes = vocabulary.enumerated().map { id, piece in
            if id == Int(BPEModel.unkId) { return Array(BPEModel.unknownText.utf8) }
            if id < 4 { return [] }
            return Array(piece.replacingBoundaries().utf8)
        }
        pieceBytes = vocabulary.map { Array($0.utf8) }
        hash = BPEModel.contentHash(unhashedContents())
    }

    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    // MARK: Encoding

    /// Token ids of one line (normalized first; no <s> or </s>).
    public func encode(_ line: String) -> [Int32] {
        var unknown = 0
        return encode(line, unknownCount: &unknown)
    }

    /// Token ids of one line; adds the number of characters encoded as <unk> to `unknownCount`.
    /// Thread-safe: each call borrows a cached encoder from a pool.
    public func encode(_ line: String, unknownCount: inout Int) -> [Int32] {
        let encoder = encoderPool.take() ?? BPEEncoder(model: self, cacheLimitBytes: 16 << 20)
        defer { encoderPool.give(encoder) }
        let unknownBefore = encoder.unknownCount
        var ids: [Int32] = []
        var text = line
        text.withUTF8 { _ = encoder.encodeLine($0, into: &ids) }
        unknownCount += encoder.unknownCount - unknownBefore
        return ids
    }

    /// The pieces of one line, e.g. ["▁In", "▁the", "▁begin", "ning"].
    public func pieces(_ line: String) -> [String] {
        encode(line).map { vocabulary[Int($0)] }
    }

    /// The pieces of the given ids.
    public func pieces(_ ids: [Int32]) -> [String] {
        ids.map { isValid($0) ? vocabulary[Int($0)] : BPEModel.specialPieces[Int(BPEModel.unkId)] }
    }

    /// The id of a piece, or nil if it is not in the vocabulary.
    public func id(ofPiece piece: String) -> Int32? { pieceIds[Array(piece.utf8)] }

    /// The id of a piece given as UTF-8 bytes, or nil.
    public func id(ofPieceBytes piece: [UInt8]) -> Int32? { pieceIds[piece] }

    public func isValid(_ id: Int32) -> Bool { id >= 0 && Int(id) < vocabulary.count }

    // MARK: Decoding

    /// The text of token ids: pieces joined, "▁" turned into spaces, the leading space dropped.
    /// <pad>, <s> and </s> decode to nothing; <unk> and ids outside the vocabulary to "⁇".
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        appendDecoded(ids, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the decoded text of `ids` to `bytes` (no newline).
    public func appendDecoded<C: Collection>(_ ids: C, to bytes: inout [UInt8]) where C.Element == Int32 {
        let start = bytes.count
        for id in ids {
            if isValid(id) {
                bytes.append(contentsOf: decodedBytes[Int(id)])
            } else {
                bytes.append(contentsOf: decodedBytes[Int(BPEModel.unkId)])
            }
        }
        if bytes.count > start && bytes[start] == 0x20 { bytes.remove(at: start) }
    }
}

extension String {
    func replacingBoundaries() -> String {
        var out = ""
        for scalar in unicodeScalars { out.unicodeScalars.append(scalar == "\u{2581}" ? " " : scalar) }
        return out
    }
}
