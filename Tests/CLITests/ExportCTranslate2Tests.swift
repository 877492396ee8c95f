import Foundation
import Testing
import TestSupport

/// `nmt export NAME --format ctranslate2`: the directory, and — where pip's ctranslate2 is
/// installed — the same greedy translations from ctranslate2.Translator as from nmt translate.
@Suite(.serialized)
struct ExportCTranslate2Tests {
    static let hasCTranslate2: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import ctranslate2, numpy"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test func writesAModelDirectory() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        let r = try ws.run(["export", "r", "--format", "ctranslate2", "--out", "ct2"])
        #expect(r.status == 0, "\(r.stderr)")
        for file in ["model.bin", "config.json", "shared_vocabulary.json"] {
            #expect(FileManager.default.fileExists(atPath: ws.path("ct2/\(file)")), "\(file)")
        }
        let vocabulary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("ct2/shared_vocabulary.json")))) as? [String]
        #expect(vocabulary?.count == 600 && vocabulary?.prefix(4) == ["<pad>", "<s>", "</s>", "<unk>"])
        let bad = try ws.run(["export", "r", "--format", "onnx", "--out", "x"])
        #expect(bad.status != 0 && bad.errorLines.count == 1)
    }

    @Test(.enabled(if: hasCTranslate2, "pip's ctranslate2 is not installed"))
    func ctranslate2DecodesLikeNmt() throws {
        let ws = try TranslateCommandTests.trainedWorkspace()
        #expect(try ws.run(["export", "r", "--format", "ctranslate2", "--out", "ct2"]).status == 0)
        let input = Data("En el principio\nY dijo Dios\nY fue la tarde y la mañana\n".utf8)
        let nmt = try ws.run(["translate", "--run", "r", "--beam", "1"], stdin: input)
        let pieces = try ws.run(["bpe", "encode", "--model", "small.bpe"], stdin: input)
        try pieces.stdoutData.write(to: URL(fileURLWithPath: ws.path("src.pieces")))
        let script = Fixtures.packageRoot.appendingPathComponent("scripts/reference/ctranslate2_reference.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "translate", ws.path("ct2"), ws.path("src.pieces"), ws.path("ct2.pieces"), "--beam", "1", "--threads", "1"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let decoded = try ws.run(["bpe", "decode", "--model", "small.bpe"], stdin: Data(contentsOf: URL(fileURLWithPath: ws.path("ct2.pieces"))))
        #expect(decoded.stdout == nmt.stdout)
    }
}
