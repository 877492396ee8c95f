import Foundation
import Testing
import TestSupport

/// Runs the built `nmt` (TestSupport.NMTProcess) for the `nmt bpe` tests.
private enum BPECLI {
    static let root = Fixtures.packageRoot

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var out: String { String(decoding: stdout, as: UTF8.self) }
    }

    static func run(_ arguments: [String], stdin: Data = Data()) throws -> Result {
        let r = try NMTProcess.run(arguments, stdin: stdin)
        return Result(status: r.status, stdout: r.stdoutData, stderr: r.stderr)
    }

    static func temporaryDirectory() throws -> URL {
        try TemporaryDirectory.untilExit("bpe-cli")
    }

    /// Learns a small model from two tiny "languages" and returns its path.
    static func learnTinyModel(in dir: URL, vocabSize: Int = 40) throws -> (String, Result) {
        let es = dir.appendingPathComponent("train.es"), en = dir.appendingPathComponent("train.en")
        try String(repeating: "el niño come pan, y la niña bebe agua.\nla casa es grande\n", count: 20).write(to: es, atomically: true, encoding: .utf8)
        try String(repeating: "the boy eats bread, and the girl drinks water.\nthe house is big\n", count: 20).write(to: en, atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("tiny.bpe").path
        let result = try run(["bpe", "learn", "--vocab-size", "\(vocabSize)", "--out", model, es.path, en.path])
        return (model, result)
    }
}

