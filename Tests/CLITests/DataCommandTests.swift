import Foundation
import Testing
import TestSupport

// Runs the built binary: `nmt data bible` needs diatheke and the two SWORD modules (`make deps`).
@Suite struct DataCommandTests {
    static let packageRoot = Fixtures.packageRoot

    struct Output { let status: Int32; let stdout: String; let stderr: String }

    func nmt(_ arguments: [String]) throws -> Output {
        let r = try NMTProcess.run(arguments, in: Self.packageRoot)
        return Output(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    func temporaryDirectory() throws -> String {
        try TemporaryDirectory.untilExit("data-cli").path
    }

    @Test func buildsTheBibleAndVerifiesTheCommittedManifest() throws {
        let out = try temporaryDirectory()
        let result = try nmt(["data", "bible", "--out", out, "--manifest", "data/bible.manifest"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("bible: 30876 verse pairs (train 29345, valid 528, test 1003)"))
        #expect(result.stdout.contains("bible: kept 30876, dropped 6442 empty/missing (train 6441, valid 0, test 1), dropped 201 misaligned (train 191, valid 0, test 10); listed in \(out)/dropped.tsv"))
        #expect(result.stdout.contains("bible: all 10 files match data/bible.manifest"))
        let testRefs = try String(contentsOfFile: "\(out)/test.ref", encoding: .utf8)
        #expect(testRefs.hasPrefix("Ruth 1:1\n"))
    }

    @Test func mismatchNamesTheFileAndFails() throws {
        let out = try temporaryDirectory()
        let manifest = try String(contentsOfFile: Self.packageRoot.appendingPathComponent("data/bible.manifest").path, encoding: .utf8)
        // Claim one more line for valid.en than the corpus has.
        let tampered = manifest.replacingOccurrences(of: "valid.en 528 ", with: "valid.en 529 ")
        #expect(tampered != manifest)
        try tampered.write(toFile: "\(out)/tampered.manifest", atomically: true, encoding: .utf8)
        let result = try nmt(["data", "bible", "--out", "\(out)/bible", "--manifest", "\(out)/tampered.manifest"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(out)/bible/valid.en: does not match the manifest \(out)/tampered.manifest"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one error line: \(result.stderr)")
    }

    @Test func writeManifestNeedsAPath() throws {
        let result = try nmt(["data", "bible", "--write-manifest"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--write-manifest needs --manifest PATH"))
    }
}
