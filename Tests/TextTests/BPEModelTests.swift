import Dispatch
import Foundation
import Testing
import TestSupport
@testable import Text

func tinyModel() throws -> BPEModel {
    try BPELearner.learn(words: tinyWords, options: .init(vocabSize: 30, minFrequency: 1)).0
}

@Suite struct BPEModelTests {
    @Test func encodesByMergeRank() throws {
        let model = try tinyModel()
        #expect(model.pieces("lowest newer") == ["▁low", "est", "▁n", "ew", "er"])
        #expect(model.pieces("  Ｌow\tlow ") == ["▁", "<unk>", "ow", "▁low"])  // Ｌ → L, not in the alphabet
        let ids = model.encode("widest lower")
        #expect(model.pieces(ids) == ["▁widest", "▁lower"])
        #expect(model.decode(ids) == "widest lower")
        #expect(model.encode("").isEmpty)
        #expect(model.decode([]) == "")
    }

    @Test func unknownCharactersBecomeUnkAndAreCounted() throws {
        let model = try tinyModel()
        var unknown = 0
        let ids = model.encode("lowz zz low", unknownCount: &unknown)
        #expect(unknown == 3)
        #expect(ids.filter { $0 == BPEModel.unkId }.count == 3)
        #expect(model.decode(ids) == "low⁇ ⁇⁇ low")
    }

    @Test func specialIdsAreFixed() throws {
        let model = try tinyModel()
        #expect((BPEModel.padId, BPEModel.bosId, BPEModel.eosId, BPEModel.unkId) == (0, 1, 2, 3))
        #expect(model.id(ofPiece: "</s>") == 2)
        // <pad>, <s>, </s> decode to nothing; ids outside the vocabulary to ⁇.
        let low = model.encode("low")
        #expect(model.decode([BPEModel.bosId] + low + [BPEModel.eosId, BPEModel.padId]) == "low")
        #expect(model.decode(low + [999]) == "low⁇")
    }

    @Test func encodeIsThreadSafe() throws {
        let model = try tinyModel()
        let lines = (0..<400).map { ["lowest newer", "widest", "low low lower", "newz"][$0 % 4] + " \($0 % 3)" }
        let serial = lines.map { model.encode($0) }
        var parallel = [[Int32]](repeating: [], count: lines.count)
        parallel.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: lines.count) { out[$0] = model.encode(lines[$0]) }
        }
        #expect(parallel == serial)
    }

    @Test func fileRoundTrip() throws {
        let model = try tinyModel()
        let path = temporaryPath("tiny.bpe")
        try model.save(path: path)
        let loaded = try BPEModel.load(path: path)
        #expect(loaded.vocabulary == model.vocabulary)
        #expect(loaded.merges == model.merges)
        #expect(loaded.normalization == .nfkc)
        #expect(loaded.hash == model.hash)
        #expect(loaded.hash.count == 64)
        #expect(BPEModel.declaredHash(ofFileText: model.fileContents()) == model.hash)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == model.fileContents())
        let text = model.fileContents()
        #expect(text.hasPrefix("nmt-bpe 1\nnormalize nfkc\nvocab-size 30\ncharacters 11\nmerges 15\nsha256 \(model.hash)\nvocab\n0 <pad>\n"))
        #expect(text.hasSuffix("\nmerges\ne s\nes t\n▁ l\no w\n▁l ow\ne w\n▁ n\new est\n▁n ewest\nw i\n▁ wi\nd est\n▁wi dest\ne r\n▁low er\n"))
    }

    /// Replaces `old` by `new` in the tiny model's file and returns the load error.
    func loadError(_ old: String, _ new: String, rehash: Bool = true) throws -> String {
        let model = try tinyModel()
        var lines = model.fileContents().components(separatedBy: "\n")
        let index = try #require(lines.firstIndex(of: old), "no line '\(old)'")
        lines[index] = new
        if rehash {
            // Recompute the hash so the structural check, not the hash check, must catch it.
            lines[5] = "sha256 " + BPEModel.declaredHash(ofFileText: lines.joined(separator: "\n"))
        }
        let path = temporaryPath("corrupt.bpe")
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try BPEModel.load(path: path)
            Issue.record("loading succeeded after replacing '\(old)' with '\(new)'")
            return ""
        } catch let error as BPEModelError {
            #expect(error.description.hasPrefix(path + ":"))
            return String(error.description.dropFirst(path.count + 1))
        }
    }

    @Test func corruptFilesAreRejectedWithFileAndLine() throws {
        #expect(try loadError("nmt-bpe 1", "nmt-bpe 2") == "1: unsupported format version 'nmt-bpe 2', expected 'nmt-bpe 1'")
        #expect(try loadError("nmt-bpe 1", "hello") == "1: not an nmt BPE model (first line must be 'nmt-bpe 1')")
        #expect(try loadError("normalize nfkc", "normalize nfd") == "2: unknown normalization 'nfd' (expected nfkc, nfc or none)")
        #expect(try loadError("1 <s>", "1 <bos>") == "9: id 1 must be the special token <s>, found '<bos>'")
        #expect(try loadError("5 w", "5 e") == "13: duplicate piece 'e' (also id 4)")
        #expect(try loadError("5 w", "6 w") == "13: expected id 5 at the start of the line")
        #expect(try loadError("6 ▁", "6 ▁x") == "14: id 6 must be a single character (ids 4..<15), found '▁x'")
        #expect(try loadError("e s", "e z") == "39: unknown piece 'z' in merge")
        #expect(try loadError("e s", "e  s") == "39: expected two fields separated by one space, found 'e  s'")
        #expect(try loadError("▁low er", "▁low r") == "53: the merged piece '▁lowr' is not in the vocabulary")
        #expect(try loadError("merges 15", "merges 16") == "54: unexpected end of file, expected merge 16")
        #expect(try loadError("merges 15", "merges 14") == "53: unexpected text after the 14 merges")
        #expect(try loadError("e r", "▁low er") == "53: duplicate merge")
    }

    @Test func hashMismatchIsDetected() throws {
        // Swapping two independent merges keeps the file well-formed but changes the model.
        let model = try tinyModel()
        let edited = model.fileContents().replacingOccurrences(of: "\ne w\n▁ n\n", with: "\n▁ n\ne w\n")
        #expect(edited != model.fileContents())
        let path = temporaryPath("edited.bpe")
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try BPEModel.load(path: path)
        } throws: { error in
            "\(error)".hasPrefix("\(path):6: SHA-256 mismatch: the header says \(model.hash) but the content hashes to ")
        }
    }

    @Test func missingFileIsAnError() {
        #expect(throws: BPEModelError.self) { try BPEModel.load(path: "/nonexistent/model.bpe") }
    }
}

func temporaryPath(_ name: String) -> String {
    (try? TemporaryDirectory.untilExit("text-tests"))!.appendingPathComponent(name).path
}
