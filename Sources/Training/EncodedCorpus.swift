import Foundation
import Hashing
import Text

/// A parallel corpus as token ids, encoded once with a BPE model and cached on disk keyed
/// by the SHA-256 of both text files and the model's hash, so later runs (and resumes) skip
/// encoding. The cache is an optimisation only: a missing or unreadable cache is rebuilt.
public struct EncodedCorpus: Sendable {
    public var pairs: [Batcher.Pair]
    /// Characters the vocabulary does not know (encoded as <unk>).
    public var unknownCharacters: Int
    public var sourceSHA256: String
    public var targetSHA256: String

    static let magic: [UInt8] = Array("NMTI".utf8)

    public static func load(source: [String], target: [String], sourceSHA256: String, targetSHA256: String,
                            model: BPEModel, cacheDirectory: String?) -> EncodedCorpus {
        let key = SHA256.hexDigest(of: "\(sourceSHA256) \(targetSHA256) \(model.hash) v1")
        let cachePath = cacheDirectory.map { "\($0)/\(key).ids" }
        if let cachePath, let cached = read(cachePath, expectedCount: source.count) {
            return EncodedCorpus(pairs: cached.pairs, unknownCharacters: cached.unknown, sourceSHA256: sourceSHA256, targetSHA256: targetSHA256)
        }
        let (src, unknownSource) = model.encode(lines: source)
        let (tgt, unknownTarget) = model.encode(lines: target)
        let pairs = zip(src, tgt).map { Batcher.Pair(source: $0, target: $1) }
        let corpus = EncodedCorpus(pairs: pairs, unknownCharacters: unknownSource + unknownTarget,
                                   sourceSHA256: sourceSHA256, targetSHA256: targetSHA256)
        if let cacheDirectory, let cachePath {
            try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            corpus.write(cachePath)
        }
        return corpus
    }

    func write(_ path: String) {
        var bytes = EncodedCorpus.magic
        func put(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        put(UInt32(pairs.count))
        put(UInt32(unknownCharacters))
        for p in pairs {
            put(UInt32(p.source.count)); put(UInt32(p.target.count))
            p.source.withUnsafeBytes { bytes += $0 }
            p.target.withUnsafeBytes { bytes += $0 }
        }
        // Write then rename, so a killed process never leaves a half cache behind.
        let tmp = path + ".tmp.\(getpid())"
        if FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) {
            _ = try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.moveItem(atPath: tmp, toPath: path)
        }
    }

    static func read(_ path: String, expectedCount: Int) -> (pairs: [Batcher.Pair], unknown: Int)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.withUnsafeBytes { raw -> (pairs: [Batcher.Pair], unknown: Int)? in
            var offset = 0
            func u32() -> UInt32? {
                guard offset + 4 <= raw.count else { return nil }
                let v = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                offset += 4
                return UInt32(littleEndian: v)
            }
            func ids(_ n: Int) -> [Int32]? {
                guard offset + 4 * n <= raw.count else { return nil }
                let a = (0..<n).map { raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: Int32.self) }
                offset += 4 * n
                return a
            }
            guard raw.count >= 4, Array(raw[0..<4]) == magic else { return nil }
            offset = 4
            guard let count = u32(), Int(count) == expectedCount, let unknown = u32() else { return nil }
            var pairs: [Batcher.Pair] = []
            pairs.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let s = u32(), let t = u32(), let src = ids(Int(s)), let tgt = ids(Int(t)) else { return nil }
                pairs.append(Batcher.Pair(source: src, target: tgt))
            }
            return offset == raw.count ? (pairs, Int(unknown)) : nil
        }
    }
}
