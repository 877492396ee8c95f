import Foundation
import Testing
import TestSupport
@testable import Application

/// An export directory appears whole or not at all; an existing one is written in place.
struct NewDirectoryTests {
    struct Boom: Error {}

    func entries(_ dir: TemporaryDirectory) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() }

    @Test func aFailureMidwayLeavesNothing() throws {
        let dir = try TemporaryDirectory("new-directory-fail")
        #expect(throws: Boom.self) {
            try NewDirectory.write(dir.path("bundle")) { folder in
                try Data("half".utf8).write(to: folder.appendingPathComponent("model.safetensors"))
                throw Boom()
            }
        }
        #expect(try entries(dir).isEmpty, "neither the directory nor its hidden sibling is left")
    }

    @Test func aNewDirectoryAppearsWhole() throws {
        let dir = try TemporaryDirectory("new-directory-ok")
        try NewDirectory.write(dir.path("out/bundle")) { folder in
            #expect(!FileManager.default.fileExists(atPath: dir.path("out/bundle")), "not under its name while written")
            for name in ["a", "b"] { try Data(name.utf8).write(to: folder.appendingPathComponent(name)) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("out/bundle")).sorted() == ["a", "b"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("out")) == ["bundle"])
    }

    @Test func anExistingDirectoryKeepsItsOtherFiles() throws {
        let dir = try TemporaryDirectory("new-directory-existing")
        try FileManager.default.createDirectory(atPath: dir.path("bundle"), withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: dir.path("bundle/notes.txt")))
        try NewDirectory.write(dir.path("bundle")) { folder in try Data("new".utf8).write(to: folder.appendingPathComponent("a")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("bundle")).sorted() == ["a", "notes.txt"])
        FileManager.default.createFile(atPath: dir.path("file"), contents: Data())
        #expect(throws: ApplicationError.self) { try NewDirectory.write(dir.path("file")) { _ in } }
    }
}
