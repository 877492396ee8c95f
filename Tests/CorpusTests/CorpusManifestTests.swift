import Foundation
import Testing
@testable import Corpus

@Suite struct CorpusManifestTests {
    let files: [(name: String, contents: String)] = [("b.txt", "one\ntwo\n"), ("a.txt", "x\n")]

    func writeFiles(_ files: [(name: String, contents: String)]) throws -> String {
        let directory = try CorpusFixtures.temporaryDirectory()
        for file in files { try CorpusFixtures.write(Array(file.contents.utf8), to: "\(directory)/\(file.name)") }
        return directory
    }

    @Test func textRoundTripsAndIsSortedByFile() throws {
        let manifest = CorpusManifest(files: files)
        let text = manifest.text(comment: "test manifest")
        #expect(text == """
        # test manifest
        a.txt 1 \(SHA256Hex.of("x\n"))
        b.txt 2 \(SHA256Hex.of("one\ntwo\n"))

        """)
        #expect(try CorpusManifest.parse(text, path: "m") == manifest)
    }

    @Test func verifiesMatchingFiles() throws {
        let directory = try writeFiles(files)
        try CorpusManifest(files: files).verify(directory: directory, manifestPath: "m", expectedFiles: ["a.txt", "b.txt"])
    }

    @Test func changedFileIsNamed() throws {
        let directory = try writeFiles([("b.txt", "one\nTWO\n"), ("a.txt", "x\n")])
        do {
            try CorpusManifest(files: files).verify(directory: directory, manifestPath: "m", expectedFiles: ["a.txt", "b.txt"])
            Issue.record("a changed file verified")
        } catch {
            #expect("\(error)".hasPrefix("\(directory)/b.txt: does not match the manifest m"))
        }
    }

    @Test func missingAndUnlistedFilesAreNamed() throws {
        let directory = try writeFiles([("a.txt", "x\n")])
        #expect(throws: ManifestError.self) {
            try CorpusManifest(files: files).verify(directory: directory, manifestPath: "m", expectedFiles: ["a.txt", "b.txt"])
        }
        do {
            try CorpusManifest(files: files).verify(directory: directory, manifestPath: "m", expectedFiles: ["a.txt", "b.txt", "c.txt"])
            Issue.record("an unlisted file verified")
        } catch {
            #expect("\(error)" == "\(directory)/c.txt: not listed in the manifest m")
        }
    }

    @Test func malformedOrMissingManifest() {
        #expect("\(error { try CorpusManifest.parse("# c\na.txt 1\n", path: "m") })" == "m:2: malformed manifest line (expected 'FILE LINES SHA256')")
        #expect("\(error { try CorpusManifest.load(path: "/nonexistent/manifest") })".hasPrefix("/nonexistent/manifest: manifest not found"))
    }

    func error(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }
}

import Hashing
enum SHA256Hex {
    static func of(_ string: String) -> String { SHA256.hexDigest(of: string) }
}