@Suite struct BPECommandTests {
    @Test func learnWritesAModelAndReportsIt() throws {
        let dir = try BPECLI.temporaryDirectory()
        let (model, result) = try BPECLI.learnTinyModel(in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let text = try String(contentsOfFile: model, encoding: .utf8)
        #expect(text.hasPrefix("nmt-bpe 1\nnormalize nfkc\nvocab-size 40\n"))
        #expect(result.stderr.contains("bpe learn: 40 pieces"))
        #expect(result.stderr.contains("sha256 "))
        // Deterministic: a second run writes the same bytes.
        let again = dir.appendingPathComponent("again.bpe").path
        let second = try BPECLI.run(["bpe", "learn", "--vocab-size", "40", "--out", again,
                                     dir.appendingPathComponent("train.es").path, dir.appendingPathComponent("train.en").path])
        #expect(second.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: model)))
    }

    @Test func encodeAndDecodeRoundTripWithPiecesAndIds() throws {
        let dir = try BPECLI.temporaryDirectory()
        let (model, learned) = try BPECLI.learnTinyModel(in: dir, vocabSize: 60)
        #expect(learned.status == 0, "\(learned.stderr)")
        let input = "the girl eats  bread.\n\n  la niña\tbebe agua \nthe boy"  // last line has no newline
        let normalized = "the girl eats bread.\n\nla niña bebe agua\nthe boy\n"

        let pieces = try BPECLI.run(["bpe", "encode", "--model", model], stdin: Data(input.utf8))
        #expect(pieces.status == 0, "\(pieces.stderr)")
        let pieceLines = pieces.out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(pieceLines.count == 5)  // 4 lines + the final newline
        #expect(pieceLines[1].isEmpty)  // empty line in, empty line out
        #expect(pieceLines[0].hasPrefix("▁the ▁"))
        #expect(!pieces.out.contains("  "))
        #expect(pieces.stderr.isEmpty)

        let decoded = try BPECLI.run(["bpe", "decode", "--model", model], stdin: pieces.stdout)
        #expect(decoded.status == 0, "\(decoded.stderr)")
        #expect(decoded.out == normalized)

        let ids = try BPECLI.run(["bpe", "encode", "--ids", "--model", model], stdin: Data(input.utf8))
        #expect(ids.status == 0)
        let firstIds = ids.out.split(separator: "\n", omittingEmptySubsequences: false)[0].split(separator: " ")
        #expect(firstIds.count == pieceLines[0].split(separator: " ").count)
        #expect(firstIds.allSatisfy { Int($0).map { $0 >= 4 && $0 < 60 } == true })
        let fromIds = try BPECLI.run(["bpe", "decode", "--ids", "--model", model], stdin: ids.stdout)
        #expect(fromIds.status == 0)
        #expect(fromIds.out == normalized)
    }

    @Test func unknownCharactersAreCountedInAWarning() throws {
        let dir = try BPECLI.temporaryDirectory()
        let (model, _) = try BPECLI.learnTinyModel(in: dir)
        let result = try BPECLI.run(["bpe", "encode", "--model", model], stdin: Data("the Zebra\nQQ\n".utf8))
        #expect(result.status == 0)
        #expect(result.out.contains("<unk>"))
        #expect(result.stderr == "warning: 3 characters not in the model's alphabet encoded as <unk>\n")
        let decoded = try BPECLI.run(["bpe", "decode", "--model", model], stdin: result.stdout)
        #expect(decoded.out == "the ⁇ebra\n⁇⁇\n")
    }

    @Test func invalidUTF8IsAnErrorNamingTheLine() throws {
        let dir = try BPECLI.temporaryDirectory()
        let (model, _) = try BPECLI.learnTinyModel(in: dir)
        var bytes = Data("the boy\nthe girl\n".utf8)
        bytes.append(contentsOf: [0x74, 0x68, 0xC3, 0x28, 0x0A])
        let result = try BPECLI.run(["bpe", "encode", "--model", model], stdin: bytes)
        #expect(result.status != 0)
        #expect(result.stderr.contains("<stdin>:3: not valid UTF-8"))
        #expect(result.out.split(separator: "\n").count == 2)  // the lines before it were written
    }

    @Test func decodeRejectsUnknownPiecesAndIds() throws {
        let dir = try BPECLI.temporaryDirectory()
        let (model, _) = try BPECLI.learnTinyModel(in: dir)
        let pieces = try BPECLI.run(["bpe", "decode", "--model", model], stdin: Data("▁the\n▁the ▁nonsense\n".utf8))
        #expect(pieces.status != 0)
        #expect(pieces.stderr.contains("<stdin>:2: unknown piece '▁nonsense'"))
        let ids = try BPECLI.run(["bpe", "decode", "--ids", "--model", model], stdin: Data("5 6\n7 40\n".utf8))
        #expect(ids.status != 0)
        #expect(ids.stderr.contains("<stdin>:2: '40' is not an id of this model (0..<40)"))
    }

    @Test func badModelAndArgumentsAreClearErrors() throws {
        let dir = try BPECLI.temporaryDirectory()
        let missing = try BPECLI.run(["bpe", "encode", "--model", dir.appendingPathComponent("none.bpe").path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("none.bpe: cannot open"))

        let corrupt = dir.appendingPathComponent("corrupt.bpe")
        try "nmt-bpe 1\nnormalize nfkc\nvocab-size x\n".write(to: corrupt, atomically: true, encoding: .utf8)
        let bad = try BPECLI.run(["bpe", "decode", "--model", corrupt.path])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("corrupt.bpe:3: vocab-size must be a non-negative integer, found 'x'"))

        let (_, tooSmall) = try BPECLI.learnTinyModel(in: dir, vocabSize: 10)
        #expect(tooSmall.status != 0)
        #expect(tooSmall.stderr.contains("vocabulary size 10 is too small"))

        let badText = dir.appendingPathComponent("bad.txt")
        try Data([0x61, 0x0A, 0x62, 0x0A, 0xFF, 0x0A]).write(to: badText)
        let badLearn = try BPECLI.run(["bpe", "learn", "--out", dir.appendingPathComponent("b.bpe").path, badText.path])
        #expect(badLearn.status != 0)
        #expect(badLearn.stderr.contains("bad.txt:3: not valid UTF-8"))

        let noFile = try BPECLI.run(["bpe", "learn", "--out", dir.appendingPathComponent("m.bpe").path, dir.appendingPathComponent("absent.txt").path])
        #expect(noFile.status != 0)
        #expect(noFile.stderr.contains("absent.txt: cannot open"))
    }
}
